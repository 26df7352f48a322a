#pragma once
// One finding of `ppc-kvm-shim check`, and where its probes look: the host's /proc, /sys and
// /dev, or a scratch tree a test lays out the same way.
#include <string>

namespace ppc::shim {

struct CheckResult {
  std::string name;    // "kvm-device": stable, for scripts reading the JSON report
  bool ok = false;
  bool needed = true;  // false: for information; a container runs without it
  std::string detail;  // what was found
  std::string fix;     // what to do about it; empty when ok
};

struct HostRoots {
  std::string proc = "/proc";
  std::string sys = "/sys";
  std::string dev = "/dev";
};

}  // namespace ppc::shim
