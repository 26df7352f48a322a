#pragma once
// The largest single operator new request since the last reset, for tests that must show
// a hostile length was refused before anything was allocated for it.
#include <cstddef>

namespace ppc::protocol::testing {

void reset_largest_allocation();
size_t largest_allocation();

}  // namespace ppc::protocol::testing
