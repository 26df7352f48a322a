#include "vm/template_maker.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <thread>

#include "base/error.h"
#include "base/tree_removal.h"
#include "base/unique_fd.h"
#include "log/logger.h"
#include "net/host_network.h"
#include "net/made_net.h"
#include "netconf/netns.h"
#include "netconf/tap.h"
#include "vm/vmm_process.h"

namespace ppc::shim {
namespace {

// A template's NICs: taps of the shim's names with MACs of their own, which the agent
// replaces with the container's interfaces' (protocol::Network) after the restore.
std::vector<std::string> template_nics(const TemplateShape& shape) {
  std::vector<std::string> nics;
  for (size_t i = 0; i < shape.nic_mtus.size(); ++i) {
    char mac[18];
    std::snprintf(mac, sizeof mac, "02:00:00:00:00:%02zx", i + 1);
    nics.push_back(net_flag(tap_name(i), mac, shape.nic_mtus[i]));
  }
  return nics;
}

std::vector<std::string> maker_command(const ShimConfig& config, const TemplateShape& shape, const std::string& making) {
  VmmFiles files{shape.initramfs, shape.share ? making + "/share" : "", template_nics(shape), ""};
  std::vector<std::string> cmd =
      machine_args(config, VmSize{shape.memory_mib, shape.vcpus, shape.vm_type, shape.kernel}, files);
  cmd.insert(cmd.end(), {"--vsock-uds", making + "/vsock.sock", "--console", making + "/console.log", "--snapshot-to",
                         making, "--save-when-ready"});
  cmd.insert(cmd.end(), config.vmm_args.begin(), config.vmm_args.end());
  return cmd;
}

// Waits for the VMM to exit, at most `timeout` (then killed); its status, or nullopt.
std::optional<int> wait_at_most(VmmProcess& vmm, std::chrono::seconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (const std::optional<int> status = vmm.try_wait()) return status;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  vmm.kill_and_reap();
  return std::nullopt;
}

}  // namespace

void make_template(const ShimConfig& config, const TemplateShape& shape, const std::string& making,
                   std::chrono::seconds timeout) {
  if (shape.share && ::mkdir((making + "/share").c_str(), 0700) != 0) throw_errno("mkdir " + making + "/share");
  UniqueFd netns;
  if (!shape.nic_mtus.empty()) {
    netns = netconf::scratch_netns();
    netconf::run_in_netns(netns.get(), [&] {
      for (size_t i = 0; i < shape.nic_mtus.size(); ++i) netconf::create_persistent_tap(tap_name(i));
    });
  }
  const std::string log = making + "/vmm.log";
  const UniqueFd out(::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  const UniqueFd in(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  if (!out.valid() || !in.valid()) throw_errno("open " + log);
  VmmProcess vmm = VmmProcess::spawn(maker_command(config, shape, making), VmmStdio{in.get(), out.get(), out.get()},
                                     netns.valid() ? netns.get() : -1, true);
  const std::optional<int> status = wait_at_most(vmm, timeout);
  if (status == 0) {
    ::unlink((making + "/vsock.sock").c_str());
    if (shape.share) ::rmdir((making + "/share").c_str());
    return;
  }
  const std::string why = status ? "the VMM exited with status " + std::to_string(*status)
                                 : "the guest was not saved within " + std::to_string(timeout.count()) + " s";
  throw Error(why + "; its log's last lines:\n" + tail_of_file(log, 4));
}

std::optional<std::string> guest_template(const ShimConfig& config, const TemplateShape& shape) {
  if (config.templates == 0) return std::nullopt;
  const std::string key = template_key(shape);
  std::optional<TemplateStore> opened;
  try {
    opened.emplace(config.template_dir, config.templates);
  } catch (const Error& e) {
    logger().warning(std::string("booting cold: ") + e.what());
    return std::nullopt;
  }
  const TemplateStore& store = *opened;
  if (std::optional<std::string> dir = store.find(key, shape.memory_mib)) return dir;
  const UniqueFd held = store.lock(key);
  if (std::optional<std::string> dir = store.find(key, shape.memory_mib)) return dir;  // made meanwhile
  if (const std::optional<std::string> why = store.refusal(key)) {
    logger().debug("booting cold: no guest template can be made for this VM (" + *why + ")");
    return std::nullopt;
  }
  const std::string making = store.making_dir(key);
  const auto start = std::chrono::steady_clock::now();
  try {
    make_template(config, shape, making, std::chrono::seconds(config.boot_timeout_seconds));
    store.publish(making, key);
  } catch (const Error& e) {
    store.record_refusal(key, e.what());
    remove_tree_within_mount(making);
    logger().warning("booting cold: making a guest template in " + making + " failed (not tried again for an hour): " +
                     e.what());
    return std::nullopt;
  }
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
  logger().debug("guest template made in " + std::to_string(ms.count()) + " ms: " + store.dir_for(key));
  store.evict();
  return store.find(key, shape.memory_mib);
}

}  // namespace ppc::shim
