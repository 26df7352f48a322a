#pragma once
#include <cstdint>
#include <string>

namespace ppc::shim {

// UTC time as Go marshals a time.Time in JSON (RFC 3339 with nanoseconds, trailing zeros of
// the fraction dropped): "2024-05-01T10:00:00.12345Z". runc's "created" looks like this.
std::string rfc3339_nano_utc(int64_t seconds, uint32_t nanoseconds);
std::string rfc3339_nano_utc_now();

}  // namespace ppc::shim
