#pragma once
// The flags before the command: runc's global flags.
#include <string>
#include <vector>

#include "log/logger.h"

namespace ppc::shim {

inline constexpr const char* kDefaultRoot = "/run/ppc-kvm-shim";

struct GlobalOptions {
  std::string root = kDefaultRoot;
  bool root_given = false;
  std::string log;  // empty: stderr
  LogFormat log_format = LogFormat::kText;
  bool debug = false;
  bool systemd_cgroup = false;  // accepted, ignored: the VMM's cgroup is the caller's
  bool version = false;
  bool help = false;
  std::string command;             // empty: none given
  std::vector<std::string> args;   // everything after the command
};

// argv without the program name. Throws UsageError.
GlobalOptions parse_global_options(const std::vector<std::string>& args);

}  // namespace ppc::shim
