#include "cli.h"

#include <cctype>
#include <limits>

#include "config_error.h"
#include "sandbox/rlimits.h"
#include "sandbox/syscall_roles.h"

namespace ppc::vmm {

uint64_t parse_size(const std::string& text) {
  size_t i = 0;
  uint64_t value = 0;
  while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i]))) {
    const uint64_t digit = static_cast<uint64_t>(text[i] - '0');
    if (value > (std::numeric_limits<uint64_t>::max() - digit) / 10) throw ConfigError("size '" + text + "' is too large");
    value = value * 10 + digit;
    ++i;
  }
  if (i == 0) throw ConfigError("size '" + text + "' is not a number");
  unsigned shift = 0;
  if (i + 1 == text.size()) {
    switch (std::toupper(static_cast<unsigned char>(text[i]))) {
      case 'K': shift = 10; break;
      case 'M': shift = 20; break;
      case 'G': shift = 30; break;
      default: throw ConfigError("size '" + text + "': unknown suffix (K, M or G)");
    }
  } else if (i != text.size()) {
    throw ConfigError("size '" + text + "' is not a number");
  }
  if (shift && value > (std::numeric_limits<uint64_t>::max() >> shift)) throw ConfigError("size '" + text + "' is too large");
  return value << shift;
}

namespace {

// A plain decimal number up to max (ids, descriptors): no size suffixes here.
uint64_t parse_number(const std::string& flag, const std::string& text, uint64_t max) {
  uint64_t value = 0;
  if (text.empty() || text.size() > 20) throw ConfigError(flag + ": '" + text + "' is not a number");
  for (const char c : text) {
    if (!std::isdigit(static_cast<unsigned char>(c))) throw ConfigError(flag + ": '" + text + "' is not a number");
    if (value > (max - static_cast<uint64_t>(c - '0')) / 10) throw ConfigError(flag + ": " + text + " is too large");
    value = value * 10 + static_cast<uint64_t>(c - '0');
  }
  return value;
}

}  // namespace

std::string usage() {
  return R"(usage: ppc-kvm-vmm --kernel FILE [options]
       ppc-kvm-vmm --probe

Boots a Linux pSeries guest under KVM (KVM-HV radix or KVM-PR hash) without firmware.

  --kernel FILE       guest kernel: ELF vmlinux (64-bit, either endianness)
  --raw-kernel        the kernel is a raw image, loaded at 0 and entered at 0
  --initrd FILE       initramfs, described to the guest in /chosen
  --cmdline TEXT      kernel command line (default "console=hvc0 panic=-1")
  --memory SIZE       guest RAM, e.g. 512M or 1G (default 512M; whole MiB, at least 16M)
  --vcpus N           vCPUs, 1 to 16 (default 1)
  --vm-type TYPE      auto, hv or pr (default auto: KVM-HV when usable, else KVM-PR)
  --console DEST      guest console output: - for stderr (default) or a file
  --console-input     feed the guest console from stdin
  --kvm PATH          the KVM device (default /dev/kvm)
  --drive FILE[,ro]   a virtio-blk disk backed by a raw image (repeatable; ro: read-only)
  --vsock-uds PATH    a virtio-vsock device; the host reaches guest port P by connecting to
                      PATH and writing "CONNECT P\n"; guest connections to host port P go
                      to the Unix socket PATH_P
  --vsock-cid N       the guest's vsock CID (default 3)
  --no-rng            no virtio-rng device
  --stats             at the end, print boot milestones and VM exits by reason
  --print-boot-times  before the machine starts, print its start-up times on the monotonic
                      clock (and CLOCK_REALTIME's offset); implies --stats, whose milestones
                      count from that "machine" time
  --probe             print what this host's KVM offers and exit
  --help              this text

Confinement (all on by default; see vmm/sandbox/):
  --no-sandbox        no jail, no privilege drop, no seccomp (debugging only)
  --seccomp MODE      kill (default): a forbidden system call kills the VMM; log: the thread
                      traps, its role and the call are logged, then the VMM dies of SIGSYS;
                      off: no filters
  --print-seccomp     print every thread role's system call allowlist and exit
  --no-jail           keep seccomp and the privilege drop, but no namespaces or new root
                      (the jail needs root)
  --uid N             run as this uid once everything is open
  --gid N             run as this gid once everything is open
  --cgroup DIR        join this cgroup v2 directory at start-up
  --rlimit NAME=N     a resource limit in the jail (core, fsize, nofile, nproc, memlock, as;
                      N or "unlimited"; repeatable; defaults core=0 nofile=4096)
  --kvm-fd N          use this inherited, open /dev/kvm instead of opening --kvm
  --keep-fd N         keep this inherited descriptor open in the jail (repeatable; every
                      other one but stdin, stdout and stderr is closed)
  --debug-seccomp-violation ROLE
                      test aid: the first thread of ROLE (vcpu, device, main) makes a
                      forbidden system call right after installing its filter

The jail: the VMM forks into new pid, mount, IPC, UTS and network namespaces (this process
stays as a supervisor that forwards SIGTERM/SIGINT/SIGHUP and exits as the VMM did); its root
is an empty read-only tmpfs. Files and sockets are opened before it; only the --vsock-uds
socket's directory stays reachable (read-only, same path), for guest connections to PATH_P.

Container mode (what ppc-kvm-shim runs):
  --container-request FILE  the agent's CreateContainer request (JSON: container_id, config,
                      hostname). Once the guest's agent answers, "ok" or "error <status>
                      <message>" goes to --ready-fd; the container's main process gets this
                      process's stdio, and the VMM exits with its status once it ended and
                      the guest powered off. The supervisor thread runs in the jail's outer
                      process (role "control" in --print-seccomp).
  --ready-fd N        an inherited pipe for that line (needs --container-request)
  --log FILE          where the VMM's own messages go in container mode (appended)

Exit status: 0 guest powered off; 1 VMM failure; 2 bad arguments or files (no VM created);
3 guest reboot; 4 guest panic or ibm,os-term; 128+N stopped by signal N (the guest is
stopped first).
)";
}

