#include "vm/template_maker.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <thread>

#include "base/error.h"
#include "base/unique_fd.h"
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

// The VMM's command line from the shape (what the key says is what the template holds);
// the host settings give only the virtiofsd to start.
std::vector<std::string> maker_command(const ShimConfig& config, const TemplateShape& shape, const std::string& making) {
  ShimConfig as_keyed = config;
  as_keyed.vmm = shape.vmm;
  as_keyed.kernel_cmdline = shape.cmdline;
  as_keyed.vhost_net = shape.vhost_net;
  VmmFiles files{shape.initramfs, shape.share ? making + "/share" : "", template_nics(shape), ""};
  std::vector<std::string> cmd =
      machine_args(as_keyed, VmSize{shape.memory_mib, shape.vcpus, shape.vm_type, shape.kernel}, files);
  cmd.insert(cmd.end(), {"--vsock-uds", making + "/vsock.sock", "--console", making + "/console.log", "--snapshot-to",
                         making, "--save-when-ready"});
  cmd.insert(cmd.end(), shape.vmm_args.begin(), shape.vmm_args.end());
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

}  // namespace ppc::shim
