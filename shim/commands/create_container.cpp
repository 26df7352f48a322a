// create, as the steps it takes, in order; each is a function below.
//   1. validate_request    the id, the bundle, config.json and the flags that go with it
//   2. plan_vm             the host's settings, the share's binds, the VM's size, the cgroup's
//                          path, the network namespace (container_network.h)
//   3. Creation            the state directory, locked, with its ledger   undo: state directory
//   4. make_share          with a read-only root its missing mount points and, without a /dev
//                          mount, runc's /dev first (mount_points.h, root_devices.h), then the
//                          share directory and its binds (root, volumes)   undo: unmount
//   5. build_guest_inputs  the agent's initramfs (cached), create.json (what the guest gets)
//   6. open_console        with --console-socket: a pty whose master goes to the socket
//   7. make_cgroup         the VM's cgroup (linux.cgroupsPath), virtiofsd's beside it
//                                                                         undo: cgroups
//   8. make_network        the shim's own network namespace if planned, a tap per interface
//                          and its redirects                undo: namespace, taps, qdiscs
//   9. start_vmm           the VMM, in the network namespace, until its agent has created the
//                          container: its guest restored from the template of its shape
//                          (made by the first such create), else booted   undo: VMM
//  10. send_network        the interfaces' addresses and routes to the agent (not when late)
//  11. record_created      the create hooks, then state.json
//  12. write_pid_file      --pid-file
// A pod's later container (its network namespace is one a container of ours was created in,
// pod_sandbox.h) takes steps 1-3, then create_member's: its files into the pod VM's share, no
// VM, a process of its own that has the pod's agent create it (ppc-kvm-vmm --join-vm).
// Steps 1 and 2 check everything they can before anything exists. A step that makes something
// outside plain files names it on the undo stack (undo_stack.h) and so in the ledger
// (ledger.h) before it makes it; a failure in a later step undoes all of it, newest first,
// and so does delete --force after a create that was killed.
#include "commands/create_container.h"

#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fcntl.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>
#include <optional>

#include "base/read_file.h"
#include "base/ready_line.h"
#include "base/unique_fd.h"
#include "cli/usage_error.h"
#include "commands/container_network.h"
#include "commands/container_ops.h"
#include "commands/fault_points.h"
#include "commands/pod_sandbox.h"
#include "commands/undo_stack.h"
#include "commands/vmm_control.h"
#include "console/console_socket.h"
#include "console/pty.h"
#include "hooks/hooks.h"
#include "log/logger.h"
#include "netconf/netns.h"
#include "oci/parse_config.h"
#include "oci/to_json.h"
#include "protocol/shared_fs.h"
#include "state/atomic_file.h"
#include "state/container_id.h"
#include "state/process_info.h"
#include "state/state_views.h"
#include "state/timestamp.h"
#include "vm/container_cgroup.h"
#include "vm/guest_template.h"
#include "vm/template_choice.h"
#include "vm/initramfs.h"
#include "vm/mount_points.h"
#include "vm/root_devices.h"
#include "vm/share_mounts.h"
#include "vm/share_plan.h"
#include "vm/shim_config.h"
#include "vm/vm_sizing.h"

