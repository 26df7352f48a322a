// ppc-kvm-rootfs: writes a guest initramfs. The one place that prints errors.
#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "rootfs/cli.h"
#include "rootfs/initramfs.h"

int main(int argc, char** argv) {
  using namespace ppc::rootfs;
  try {
    CliOptions options = parse_cli(std::vector<std::string>(argv + 1, argv + argc));
    if (options.help) {
      std::fputs(usage().c_str(), stdout);
      return 0;
    }
    options.spec.warn = [](const std::string& message) { std::fprintf(stderr, "ppc-kvm-rootfs: warning: %s\n", message.c_str()); };
    build_initramfs(options.spec, options.output);
    return 0;
  } catch (const UsageError& e) {
    std::fprintf(stderr, "ppc-kvm-rootfs: %s\n", e.what());
    return 2;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "ppc-kvm-rootfs: %s\n", e.what());
    return 1;
  }
}
