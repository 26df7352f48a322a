#include "cli.h"

#include <cctype>
#include <functional>
#include <limits>

#include "config_error.h"
#include "sandbox/rlimits.h"
#include "sandbox/syscall_roles.h"
#include "virtio/net_flag.h"

namespace ppc::vmm {

namespace {

// --console-limit TOTAL,RATE,BURST: three sizes, each at least 1 KiB (a notice must fit).
OutputBudget::Limits parse_console_limit(const std::string& v) {
  const size_t a = v.find(','), b = a == std::string::npos ? a : v.find(',', a + 1);
  if (b == std::string::npos) throw ConfigError("--console-limit '" + v + "': TOTAL,RATE,BURST (e.g. 4M,32K,256K)");
  uint64_t sizes[3];
  const std::string parts[3] = {v.substr(0, a), v.substr(a + 1, b - a - 1), v.substr(b + 1)};
  for (int i = 0; i < 3; ++i) {
    try {
      sizes[i] = parse_size(parts[i]);
    } catch (const ConfigError& e) {
      throw ConfigError("--console-limit: " + std::string(e.what()));
    }
    if (sizes[i] < 1024) throw ConfigError("--console-limit '" + v + "': each of TOTAL, RATE, BURST is at least 1K");
  }
  return {sizes[0], sizes[1], sizes[2]};
}

}  // namespace

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

// function-length: one help text, kept whole so that it reads as the user sees it
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
  --console DEST      guest console output: - for stderr (default) or a file, bounded by
                      --console-limit (a line in the file says what was dropped)
  --console-limit TOTAL,RATE,BURST
                      a console file's bounds: TOTAL bytes in all, RATE bytes/s on average
                      after BURST bytes at once (default 4M,32K,256K)
  --console-input     feed the guest console from stdin
  --snapshot-to DIR   on SIGUSR2, stop the guest and save it to DIR (made 0700): its RAM,
                      vCPUs, interrupt controller and devices; KVM-HV radix guests, not
                      with --drive; virtio-fs and virtio-net only before the guest used them
  --save-when-ready   with --snapshot-to: save as soon as the guest's agent answers on
                      --vsock-uds (a template for restored containers); exit 0 once saved
  --restore-from DIR  continue the guest saved in DIR instead of booting a kernel (the same
                      --memory, --vcpus and devices); its clock goes on where it stopped
  --kvm PATH          the KVM device (default /dev/kvm)
  --drive FILE[,ro]   a virtio-blk disk backed by a raw image (repeatable; ro: read-only)
  --vsock-uds PATH    a virtio-vsock device; the host reaches guest port P by connecting to
                      PATH and writing "CONNECT P\n"; guest connections to host port P go
                      to the Unix socket PATH_P
  --vsock-cid N       the guest's vsock CID (default 3)
  --no-rng            no virtio-rng device
  --fs-share DIR      a virtio-fs device sharing the existing directory DIR through
                      virtiofsd, which the VMM starts (before the jail, as root; it is a
                      child of the process callers know and ends with it). The guest mounts
                      it with: mount -t virtiofs TAG /mnt. Binds made under DIR later reach
                      the guest only if DIR is a shared mount (mount --make-shared) in the
                      mount namespace where they are made: the caller prepares that
  --fs-tag TAG        the share's tag, 1 to 36 bytes (default ppc-kvm-share)
  --virtiofsd PATH    the daemon (default /usr/lib/qemu/virtiofsd, Debian 12's
                      qemu-system-common); its messages go to the VMM's log stream
  --virtiofsd-cgroup DIR
                      start the daemon in this cgroup v2 directory, not in the VMM's: its
                      page cache and memory are then not charged against the VM's limit
  --net tap=NAME,mac=XX:XX:XX:XX:XX:XX[,mtu=N][,vhost=on|off]
                      a virtio-net device on the existing persistent tap NAME of the
                      network namespace the VMM starts in (IFF_TAP, IFF_NO_PI; the VMM
                      attaches with IFF_VNET_HDR and the 12-byte virtio-net header). The
                      guest sees MAC, and MTU (68 to 65535) when given. vhost=on: the host
                      kernel's vhost-net (/dev/vhost-net) moves the frames, not the VMM
                      (faster; the guest's rings are then parsed outside the VMM's
                      confinement). Repeatable: the guest's interfaces follow the flags'
                      order (eth0, eth1, ...)
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
                      N or "unlimited"; repeatable; defaults core=0 nofile=4096 and fsize
                      the largest file the VMM writes: 64M for its log, more for a larger
                      --console-limit total or a writable --drive)
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
                      the guest powered off (255 when the guest ended without one). The
                      relay thread runs in the jailed VMM (role "control" in --print-seccomp).
  --ready-fd N        an inherited pipe for that line (needs --container-request)
  --log FILE          where the VMM's own messages go in container mode (appended)
  --until-adopted     the ready fd is a socket on which the creator answers "adopted" once
                      it has recorded the container; if it closes first, the VM stops
  --join-vm PATH      a pod's later container: run no machine, create the container (its
                      request names the sandbox_id) in the VM whose --vsock-uds is PATH, and
                      be its process: its stdio, its exit status (255 when it cannot be
                      known); SIGTERM, SIGINT and SIGHUP go to the container's main process.
                      Jailed with PATH's directory reachable; no --kernel, --vsock-uds or device

