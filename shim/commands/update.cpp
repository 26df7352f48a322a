// update: a VM's RAM and vCPUs are fixed when it boots. A resources update that would give
// the container a different VM size is refused, naming the field; one that leaves the size
// as it is (the same limits, or fields with no meaning for a VM) is accepted as a no-op.
#include <sys/stat.h>
#include <unistd.h>

#include <iostream>
#include <sstream>

#include "base/read_file.h"
#include "cli/usage_error.h"
#include "commands/command_spec.h"
#include "commands/commands.h"
#include "commands/container_ops.h"
#include "commands/create_container.h"
#include "log/logger.h"
#include "oci/parse_config.h"
#include "state/atomic_file.h"
#include "vm/vm_sizing.h"

namespace ppc::shim {
namespace {

oci::Resources parse_resources(const nlohmann::json& j) {
  const nlohmann::json wrapper = {{"ociVersion", "1.0.2"}, {"root", {{"path", "rootfs"}}}, {"linux", {{"resources", j}}}};
  try {
    return oci::parse_config(wrapper).linux.resources;
  } catch (const Error& e) {
    std::string message = e.what();
    if (message.rfind("linux.", 0) == 0) message.erase(0, 6);
    throw Error("--resources: " + message);
  }
}

}  // namespace

int run_update(Context& context, const std::vector<std::string>& args) {
  static const CommandSpec spec{
      "update", "<container-id>",
      "Updates resource limits from --resources FILE (\"-\": stdin), runtime-spec linux.resources\n"
      "JSON. The VM's RAM and vCPUs cannot change while it runs: an update that would change\n"
      "them is refused; anything else is accepted and has no effect.",
      {{"resources", {"r"}, true}}, false, 1, 1};
  const auto flags = parse_command(spec, args);
  if (!flags) return 0;
  if (!flags->has("resources")) throw UsageError("update: --resources FILE is required (no other update flag is supported)");
  const std::string source = flags->value("resources");
  std::string text;
  if (source == "-") {
    std::stringstream in;
    in << std::cin.rdbuf();
    text = in.str();
  } else {
    text = read_file(source);
  }
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw Error("--resources " + source + ": " + e.what());
  }
  const oci::Resources update = parse_resources(j);

  const auto [container, state, status] = open_container(context.store, flags->positionals[0]);
  if (status == Status::kStopped) throw Error("container not running");
  if (!state.sandbox_id.empty()) {
    throw Error("container " + state.id + " runs in the VM of container " + state.sandbox_id +
                " (a pod): its resources are that VM's, sized when " + state.sandbox_id + " was created");
  }
  oci::Config config = created_config(container);
  oci::Resources& r = config.linux.resources;
  if (update.memory.limit) r.memory.limit = update.memory.limit;
  if (update.cpu.quota) r.cpu.quota = update.cpu.quota;
  if (update.cpu.period) r.cpu.period = update.cpu.period;
  if (!update.cpu.cpus.empty()) r.cpu.cpus = update.cpu.cpus;
  struct stat st {};
  const uint64_t initramfs = ::stat(container.file("initramfs.cpio").c_str(), &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
  const VmSize size = size_vm(config, load_shim_config(), initramfs);
  if (size.memory_mib != state.memory_mib) {
    throw Error("memory.limit: the VM's RAM is fixed at " + std::to_string(state.memory_mib) +
                " MiB while it runs; this limit needs " + std::to_string(size.memory_mib) + " MiB");
  }
  if (size.vcpus != state.vcpus) {
    throw Error("cpu: the VM's vCPUs are fixed at " + std::to_string(state.vcpus) + " while it runs; these limits need " +
                std::to_string(size.vcpus));
  }
  logger().debug("update: the VM's size is unchanged; nothing to do");
  return 0;
}

}  // namespace ppc::shim
