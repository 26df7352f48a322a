#include "commands/container_ops.h"

#include <signal.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>

#include "cli/usage_error.h"
#include "commands/agent_call.h"
#include "commands/vmm_control.h"
#include "console/console_socket.h"
#include "console/pty.h"
#include "hooks/hooks.h"
#include "log/logger.h"
#include "oci/parse_config.h"
#include "oci/to_json.h"
#include "state/atomic_file.h"
#include "state/container_id.h"
#include "state/process_info.h"
#include "state/state_views.h"
#include "state/timestamp.h"
#include "vm/bind_mounts.h"
#include "vm/container_cgroup.h"
#include "vm/initramfs.h"
#include "vm/rootfs_disk.h"
#include "vm/shim_config.h"
#include "vm/vm_sizing.h"

namespace ppc::shim {
namespace {

constexpr auto kStartTimeout = std::chrono::seconds(60);
constexpr auto kKillTimeout = std::chrono::seconds(10);
constexpr const char* kCreateRequestFile = "create.json";

std::string absolute_path(const std::string& path, const std::string& what) {
  char resolved[PATH_MAX];
  if (::realpath(path.empty() ? "." : path.c_str(), resolved) == nullptr) throw_errno(what + " " + path);
  return resolved;
}

// Removes a half-created container's directory unless the create succeeded.
class RemoveCgroupOnFailure {
 public:
  explicit RemoveCgroupOnFailure(const std::optional<std::string>& dir) : dir_(dir) {}
  ~RemoveCgroupOnFailure() {
    if (dir_ && !done_) remove_container_cgroup(*dir_);
  }
  void dismiss() { done_ = true; }

 private:
  const std::optional<std::string>& dir_;
  bool done_ = false;
};

class RemoveOnFailure {
 public:
  explicit RemoveOnFailure(const LockedContainer& c) : container_(c) {}
  ~RemoveOnFailure() {
    if (!done_) {
      try {
        container_.remove();
      } catch (const Error& e) {
        logger().warning(e.what());
      }
    }
  }
  void dismiss() { done_ = true; }

