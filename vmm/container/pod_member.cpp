#include "container/pod_member.h"

#include <poll.h>
#include <signal.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <memory>
#include <mutex>
#include <optional>

#include "base/error.h"
#include "base/unique_fd.h"
#include "exit_codes.h"
#include "log.h"

namespace ppc::vmm {
namespace {

// The relay may stop "the machine" (its session broke): here that only ends the wait.
struct StopRecord {
  std::mutex mutex;
  std::optional<int> code;
};

// A log file as large as a VMM's may grow (each kind of message is counted).
constexpr uint64_t kLogRoom = 64ull << 20;

}  // namespace

int run_pod_member(const std::string& vm_socket, Sandbox& sandbox, ContainerRelay& relay) {
  Sandbox::JailInputs jail;
  jail.peer_socket = sandbox.usable_path(vm_socket);
  jail.file_size_limit = kLogRoom;
  sandbox.enter_jail(jail);
  sandbox.drop_privileges();
  log_line(sandbox.summary() + "; a pod's container, in the VM behind " + vm_socket);

  // Blocked before any thread exists, so that only the signalfd sees them.
  sigset_t signals;
  sigemptyset(&signals);
  for (const int sig : {SIGTERM, SIGINT, SIGHUP}) sigaddset(&signals, sig);
  if (pthread_sigmask(SIG_BLOCK, &signals, nullptr) != 0) throw Error("blocking the stop signals");
  UniqueFd signal_fd(::signalfd(-1, &signals, SFD_CLOEXEC));
  if (!signal_fd.valid()) throw_errno("signalfd");

  auto stop = std::make_shared<StopRecord>();
  sandbox.start_companion([stop](int code, const std::string& reason) {
    log_line(reason);
    const std::lock_guard lock(stop->mutex);
    stop->code = code;
  });
  sandbox.enter_thread(Role::Main, "main");
  while (!relay.finished()) {
    pollfd p{signal_fd.get(), POLLIN, 0};
    if (::poll(&p, 1, 250) <= 0) continue;
    signalfd_siginfo info{};
    if (::read(signal_fd.get(), &info, sizeof info) == static_cast<ssize_t>(sizeof info)) {
      relay.forward_signal(static_cast<int>(info.ssi_signo));
    }
  }
  if (const auto status = relay.exit_status()) return *status;
  const std::lock_guard lock(stop->mutex);
  return stop->code.value_or(exit_code::kContainerLost);
}

}  // namespace ppc::vmm