Exit status: 0 guest powered off; 1 VMM failure; 2 bad arguments or files (no VM created);
3 guest reboot; 4 guest panic or ibm,os-term; 128+N stopped by signal N (the guest is
stopped first).
)";
}

namespace {

// One command-line flag: its name, whether a value follows it, and what it sets.
struct Flag {
  const char* name;
  bool takes_value;
  std::function<void(CliOptions&, const std::string& value)> apply;
};

unsigned parse_vcpus(const std::string& v) {
  uint64_t n = 0;
  try { n = parse_size(v); } catch (const ConfigError&) { throw ConfigError("--vcpus: '" + v + "' is not a number"); }
  if (n < 1 || n > kMaxVcpus) throw ConfigError("--vcpus " + v + ": between 1 and " + std::to_string(kMaxVcpus));
  return static_cast<unsigned>(n);
}

std::vector<Flag> machine_flags() {
  return {
      {"--kernel", true, [](CliOptions& o, const std::string& v) { o.machine.kernel = v; }},
      {"--raw-kernel", false, [](CliOptions& o, const std::string&) { o.machine.raw_kernel = true; }},
      {"--initrd", true, [](CliOptions& o, const std::string& v) { o.machine.initrd = v; }},
      {"--cmdline", true, [](CliOptions& o, const std::string& v) { o.machine.cmdline = v; }},
      {"--memory", true, [](CliOptions& o, const std::string& v) {
         try { o.machine.memory = parse_size(v); } catch (const ConfigError& e) { throw ConfigError("--memory: " + std::string(e.what())); }
       }},
      {"--vcpus", true, [](CliOptions& o, const std::string& v) { o.machine.vcpus = parse_vcpus(v); }},
      {"--vm-type", true, [](CliOptions& o, const std::string& v) {
         const auto type = parse_vm_type(v);
         if (!type) throw ConfigError("--vm-type: unknown type '" + v + "' (auto, hv, pr)");
         o.machine.vm_type = *type;
       }},
      {"--console", true, [](CliOptions& o, const std::string& v) { o.machine.console = v; }},
      {"--snapshot-to", true, [](CliOptions& o, const std::string& v) {
         o.machine.snapshot_to = v;
         o.sandbox.forward_snapshot_signal = true;
       }},
      {"--restore-from", true, [](CliOptions& o, const std::string& v) { o.machine.restore_from = v; }},
      {"--console-limit", true, [](CliOptions& o, const std::string& v) { o.machine.console_limits = parse_console_limit(v); }},
      {"--console-input", false, [](CliOptions& o, const std::string&) { o.machine.console_input = true; }},
      {"--kvm", true, [](CliOptions& o, const std::string& v) { o.machine.kvm_path = v; }},
      {"--stats", false, [](CliOptions& o, const std::string&) { o.machine.stats = true; }},
  };
}

// --drive PATH[,ro|,rw]
DriveConfig parse_drive(std::string v) {
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
  return drive;
}

// What Linux's virtio-fs driver accepts as a tag: 1 to 36 bytes, no newline.
std::string parse_fs_tag(const std::string& v) {
  if (v.empty() || v.size() > 36 || v.find('\n') != std::string::npos)
    throw ConfigError("--fs-tag '" + v + "': 1 to 36 bytes, no newline");
  return v;
}

// Each virtio device's flags (virtio/device_set.h opens what they ask for).
std::vector<Flag> device_flags() {
  return {
      {"--drive", true, [](CliOptions& o, const std::string& v) { o.machine.devices.drives.push_back(parse_drive(v)); }},
      {"--vsock-uds", true, [](CliOptions& o, const std::string& v) { o.machine.devices.vsock_uds = v; }},
      {"--vsock-cid", true, [](CliOptions& o, const std::string& v) {
         try { o.machine.devices.vsock_cid = parse_size(v); } catch (const ConfigError&) { throw ConfigError("--vsock-cid: '" + v + "' is not a number"); }
       }},
      {"--no-rng", false, [](CliOptions& o, const std::string&) { o.machine.devices.rng = false; }},
      {"--fs-share", true, [](CliOptions& o, const std::string& v) {
         if (v.empty()) throw ConfigError("--fs-share needs a directory");
         o.machine.devices.fs.share_dir = v;
       }},
      {"--fs-tag", true, [](CliOptions& o, const std::string& v) { o.machine.devices.fs.tag = parse_fs_tag(v); }},
      {"--virtiofsd", true, [](CliOptions& o, const std::string& v) {
         if (v.empty()) throw ConfigError("--virtiofsd needs a program");
         o.machine.devices.fs.virtiofsd = v;
       }},
      {"--virtiofsd-cgroup", true, [](CliOptions& o, const std::string& v) {
         if (v.empty()) throw ConfigError("--virtiofsd-cgroup needs a directory");
         o.machine.devices.fs.virtiofsd_cgroup = v;
       }},
      {"--net", true, [](CliOptions& o, const std::string& v) { o.machine.devices.nics.push_back(parse_net_flag(v)); }},
  };
}

SeccompMode parse_seccomp_mode(const std::string& v) {
  if (v == "kill") return SeccompMode::Kill;
  if (v == "log") return SeccompMode::Log;
  if (v == "off") return SeccompMode::Off;
  throw ConfigError("--seccomp: unknown mode '" + v + "' (kill, log, off)");
}

std::vector<Flag> sandbox_flags() {
  return {
      {"--no-sandbox", false, [](CliOptions& o, const std::string&) { o.sandbox.enabled = false; }},
      {"--no-jail", false, [](CliOptions& o, const std::string&) { o.sandbox.jail = false; }},
      {"--seccomp", true, [](CliOptions& o, const std::string& v) { o.sandbox.seccomp = parse_seccomp_mode(v); }},
      {"--uid", true, [](CliOptions& o, const std::string& v) { o.sandbox.uid = static_cast<uid_t>(parse_number("--uid", v, 0xfffffffeull)); }},
      {"--gid", true, [](CliOptions& o, const std::string& v) { o.sandbox.gid = static_cast<gid_t>(parse_number("--gid", v, 0xfffffffeull)); }},
      {"--cgroup", true, [](CliOptions& o, const std::string& v) {
         if (v.empty()) throw ConfigError("--cgroup needs a directory");
         o.sandbox.cgroup = v;
       }},
      {"--rlimit", true, [](CliOptions& o, const std::string& v) { o.sandbox.rlimits.push_back(parse_rlimit(v)); }},
      {"--kvm-fd", true, [](CliOptions& o, const std::string& v) { o.sandbox.kvm_fd = static_cast<int>(parse_number("--kvm-fd", v, 0x7fffffff)); }},
      {"--keep-fd", true, [](CliOptions& o, const std::string& v) {
         o.sandbox.keep_fds.push_back(static_cast<int>(parse_number("--keep-fd", v, 0x7fffffff)));
       }},
      {"--debug-seccomp-violation", true, [](CliOptions& o, const std::string& v) {
         const auto role = parse_role(v);
         if (!role || *role == Role::Supervisor || *role == Role::Control)
           throw ConfigError("--debug-seccomp-violation: unknown role '" + v + "' (vcpu, device, main)");
         o.sandbox.debug_violation = v;
       }},
  };
}

// What the program does besides booting a guest, and container mode.
std::vector<Flag> mode_flags() {
  return {
      {"--help", false, [](CliOptions& o, const std::string&) { o.help = true; }},
      {"-h", false, [](CliOptions& o, const std::string&) { o.help = true; }},
      {"--probe", false, [](CliOptions& o, const std::string&) { o.probe = true; }},
      {"--print-seccomp", false, [](CliOptions& o, const std::string&) { o.print_seccomp = true; }},
      {"--print-boot-times", false, [](CliOptions& o, const std::string&) { o.print_boot_times = o.machine.stats = true; }},
      {"--container-request", true, [](CliOptions& o, const std::string& v) { o.container_request = v; }},
      {"--log", true, [](CliOptions& o, const std::string& v) { o.log_file = v; }},
      {"--ready-fd", true, [](CliOptions& o, const std::string& v) { o.ready_fd = static_cast<int>(parse_number("--ready-fd", v, 0x7fffffff)); }},
      {"--until-adopted", false, [](CliOptions& o, const std::string&) { o.until_adopted = true; }},
      {"--save-when-ready", false, [](CliOptions& o, const std::string&) {
         o.save_when_ready = true;
         o.machine.exit_when_not_saved = true;
       }},
      {"--join-vm", true, [](CliOptions& o, const std::string& v) { o.join_vm = v; }},
  };
}

const Flag* find_flag(const std::string& name) {
  static const std::vector<Flag> all = [] {
    std::vector<Flag> flags;
    for (auto group : {machine_flags(), device_flags(), sandbox_flags(), mode_flags()})
      flags.insert(flags.end(), group.begin(), group.end());
    return flags;
  }();
  for (const Flag& flag : all)
    if (name == flag.name) return &flag;
  return nullptr;
}

// Options that would silently do nothing, or that need each other, are mistakes.
// --join-vm runs no machine: a machine's options would do nothing.
void check_join_vm(const CliOptions& o) {
  if (o.container_request.empty()) throw ConfigError("--join-vm needs --container-request");
  if (!o.machine.kernel.empty() || !o.machine.initrd.empty()) throw ConfigError("--join-vm runs no machine: drop --kernel and --initrd");
  if (!o.machine.devices.vsock_uds.empty()) throw ConfigError("--join-vm runs no machine: drop --vsock-uds (the VM's socket is --join-vm's)");
  if (!o.machine.devices.fs.share_dir.empty() || !o.machine.devices.drives.empty() || !o.machine.devices.nics.empty())
    throw ConfigError("--join-vm runs no machine: drop its devices (--fs-share, --drive, --net)");
}

void check_combinations(const CliOptions& o) {
  if (!o.join_vm.empty()) check_join_vm(o);
  const bool machine = o.join_vm.empty() && !o.help && !o.probe && !o.print_seccomp;
  if (machine && o.machine.kernel.empty() && o.machine.restore_from.empty()) {
    throw ConfigError("--kernel (or --restore-from) is required (see --help)");
  }
  if (!o.machine.snapshot_to.empty() && !o.machine.restore_from.empty()) {
    throw ConfigError("--snapshot-to and --restore-from: one at a time for now");
  }
  if (!o.sandbox.enabled && (o.sandbox.uid || o.sandbox.gid)) throw ConfigError("--uid/--gid need the sandbox (drop --no-sandbox)");
  if (!o.sandbox.jail_on() && !o.sandbox.rlimits.empty()) throw ConfigError("--rlimit applies in the jail (drop --no-jail/--no-sandbox)");
  const FsShareConfig& fs = o.machine.devices.fs;
  if (fs.share_dir.empty() &&
      (fs.tag != FsShareConfig{}.tag || fs.virtiofsd != FsShareConfig{}.virtiofsd || !fs.virtiofsd_cgroup.empty()))
    throw ConfigError("--fs-tag, --virtiofsd and --virtiofsd-cgroup go with --fs-share");
  const bool container = !o.container_request.empty();
  if (container && o.join_vm.empty() && o.machine.devices.vsock_uds.empty())
    throw ConfigError("--container-request needs --vsock-uds (or --join-vm)");
  if (container && o.ready_fd <= 2) throw ConfigError("--container-request needs --ready-fd N (N > 2)");
  if (!container && o.ready_fd >= 0) throw ConfigError("--ready-fd goes with --container-request");
  if (container && o.log_file.empty()) throw ConfigError("--container-request needs --log FILE (its stdio are the container's)");
  if (!container && !o.log_file.empty()) throw ConfigError("--log goes with --container-request (otherwise messages go to stderr)");
  if (!container && o.until_adopted) throw ConfigError("--until-adopted goes with --container-request");
  if (o.save_when_ready && (o.machine.snapshot_to.empty() || o.machine.devices.vsock_uds.empty() || container))
    throw ConfigError("--save-when-ready needs --snapshot-to and --vsock-uds, and no --container-request");
  const OutputBudget::Limits& limits = o.machine.console_limits;
  const bool default_limits = limits.total == kConsoleFileLimits.total &&
                              limits.bytes_per_second == kConsoleFileLimits.bytes_per_second &&
                              limits.burst == kConsoleFileLimits.burst;
  if (o.machine.console == "-" && !default_limits) throw ConfigError("--console-limit goes with --console FILE");
}

}  // namespace

CliOptions parse_cli(const std::vector<std::string>& args) {
  CliOptions o;
  for (size_t i = 0; i < args.size(); ++i) {
    const Flag* flag = find_flag(args[i]);
    if (!flag) throw ConfigError("unknown argument '" + args[i] + "' (see --help)");
    if (flag->takes_value && i + 1 >= args.size()) throw ConfigError(args[i] + " needs a value");
    flag->apply(o, flag->takes_value ? args[++i] : std::string());
  }
  check_combinations(o);
  return o;
}

}  // namespace ppc::vmm