CliOptions parse_cli(const std::vector<std::string>& args) {
  CliOptions o;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& flag = args[i];
    auto value = [&]() -> const std::string& {
      if (i + 1 >= args.size()) throw ConfigError(flag + " needs a value");
      return args[++i];
    };
    if (flag == "--kernel") o.machine.kernel = value();
    else if (flag == "--raw-kernel") o.machine.raw_kernel = true;
    else if (flag == "--initrd") o.machine.initrd = value();
    else if (flag == "--cmdline") o.machine.cmdline = value();
    else if (flag == "--memory") {
      const std::string& v = value();
      try { o.machine.memory = parse_size(v); } catch (const ConfigError& e) { throw ConfigError("--memory: " + std::string(e.what())); }
    } else if (flag == "--vcpus") {
      const std::string& v = value();
      uint64_t n = 0;
      try { n = parse_size(v); } catch (const ConfigError&) { throw ConfigError("--vcpus: '" + v + "' is not a number"); }
      if (n < 1 || n > kMaxVcpus) throw ConfigError("--vcpus " + v + ": between 1 and " + std::to_string(kMaxVcpus));
      o.machine.vcpus = static_cast<unsigned>(n);
    } else if (flag == "--vm-type") {
      const std::string& v = value();
      const auto type = parse_vm_type(v);
      if (!type) throw ConfigError("--vm-type: unknown type '" + v + "' (auto, hv, pr)");
      o.machine.vm_type = *type;
    } else if (flag == "--console") o.machine.console = value();
    else if (flag == "--console-input") o.machine.console_input = true;
    else if (flag == "--kvm") o.machine.kvm_path = value();
    else if (flag == "--probe") o.probe = true;
    else if (flag == "--stats") o.machine.stats = true;
    else if (flag == "--print-boot-times") o.print_boot_times = o.machine.stats = true;
    else if (flag == "--drive") {
      // PATH[,ro]
      std::string v = value();
      DriveConfig drive;
      const auto comma = v.rfind(',');
      if (comma != std::string::npos) {
        const std::string opt = v.substr(comma + 1);
        if (opt != "ro" && opt != "rw") throw ConfigError("--drive " + v + ": unknown option '" + opt + "' (ro or rw)");
        drive.read_only = opt == "ro";
        v.resize(comma);
      }
      if (v.empty()) throw ConfigError("--drive needs a file");
      drive.path = v;
      o.machine.devices.drives.push_back(drive);
    } else if (flag == "--vsock-uds") o.machine.devices.vsock_uds = value();
    else if (flag == "--vsock-cid") {
      const std::string& v = value();
      try { o.machine.devices.vsock_cid = parse_size(v); } catch (const ConfigError&) { throw ConfigError("--vsock-cid: '" + v + "' is not a number"); }
    } else if (flag == "--no-rng") o.machine.devices.rng = false;
    else if (flag == "--help" || flag == "-h") o.help = true;
    else if (flag == "--no-sandbox") o.sandbox.enabled = false;
    else if (flag == "--no-jail") o.sandbox.jail = false;
    else if (flag == "--seccomp") {
      const std::string& v = value();
      if (v == "kill") o.sandbox.seccomp = SeccompMode::Kill;
      else if (v == "log") o.sandbox.seccomp = SeccompMode::Log;
      else if (v == "off") o.sandbox.seccomp = SeccompMode::Off;
      else throw ConfigError("--seccomp: unknown mode '" + v + "' (kill, log, off)");
    } else if (flag == "--print-seccomp") o.print_seccomp = true;
    else if (flag == "--uid") o.sandbox.uid = static_cast<uid_t>(parse_number(flag, value(), 0xfffffffeull));
    else if (flag == "--gid") o.sandbox.gid = static_cast<gid_t>(parse_number(flag, value(), 0xfffffffeull));
    else if (flag == "--cgroup") {
      o.sandbox.cgroup = value();
      if (o.sandbox.cgroup.empty()) throw ConfigError("--cgroup needs a directory");
    } else if (flag == "--rlimit") o.sandbox.rlimits.push_back(parse_rlimit(value()));
    else if (flag == "--kvm-fd") o.sandbox.kvm_fd = static_cast<int>(parse_number(flag, value(), 0x7fffffff));
    else if (flag == "--keep-fd") o.sandbox.keep_fds.push_back(static_cast<int>(parse_number(flag, value(), 0x7fffffff)));
    else if (flag == "--container-request") o.container_request = value();
    else if (flag == "--log") o.log_file = value();
    else if (flag == "--ready-fd") o.ready_fd = static_cast<int>(parse_number(flag, value(), 0x7fffffff));
    else if (flag == "--debug-seccomp-violation") {
      const std::string& v = value();
      const auto role = parse_role(v);
      if (!role || *role == Role::Supervisor || *role == Role::Control)
        throw ConfigError("--debug-seccomp-violation: unknown role '" + v + "' (vcpu, device, main)");
      o.sandbox.debug_violation = v;
    }
    else throw ConfigError("unknown argument '" + flag + "' (see --help)");
  }
  if (!o.help && !o.probe && !o.print_seccomp && o.machine.kernel.empty()) throw ConfigError("--kernel is required (see --help)");
  // Options that would silently do nothing are mistakes.
  if (!o.sandbox.enabled && (o.sandbox.uid || o.sandbox.gid)) throw ConfigError("--uid/--gid need the sandbox (drop --no-sandbox)");
  if (!o.sandbox.jail_on() && !o.sandbox.rlimits.empty()) throw ConfigError("--rlimit applies in the jail (drop --no-jail/--no-sandbox)");
  if (!o.container_request.empty() && o.machine.devices.vsock_uds.empty()) throw ConfigError("--container-request needs --vsock-uds");
  if (!o.container_request.empty() && o.ready_fd <= 2) throw ConfigError("--container-request needs --ready-fd N (N > 2)");
  if (o.container_request.empty() && o.ready_fd >= 0) throw ConfigError("--ready-fd goes with --container-request");
  if (!o.container_request.empty() && o.log_file.empty()) throw ConfigError("--container-request needs --log FILE (its stdio are the container's)");
  if (o.container_request.empty() && !o.log_file.empty()) throw ConfigError("--log goes with --container-request (otherwise messages go to stderr)");
  return o;
}

}  // namespace ppc::vmm
