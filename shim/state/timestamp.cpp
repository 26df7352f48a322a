#include "state/timestamp.h"

#include <time.h>

#include <cstdio>

namespace ppc::shim {

std::string rfc3339_nano_utc(int64_t seconds, uint32_t nanoseconds) {
  const time_t t = static_cast<time_t>(seconds);
  tm utc{};
  ::gmtime_r(&t, &utc);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d", utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday,
                utc.tm_hour, utc.tm_min, utc.tm_sec);
  std::string out = buf;
  if (nanoseconds != 0) {
    char frac[16];
    std::snprintf(frac, sizeof frac, ".%09u", nanoseconds);
    std::string f = frac;
    while (f.back() == '0') f.pop_back();
    out += f;
  }
  return out + "Z";
}

std::string rfc3339_nano_utc_now() {
  timespec now{};
  ::clock_gettime(CLOCK_REALTIME, &now);
  return rfc3339_nano_utc(now.tv_sec, static_cast<uint32_t>(now.tv_nsec));
}

}  // namespace ppc::shim
