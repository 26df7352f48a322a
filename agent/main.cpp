// ppc-kvm-agent: the guest's PID 1. Prepares the guest, then serves the host over vsock
// (protocol/): its containers (one, or a pod's), their processes, their stdio and exit
// statuses. Powers the guest off once the first container's first process has ended and its
// status reached the host.
#include <sys/socket.h>
#include <unistd.h>

#include <linux/vm_sockets.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <thread>

#include "base/error.h"
#include "base/unique_fd.h"
#include "container/containers.h"
#include "init/child_reaper.h"
#include "init/guest_init.h"
#include "log.h"
#include "protocol/agent_port.h"
#include "server/session.h"

namespace ppc::agent {
namespace {

// How long the guest waits for the host to close the session that carried its final reply
// (the container's exit status, or Shutdown's Ok) before it powers off anyway.
constexpr std::chrono::seconds kExitDeliveryGrace{10};
// How long the power-off waits for the host to close sessions that carried answers.
constexpr std::chrono::seconds kAnswersGrace{3};

class Agent : public AgentControl {
 public:
  explicit Agent(ChildReaper& reaper) : reaper_(reaper) {}
  void final_reply_sent() override {
    std::thread([this] {
      std::this_thread::sleep_for(kExitDeliveryGrace);
      log_line("the host kept the session open after the final reply; powering off");
      power_off(reaper_);
    }).detach();
  }
  void final_session_closed() override {
    {
      std::unique_lock lock(mutex_);
      if (!closed_.wait_for(lock, kAnswersGrace, [&] { return answering_ == 0; })) {
        log_line("the host kept sessions with answers open after the final one; powering off");
      }
    }
    power_off(reaper_);
  }
  void answering_session_opened() override {
    std::lock_guard lock(mutex_);
    ++answering_;
  }
  void answering_session_closed() override {
    {
      std::lock_guard lock(mutex_);
      --answering_;
    }
    closed_.notify_all();
  }

 private:
  ChildReaper& reaper_;
  std::mutex mutex_;
  std::condition_variable closed_;
  int answering_ = 0;  // open sessions that got a request other than Wait
};

UniqueFd listen_vsock() {
  UniqueFd fd(::socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) throw_errno("socket AF_VSOCK");
  sockaddr_vm address{};
  address.svm_family = AF_VSOCK;
  address.svm_cid = VMADDR_CID_ANY;
  address.svm_port = protocol::kAgentVsockPort;
  if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
    throw_errno("bind vsock port " + std::to_string(protocol::kAgentVsockPort));
  }
  if (::listen(fd.get(), 16) != 0) throw_errno("listen on vsock");
  return fd;
}

int run() {
  ChildReaper::block_signals();
  prepare_guest();
  static ChildReaper reaper;
  reaper.start();
  static Containers containers(reaper);
  static Agent agent(reaper);
  UniqueFd listener = listen_vsock();
  log_line("ready on vsock port " + std::to_string(protocol::kAgentVsockPort));
  for (;;) {
    const int fd = ::accept4(listener.get(), nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      throw_errno("accept on vsock");
    }
    std::thread([fd] { serve_session(UniqueFd(fd), containers, agent); }).detach();
  }
}

}  // namespace
}  // namespace ppc::agent

int main() {
  if (::getpid() != 1) {
    std::fprintf(stderr, "ppc-kvm-agent: runs only as PID 1 of a guest (the initramfs's /init)\n");
    return 2;
  }
  try {
    return ppc::agent::run();
  } catch (const std::exception& e) {
    // PID 1 exiting panics the guest: the VMM reports that with the reason, and the line
    // below says why.
    ppc::agent::log_line(std::string("fatal: ") + e.what());
    return 1;
  }
}
