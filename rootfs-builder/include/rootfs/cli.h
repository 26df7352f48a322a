#pragma once
// The command line of ppc-kvm-rootfs.
#include <string>
#include <vector>

#include "base/error.h"
#include "rootfs/build_spec.h"

namespace ppc::rootfs {

// A bad flag or value: the program exits 2 instead of 1.
class UsageError : public Error {
 public:
  using Error::Error;
};

struct CliOptions {
  BuildSpec spec;
  std::string output;
  bool help = false;
};

// Throws UsageError naming the flag or value.
CliOptions parse_cli(const std::vector<std::string>& args);
// "SRC:DEST" or "SRC:DEST:MODE" (MODE octal, at most 07777).
ExtraFile parse_add(const std::string& text);
std::string usage();

}  // namespace ppc::rootfs