namespace ppc::shim {
namespace {

constexpr const char* kCreateRequestFile = "create.json";
constexpr const char* kHostConfigFile = "config.json";

std::string absolute_path(const std::string& path, const std::string& what) {
  char resolved[PATH_MAX];
  if (::realpath(path.empty() ? "." : path.c_str(), resolved) == nullptr) throw_errno(what + " " + path);
  return resolved;
}

// The bundle, checked.
struct Bundle {
  std::string dir;     // absolute
  oci::Config config;  // with a process
  std::string rootfs;  // absolute
};

// The VM the host's settings give the bundle, known before anything is built.
struct VmPlan {
  ShimConfig settings;
  SharePlan share;
  std::optional<std::string> cgroup;  // none: the VMM stays in the caller's cgroup
  NetworkPlan network;
  std::optional<std::string> sandbox;  // a pod's later container: the container whose VM it joins
};

// What the guest boots from.
struct GuestInputs {
  std::string initramfs;  // the agent's, shared by every container
  VmSize size;
};

// What create holds while it works (step 3 on). Members end in reverse order, so after a
// failure the undo stack goes first (the VMM's whole tree killed, the cgroup and the directory
// removed), then the VMM object (it reaps the killed child), and the directory's lock last.
struct Creation {
  Creation(const StateStore& store, const std::string& id) : container(store.create(id)) {
    undo.record_in(Ledger(container.dir()));
    undo.push(MadeStateDirectory{container.dir()});
    const std::string vm_dir = container.file(LockedContainer::kVmDir);
    if (::mkdir(vm_dir.c_str(), 0700) != 0) throw_errno("mkdir " + vm_dir);
  }
  LockedContainer container;
  std::optional<VmmProcess> vmm;
  UndoStack undo;
};

// The console flags against process.terminal, as runc checks them.
void check_console_flags(const CreateRequest& request, bool terminal) {
  if (terminal && request.console_socket.empty() && !request.foreground) {
    throw UsageError("process.terminal is true: --console-socket is needed to receive the terminal");
  }
  if (!terminal && !request.console_socket.empty()) {
    throw UsageError("--console-socket was given but process.terminal is false");
  }
}

// Step 1.
Bundle validate_request(const CreateRequest& request) {
  validate_container_id(request.id);
  Bundle bundle;
  bundle.dir = absolute_path(request.bundle, "bundle");
  struct stat st {};
  if (::stat(bundle.dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) throw Error("bundle " + bundle.dir + " is not a directory");
  bundle.config = oci::load_config(bundle.dir + "/config.json");
  if (!bundle.config.process) throw Error(bundle.dir + "/config.json: process: must be present to create a container");
  check_console_flags(request, bundle.config.process->terminal);
  if (request.preserve_fds > 0) {
    throw UsageError("--preserve-fds " + std::to_string(request.preserve_fds) +
                     ": file descriptors cannot be passed into the container's VM");
  }
  bundle.rootfs = with_context(bundle.dir + "/config.json: root.path", [&] {
    const std::string& root = bundle.config.root.path;
    return absolute_path(root.front() == '/' ? root : bundle.dir + "/" + root, "");
  });
  return bundle;
}

// The daemon that serves the share must be there before anything is made.
void check_virtiofsd(const std::string& path) {
  if (::access(path.c_str(), X_OK) != 0)
    throw Error("virtiofsd " + path + ": " + std::strerror(errno) + " (install Debian's qemu-system-common, or name " +
                "another one as \"virtiofsd\" in " + kDefaultShimConfig + ")");
}

// Step 2.
VmPlan plan_vm(const Bundle& bundle, const StateStore& store, const std::string& id) {
  const std::string config_file = bundle.dir + "/config.json";
  VmPlan plan;
  plan.settings = load_shim_config();
  check_virtiofsd(plan.settings.virtiofsd);
  with_context(config_file, [&] {
    plan.network = plan_network(bundle.config);
    plan.sandbox = find_pod_sandbox(plan.network, store);
    if (!plan.sandbox) check_joinable(plan.network);
  });
  // A pod's later container's files go into its sandbox's share, under its own id.
  const std::string share = store.dir_of(plan.sandbox.value_or(id)) + "/share";
  plan.share = with_context(config_file, [&] { return plan_share(bundle.config, bundle.dir, bundle.rootfs, share, id); });
  // Annotation and cgroupsPath errors before anything exists (the initramfs size only adds to RAM).
  with_context(config_file, [&] { size_vm(bundle.config, plan.settings, 0); });
  plan.cgroup = with_context(config_file, [&] { return container_cgroup_dir(bundle.config); });
  return plan;
}

// A mount point for a bind: a directory for a directory, an empty file for a file.
void make_mount_point(const ShareBind& bind) {
  if (bind.directory) {
    if (::mkdir(bind.target.c_str(), 0755) != 0 && errno != EEXIST) throw_errno("mkdir " + bind.target);
    return;
  }
  UniqueFd fd(::open(bind.target.c_str(), O_WRONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644));
  if (!fd.valid()) throw_errno("create " + bind.target);
}

// The container's root and volumes bound into <share>/<id>, each bind named on the undo stack
// (and so in the ledger) before it is made.
void bind_container_files(const SharePlan& plan, UndoStack& undo, PhaseClock& clock) {
  auto bind = [&](const ShareBind& b, const std::string& what) {
    with_context(what, [&] {
      make_mount_point(b);
      undo.push(MadeBind{b.target});
      bind_into_share(b.host_source, b.target, BindAttributes{b.recursive, b.read_only});
    });
  };
  bind(plan.root, "root.path " + plan.root.host_source);
  for (const auto& [index, b] : plan.mounts) bind(b, "mounts[" + std::to_string(index) + "]");
  clock.lap("share of " + std::to_string(1 + plan.mounts.size()) + " bind(s) made");
}

// Step 4: the share directory on itself, then the container's files in it.
void make_share(const SharePlan& plan, UndoStack& undo, PhaseClock& clock) {
  undo.push(MadeShare{plan.share});
  mount_share(plan.share);
  const std::string container_dir = plan.share + "/" + plan.id;
  if (::mkdir(container_dir.c_str(), 0711) != 0 && errno != EEXIST) throw_errno("mkdir " + container_dir);
  bind_container_files(plan, undo, clock);
}

// A pod's later container's step 4: its directory in the pod VM's share (which is a shared
// mount already: the binds reach the running virtiofsd), then its files in it.
void make_member_share(const SharePlan& plan, UndoStack& undo, PhaseClock& clock) {
  const std::string container_dir = plan.share + "/" + plan.id;
  undo.push(MadeShareEntry{container_dir});
  if (::mkdir(container_dir.c_str(), 0711) != 0) throw_errno("mkdir " + container_dir);
  bind_container_files(plan, undo, clock);
}

// Step 4 for either: with a read-only root its missing mount points and runc's /dev, then the
// share's binds (a pod member's in its sandbox's share).
void make_container_files(const Bundle& bundle, const VmPlan& plan, UndoStack& undo, PhaseClock& clock) {
  make_read_only_root_mount_points(bundle.config, plan.share);
  make_read_only_root_devices(bundle.config, plan.share);
  if (plan.sandbox) make_member_share(plan.share, undo, clock);
  else make_share(plan.share, undo, clock);
  fault_point("create.share");
}

// No hostname in config.json: the container sees the host's, as under crun and runc (a new UTS
// namespace starts as a copy of its creator's). The guest's own name would be "(none)".
std::string guest_hostname(const oci::Config& config) {
  if (!config.hostname.empty()) return config.hostname;
  char name[HOST_NAME_MAX + 1] = {};
  if (::gethostname(name, sizeof name - 1) != 0) return "";
  return name;
}

// create.json: what the VMM sends the agent to create the container from, and nothing only
// the host needs; config.json: the bundle's config as create validated it, for the later
// commands (hooks, the cgroup) whatever happens to the bundle meanwhile.
void write_create_request(const LockedContainer& container, const oci::Config& config, const SharePlan& share,
                          const std::string& sandbox_id = "") {
  const oci::Config guest = guest_config(config, share);
  const nlohmann::json request = {{"container_id", container.id()},
                                  {"config", oci::to_json(guest)},
                                  {"hostname", guest_hostname(guest)},
                                  {"shared_fs_tag", std::string(protocol::kSharedFsTag)},
                                  {"sandbox_id", sandbox_id}};
  write_file_atomic(container.file(kCreateRequestFile), request.dump(), 0600);
  write_file_atomic(container.file(kHostConfigFile), oci::to_json(config).dump(), 0600);
}

// Step 5.
GuestInputs build_guest_inputs(const LockedContainer& container, const Bundle& bundle, const VmPlan& plan,
                               const std::string& state_root, PhaseClock& clock) {
  GuestInputs inputs;
  inputs.initramfs = agent_initramfs(plan.settings.agent, state_root);
  struct stat st {};
  if (::stat(inputs.initramfs.c_str(), &st) != 0) throw_errno("stat " + inputs.initramfs);
  inputs.size = size_vm(bundle.config, plan.settings, static_cast<uint64_t>(st.st_size));
  write_create_request(container, bundle.config, plan.share);
  clock.lap("guest inputs ready");
  return inputs;
}

// Step 6: the container's terminal, a pty in raw mode sized as config.json says. The master
// goes out over --console-socket; the slave becomes the VMM's stdio.
std::optional<PtyPair> open_console(const CreateRequest& request, const oci::Process& process) {
  if (!process.terminal || request.console_socket.empty()) return std::nullopt;
  PtyPair pty = open_pty();
  make_raw(pty.slave.get());
  if (process.console_size) {
    winsize ws{};
    ws.ws_row = static_cast<unsigned short>(process.console_size->height);
    ws.ws_col = static_cast<unsigned short>(process.console_size->width);
    ::ioctl(pty.master.get(), TIOCSWINSZ, &ws);
  }
  send_console(request.console_socket, pty.master.get());
  return pty;
}

VmmStdio vmm_stdio(const std::optional<PtyPair>& console) {
  if (!console) return VmmStdio{};
  const int slave = console->slave.get();
  return VmmStdio{slave, slave, slave, true};
}

// Step 7: the VM's cgroup and virtiofsd's, made before the VMM joins one and starts the daemon
// in the other. Each named on the undo stack first: a half-made one is removed as well.
void make_cgroup(const VmPlan& plan, const oci::Config& config, const VmSize& size, UndoStack& undo) {
  if (!plan.cgroup) return;
  undo.push(MadeCgroup{*plan.cgroup});
  create_container_cgroup(*plan.cgroup, config, size.memory_mib, size.vcpus);
  if (plan.share.share.empty()) return;
  const std::string daemon = virtiofsd_cgroup_dir(*plan.cgroup);
  undo.push(MadeCgroup{daemon});
  create_virtiofsd_cgroup(daemon);
}

// A restored guest that failed (kRestoredGuestFailed): its template is discarded and the
// guest boots cold instead.
class RestoreFailed : public Error {
 public:
  using Error::Error;
};

// The shape of the guest this container's VM boots: its template's key (guest_template.h).
TemplateShape guest_shape(const VmPlan& plan, const GuestInputs& inputs, const ContainerNetwork& network) {
  const ShimConfig& settings = plan.settings;
  TemplateShape shape{settings.vmm, inputs.size.kernel, inputs.initramfs, inputs.size.memory_mib, inputs.size.vcpus,
                      inputs.size.vm_type, settings.kernel_cmdline, settings.vmm_args, !plan.share.share.empty(),
                      {}, settings.vhost_net};
  for (const GuestNic& nic : network.record.nics) shape.nic_mtus.push_back(nic.mtu);
  return shape;
}

// One start of the VMM (restored from `from`, or cold when it is empty), waited for until its
// agent has created the container. Throws StatusError with the status the VMM reported, and
// RestoreFailed when the restored guest failed.
VmmIdentity run_vmm(Creation& creation, const VmPlan& plan, const GuestInputs& inputs, const ContainerNetwork& network,
                    std::optional<PtyPair>& console, const std::string& from, PhaseClock& clock) {
  std::vector<std::string> command =
      vmm_command(plan.settings, inputs.size, creation.container.dir(),
                  VmmFiles{inputs.initramfs, plan.share.share, network.vmm_nics(), from});
  if (plan.cgroup) command.insert(command.end(), {"--cgroup", *plan.cgroup});
  if (plan.cgroup && !plan.share.share.empty())
    command.insert(command.end(), {"--virtiofsd-cgroup", virtiofsd_cgroup_dir(*plan.cgroup)});
  std::string shown;
  for (const std::string& word : command) shown += " " + word;
  logger().debug("starting the VMM:" + shown);
  VmmProcess& vmm = creation.vmm.emplace(VmmProcess::spawn(command, vmm_stdio(console), network.netns.get()));
  const auto stat = read_proc_stat(vmm.pid());
  const VmmIdentity identity{vmm.pid(), stat ? stat->start_time : 0};
  creation.undo.push(MadeVmm{identity.pid, identity.start_time});
  if (from.empty()) console.reset();  // the master is the console socket's now, the slave the VMM's
  clock.lap(from.empty() ? "VMM started" : "VMM started, restoring " + from);
  if (const auto failure = vmm.wait_ready(std::chrono::seconds(plan.settings.boot_timeout_seconds),
                                          creation.container.file("console.log"), creation.container.file("vmm.log"))) {
    // The restored guest's own failure, or a VMM that died without a word (a restore path
    // that crashed): the container was not created, so a cold boot may try again.
    const bool the_guests = failure->message.rfind(kRestoredGuestFailed, 0) == 0 || failure->how == VmmFailure::kNoReport;
    if (!from.empty() && the_guests) throw RestoreFailed(failure->message);
    throw StatusError(failure->message, failure->exit_status);
  }
  console.reset();  // kept for a cold boot after a failed restore until now
  clock.lap(from.empty() ? "guest booted, agent created the container"
                         : "guest restored from " + from + ", agent created the container");
  return identity;
}

// Step 9: the VMM, in the container's network namespace with a NIC per tap, restored from the
// guest template of its shape when there is one (the first create of a shape makes it), else
// booted cold; waited for until its agent has created the container.
VmmIdentity start_vmm(Creation& creation, const VmPlan& plan, const GuestInputs& inputs,
                      const ContainerNetwork& network, std::optional<PtyPair>& console, PhaseClock& clock) {
  std::optional<ChosenTemplate> chosen = choose_template(plan.settings, guest_shape(plan, inputs, network));
  clock.lap(chosen ? "guest template ready" : "no guest template: booting cold");
  if (chosen) {
    try {
      return run_vmm(creation, plan, inputs, network, console, chosen->dir, clock);
    } catch (const RestoreFailed& e) {
      logger().warning(std::string(e.what()) + ": discarding the guest template " + chosen->dir + " and booting cold");
      discard_template(plan.settings, *chosen);
      chosen->hold.reset();  // the creates that wait for it make it again meanwhile
    }
  }
  return run_vmm(creation, plan, inputs, network, console, "", clock);
}

ContainerState created_state(const std::string& id, const Bundle& bundle, const VmSize& size, const VmmIdentity& vmm) {
  ContainerState state;
  state.oci_version = bundle.config.oci_version;
  state.id = id;
  state.pid = vmm.pid;
  state.pid_start_time = vmm.start_time;
  state.status = Status::kCreated;
  state.bundle = bundle.dir;
  state.rootfs = bundle.rootfs;
  state.created = rfc3339_nano_utc_now();
  state.annotations = bundle.config.annotations;
  state.memory_mib = size.memory_mib;
  state.vcpus = size.vcpus;
  return state;
}

// Step 11: the create hooks, all on the host, where runc runs them during create (see the
// README's hook table); then state.json says "created".
void record_created(const LockedContainer& container, const oci::Hooks& hooks, const ContainerState& state) {
  const std::string creating = hook_state_json(state, Status::kCreating).dump();
  run_hooks("prestart", hooks.prestart, creating);
  run_hooks("createRuntime", hooks.create_runtime, creating);
  run_hooks("createContainer", hooks.create_container, creating);
  container.write_state(state);
}

// Step 12: a relative --pid-file is taken from the current directory.
void write_pid_file(const std::string& pid_file, pid_t pid) {
  if (pid_file.empty()) return;
  const std::string path = pid_file.front() == '/' ? pid_file : absolute_path(".", "") + "/" + pid_file;
  write_file_atomic(path, std::to_string(pid), 0644);
}

// A directory without state.json is what a create that was killed leaves: its ledger says
// what it made, which is undone before this create starts over.
void recover_aborted_create(const StateStore& store, const std::string& id) {
  std::optional<LockedContainer> earlier;
  try {
    earlier.emplace(store.open(id));
  } catch (const ContainerNotFound&) {
    return;
  }
  if (::access(earlier->file("state.json").c_str(), F_OK) == 0) return;  // a container: "already exists"
  logger().warning("undoing what an earlier create of " + id + " made before it was stopped");
  undo_container(*earlier);
}

// The pod's sandbox, locked for as long as its VM gets a new container (its delete waits); it
// must be up, and still the one in the namespace (not deleted and its id used again meanwhile).
LockedContainer lock_running_sandbox(const StateStore& store, const VmPlan& plan, ContainerState& state) {
  const std::string& id = *plan.sandbox;
  LockedContainer sandbox = store.open(id);
  Status status;
  state = read_state_checked(sandbox, status);
  if (!runs_in_namespace(state, plan.network)) {
    throw Error("linux.namespaces: container " + id + ", whose VM was in the network namespace " + plan.network.path +
                ", went away meanwhile");
  }
  if (status != Status::kCreated && status != Status::kRunning) {
    throw Error("linux.namespaces: the network namespace is that of container " + id + ", whose VM is " +
                std::string(status_name(status)) + ": a pod's container joins a running pod");
  }
  return sandbox;
}

// A pod's later container's process, until the pod's agent has created the container. It is
// started in the pod's network namespace: the engine knows the container by that pid, and a
// container that joins this one's namespace (podman --network container:NAME) finds the pod.
VmmIdentity start_member(Creation& creation, const VmPlan& plan, const std::string& vm_socket,
                         std::optional<PtyPair>& console, PhaseClock& clock) {
  const UniqueFd netns = with_context("linux.namespaces", [&] { return netconf::open_netns(plan.network.path); });
  const std::vector<std::string> command = [&] {
    std::vector<std::string> c = member_command(plan.settings, creation.container.dir(), vm_socket);
    if (plan.cgroup) c.insert(c.end(), {"--cgroup", *plan.cgroup});
    return c;
  }();
  VmmProcess& process = creation.vmm.emplace(VmmProcess::spawn(command, vmm_stdio(console), netns.get()));
  const auto stat = read_proc_stat(process.pid());
  const VmmIdentity identity{process.pid(), stat ? stat->start_time : 0};
  creation.undo.push(MadeVmm{identity.pid, identity.start_time});
  console.reset();
  if (const auto failure = process.wait_ready(std::chrono::seconds(plan.settings.boot_timeout_seconds),
                                              creation.container.file("console.log"), creation.container.file("vmm.log"))) {
    throw StatusError(failure->message, failure->exit_status);
  }
  clock.lap("the pod's agent created the container");
  return identity;
}

// A pod's later container: its files into the pod VM's share, its cgroup, its process; no VM.
CreatedContainer create_member(const Context& context, const CreateRequest& request, const Bundle& bundle,
                               const VmPlan& plan) {
  PhaseClock clock("create " + request.id + " in the VM of " + *plan.sandbox);
  // The sandbox's own id (a create run again) would wait for its own lock below.
  if (request.id == *plan.sandbox) throw Error("container with id " + request.id + " already exists");
  recover_aborted_create(context.store, request.id);
  ContainerState sandbox_state;
  const LockedContainer sandbox = lock_running_sandbox(context.store, plan, sandbox_state);
  Creation creation(context.store, request.id);
  fault_point("create.state-directory");
  make_container_files(bundle, plan, creation.undo, clock);
  write_create_request(creation.container, bundle.config, plan.share, *plan.sandbox);
  std::optional<PtyPair> console = open_console(request, *bundle.config.process);
  if (plan.cgroup) {
    creation.undo.push(MadeCgroup{*plan.cgroup});
    create_container_cgroup(*plan.cgroup, bundle.config, 0, 0);
  }
  fault_point("create.cgroup");
  const VmmIdentity process = start_member(creation, plan, sandbox.vsock_socket(), console, clock);
  fault_point("create.vmm-ready");
  VmSize pod_vm;  // the pod's VM, as its sandbox recorded it
  pod_vm.memory_mib = sandbox_state.memory_mib;
  pod_vm.vcpus = sandbox_state.vcpus;
  ContainerState state = created_state(request.id, bundle, pod_vm, process);
  state.sandbox_id = *plan.sandbox;
  record_created(creation.container, bundle.config.hooks, state);
  fault_point("create.state-written");
  write_pid_file(request.pid_file, state.pid);
  creation.vmm->adopt();
  creation.undo.keep();
  return CreatedContainer{std::move(creation.container), std::move(state), std::move(*creation.vmm)};
}

}  // namespace

CreatedContainer create_container(const Context& context, const CreateRequest& request) {
  const Bundle bundle = validate_request(request);
  const VmPlan plan = plan_vm(bundle, context.store, request.id);
  if (plan.sandbox) return create_member(context, request, bundle, plan);
  PhaseClock clock("create " + request.id);
  recover_aborted_create(context.store, request.id);
  Creation creation(context.store, request.id);
  fault_point("create.state-directory");
  make_container_files(bundle, plan, creation.undo, clock);
  const GuestInputs inputs = build_guest_inputs(creation.container, bundle, plan, context.store.root(), clock);
  std::optional<PtyPair> console = open_console(request, *bundle.config.process);
  make_cgroup(plan, bundle.config, inputs.size, creation.undo);
  fault_point("create.cgroup");
  const ContainerNetwork network = make_network(plan.network, creation.container, creation.undo);
  clock.lap("network: " + std::to_string(network.record.nics.size()) + " NIC(s)");
  fault_point("create.network");
  const VmmIdentity vmm = start_vmm(creation, plan, inputs, network, console, clock);
  if (network.request) {
    send_network(creation.container, *network.request);
    clock.lap("agent configured the network");
  }
  fault_point("create.vmm-ready");
  ContainerState state = created_state(request.id, bundle, inputs.size, vmm);
  record_created(creation.container, bundle.config.hooks, state);
  fault_point("create.state-written");
  write_pid_file(request.pid_file, state.pid);
  creation.vmm->adopt();  // recorded: from here on the VMM outlives this process
  creation.undo.keep();
  return CreatedContainer{std::move(creation.container), std::move(state), std::move(*creation.vmm)};
}

CreateRequest create_request_from(const ParsedFlags& flags) {
  CreateRequest request;
  request.id = flags.positionals[0];
  request.bundle = flags.value("bundle");
  request.pid_file = flags.value("pid-file");
  request.console_socket = flags.value("console-socket");
  request.preserve_fds = std::atoi(flags.value("preserve-fds", "0").c_str());
  return request;
}

oci::Config created_config(const LockedContainer& container) {
  const std::string path = container.file(kHostConfigFile);
  try {
    return oci::parse_config(nlohmann::json::parse(read_file(path)));
  } catch (const nlohmann::json::exception& e) {
    throw Error(path + ": " + e.what());
  }
}

}  // namespace ppc::shim
