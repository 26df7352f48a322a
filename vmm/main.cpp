// ppc-kvm-vmm: the microVM monitor. Parses the command line, runs the machine, and is the one
// place that prints errors.
#include <cstdio>
#include <string>
#include <vector>

#include "cli.h"
#include "config_error.h"
#include "exit_codes.h"
#include "probe.h"
#include "pseries/machine.h"
#include "sandbox/sandbox.h"
#include "sandbox/syscall_roles.h"

int main(int argc, char** argv) {
  using namespace ppc::vmm;
  try {
    const CliOptions options = parse_cli(std::vector<std::string>(argv + 1, argv + argc));
    if (options.help) {
      std::fputs(usage().c_str(), stdout);
      return 0;
    }
    if (options.print_seccomp) {
      std::fputs(render_allowlists().c_str(), stdout);
      return 0;
    }
    if (options.probe) {
      print_probe(options.machine.kvm_path);
      return 0;
    }
    Sandbox sandbox(options.sandbox);
    sandbox.start();  // before anything is opened: it lists the fds we inherited
    return run_machine(options.machine, sandbox);
  } catch (const ConfigError& e) {
    std::fprintf(stderr, "ppc-kvm-vmm: %s\n", e.what());
    return exit_code::kUsage;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ppc-kvm-vmm: %s\n", e.what());
    return exit_code::kVmmError;
  }
}
