#pragma once
#include <cstdint>
#include <string>

namespace ppc {

// "0x1f": how addresses, numbers and registers appear in messages.
std::string hex(uint64_t value);

}  // namespace ppc