 private:
  const LockedContainer& container_;
  bool done_ = false;
};

std::string hook_state(const ContainerState& state, Status status) { return hook_state_json(state, status).dump(); }

}  // namespace

oci::Config created_config(const LockedContainer& container) {
  const std::string path = container.file(kCreateRequestFile);
  try {
    return oci::parse_config(nlohmann::json::parse(read_file(path)).at("config"));
  } catch (const nlohmann::json::exception& e) {
    throw Error(path + ": " + e.what());
  }
}

ContainerState read_state_checked(const LockedContainer& container, Status& status) {
  ContainerState state = container.read_state();
  status = current_status(state);
  return state;
}

CreatedContainer create_container(const Context& context, const CreateRequest& request) {
  validate_container_id(request.id);
  const std::string bundle = absolute_path(request.bundle, "bundle");
  struct stat st {};
  if (::stat(bundle.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) throw Error("bundle " + bundle + " is not a directory");
  oci::Config config = oci::load_config(bundle + "/config.json");
  if (!config.process) throw Error(bundle + "/config.json: process: must be present to create a container");
  const bool terminal = config.process->terminal;
  if (terminal && request.console_socket.empty() && !request.foreground) {
    throw UsageError("process.terminal is true: --console-socket is needed to receive the terminal");
  }
  if (!terminal && !request.console_socket.empty()) {
    throw UsageError("--console-socket was given but process.terminal is false");
  }
  if (request.preserve_fds > 0) {
    throw UsageError("--preserve-fds " + std::to_string(request.preserve_fds) +
                     ": file descriptors cannot be passed into the container's VM");
  }
  const std::string rootfs = with_context(bundle + "/config.json: root.path", [&] {
    const std::string path = config.root.path.front() == '/' ? config.root.path : bundle + "/" + config.root.path;
    return absolute_path(path, "");
  });
  const ShimConfig shim_config = load_shim_config();
  const std::vector<BindCopy> binds = with_context(bundle + "/config.json", [&] {
    return plan_bind_copies(config, bundle, shim_config.max_bind_copy_mib << 20);
  });
  // Annotation and cgroupsPath errors before anything exists (the initramfs size only adds to RAM).
  with_context(bundle + "/config.json", [&] { size_vm(config, shim_config, 0); });
  const std::optional<std::string> cgroup =
      with_context(bundle + "/config.json", [&] { return container_cgroup_dir(config); });

  PhaseClock clock("create " + request.id);
  LockedContainer container = context.store.create(request.id);
  RemoveOnFailure cleanup(container);

  // A large root on a read-only disk, a small one in the initramfs (see vm/rootfs_disk.h).
  const TreeSize rootfs_size = with_context("root.path " + rootfs, [&] { return measure_tree(rootfs); });
  std::string rootfs_disk;
  if (rootfs_size.bytes >= (shim_config.rootfs_disk_min_mib << 20)) {
    rootfs_disk = container.file("rootfs.ext4");
    with_context("building the container's root disk", [&] { build_rootfs_disk(rootfs, rootfs_size, rootfs_disk); });
    clock.lap("root disk of " + std::to_string(rootfs_size.bytes >> 20) + " MiB (" +
              std::to_string(rootfs_size.entries) + " entries) built");
  }
  const uint64_t initramfs_bytes = with_context("building the guest initramfs", [&] {
    return build_container_initramfs(shim_config.agent, rootfs_disk.empty() ? rootfs : "", binds,
                                     container.file("initramfs.cpio"));
  });
  clock.lap("initramfs of " + std::to_string(initramfs_bytes) + " bytes built");
  const VmSize size = size_vm(config, shim_config, initramfs_bytes);
  apply_bind_copies(config, binds);
  const nlohmann::json create_request = {
      {"container_id", request.id}, {"config", oci::to_json(config)}, {"hostname", config.hostname}};
  write_file_atomic(container.file(kCreateRequestFile), create_request.dump(), 0600);

  VmmStdio stdio;
  std::optional<PtyPair> pty;
  if (terminal && !request.console_socket.empty()) {
    pty = open_pty();
    make_raw(pty->slave.get());
    if (config.process->console_size) {
      winsize ws{};
      ws.ws_row = static_cast<unsigned short>(config.process->console_size->height);
      ws.ws_col = static_cast<unsigned short>(config.process->console_size->width);
      ::ioctl(pty->master.get(), TIOCSWINSZ, &ws);
    }
    send_console(request.console_socket, pty->master.get());
    stdio = VmmStdio{pty->slave.get(), pty->slave.get(), pty->slave.get(), true};
  }
  std::vector<std::string> command = vmm_command(shim_config, size, container.dir(), rootfs_disk);
  // The VM's cgroup, made before the VMM joins it, removed again if create fails after this
  // (declared before the VMM, so the VMM is gone first).
  RemoveCgroupOnFailure cgroup_cleanup(cgroup);
  if (cgroup) {
    create_container_cgroup(*cgroup, config, size.memory_mib);
    command.insert(command.end(), {"--cgroup", *cgroup});
  }
  std::string shown;
  for (const std::string& word : command) shown += " " + word;
  logger().debug("starting the VMM:" + shown);
  VmmProcess vmm = VmmProcess::spawn(command, stdio);
  pty.reset();  // the master is the console socket's now, the slave the VMM's
  clock.lap("VMM started");
  if (const auto failure = vmm.wait_ready(std::chrono::seconds(shim_config.boot_timeout_seconds),
                                          container.file("console.log"), container.file("vmm.log"))) {
    throw StatusError(failure->message, failure->exit_status);
  }
  clock.lap("guest booted, agent created the container");

  ContainerState state;
  state.oci_version = config.oci_version;
  state.id = request.id;
  state.pid = vmm.pid();
  const auto vmm_stat = read_proc_stat(vmm.pid());
  state.pid_start_time = vmm_stat ? vmm_stat->start_time : 0;
  state.status = Status::kCreated;
  state.bundle = bundle;
  state.rootfs = rootfs;
  state.created = rfc3339_nano_utc_now();
  state.annotations = config.annotations;
  state.memory_mib = size.memory_mib;
  state.vcpus = size.vcpus;

  // All on the host, where runc runs them during create (see the README's hook table).
  const std::string creating = hook_state(state, Status::kCreating);
  run_hooks("prestart", config.hooks.prestart, creating);
  run_hooks("createRuntime", config.hooks.create_runtime, creating);
  run_hooks("createContainer", config.hooks.create_container, creating);

  container.write_state(state);
  if (!request.pid_file.empty()) {
    const std::string pid_file = request.pid_file.front() == '/' ? request.pid_file : absolute_path(".", "") + "/" + request.pid_file;
    write_file_atomic(pid_file, std::to_string(state.pid), 0644);
  }
  cleanup.dismiss();
  cgroup_cleanup.dismiss();
  return CreatedContainer{std::move(container), std::move(state), std::move(vmm)};
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

void start_container(const LockedContainer& container, ContainerState& state) {
  PhaseClock clock("start " + state.id);
  const oci::Config config = created_config(container);
  run_hooks("startContainer", config.hooks.start_container, hook_state(state, Status::kCreated));
  const AgentOutcome outcome = call_agent(container.file("vsock.sock"), protocol::Start{}, kStartTimeout);
  switch (outcome.kind) {
    case AgentOutcome::Kind::kOk: break;
    case AgentOutcome::Kind::kRefused: throw StatusError(outcome.message, outcome.exit_status);
    case AgentOutcome::Kind::kUnreachable: throw Error("cannot reach the container's agent: " + outcome.message);
  }
  clock.lap("agent started the process");
  state.status = Status::kRunning;
  container.write_state(state);
  run_hooks_warn("poststart", config.hooks.poststart, hook_state(state, Status::kRunning));
}

void destroy_container(const LockedContainer& container, const ContainerState& state) {
  PhaseClock clock("delete " + state.id);
  kill_vmm(state, kKillTimeout);
  clock.lap("VMM gone");
  std::optional<oci::Config> config;
  try {
    config = created_config(container);
  } catch (const Error& e) {
    logger().warning(std::string("poststop hooks not run: ") + e.what());
  }
  if (config) {
    try {
      if (const auto cgroup = container_cgroup_dir(*config)) remove_container_cgroup(*cgroup);
    } catch (const Error& e) {
      logger().warning(e.what());
    }
    run_hooks_warn("poststop", config->hooks.poststop, hook_state(state, Status::kStopped));
  }
  container.remove();
}

}  // namespace ppc::shim
