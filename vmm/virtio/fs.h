#pragma once
// virtio-fs (device ID 26) served by a vhost-user backend (virtiofsd): the VMM presents the
// device (its configuration space with the tag, feature negotiation and queue set-up through
// the transport); the backend reads and writes the queues itself, in guest RAM it maps from
// the memfd, and raises the device's interrupt through the irqfd it is given, so a request
// costs the VMM no wake-up. Queue 0 is "hiprio", queue 1 the one request queue.
//
// The backend runs as another process and may die or misbehave: that is logged once, the
// device then stays inert (the guest's file I/O on the share blocks), and the VMM carries on.
#include <array>
#include <chrono>
#include <functional>
#include <string>

#include "base/unique_fd.h"
#include "event_loop.h"
#include "virtio/device.h"
#include "virtio/vhost_user.h"

namespace ppc::vmm {

class FsDevice final : public VirtioDevice {
 public:
  static constexpr size_t kTagSize = 36;
  static constexpr uint16_t kQueues = 2;  // hiprio, one request queue
  static constexpr uint64_t kFeatureIndirectDesc = kVirtioFRingIndirectDesc;
  static constexpr uint64_t kFeatureEventIdx = Virtqueue::kFeatureEventIdx;

  // Throws Error unless tag is 1 to 36 bytes without a newline or NUL (Linux refuses the rest).
  static void check_tag(const std::string& tag);

  // tag: the guest's mount source (check_tag); backend: a connected vhost-user socket.
  FsDevice(EventLoop& loop, const std::string& tag, UniqueFd backend,
           std::chrono::milliseconds reply_timeout = std::chrono::seconds(15));
  ~FsDevice() override;

  std::string name() const override { return "fs"; }
  uint32_t device_id() const override { return 26; }
  // INDIRECT_DESC and EVENT_IDX where the backend has them: the backend alone reads the
  // rings and signals the guest, so it alone suppresses notifications and interrupts.
  uint64_t features() const override;
  size_t queue_count() const override { return kQueues; }
  // {u8 tag[36], le32 num_request_queues = 1}
  void read_config(uint64_t offset, std::span<uint8_t> out) const override;

  bool external_queues() const override { return true; }
  // SET_OWNER, features, REPLY_ACK and SET_MEM_TABLE; throws Error when the backend fails.
  // call_fd (the transport's irqfd) becomes every queue's call eventfd.
  void connect_external_queues(const GuestMemory& mem, std::span<const int> kick_fds, int call_fd) override;
  // SET_FEATURES, then for each ready queue NUM, BASE 0, ADDR, CALL, KICK, ENABLE.
  void activate(std::vector<Virtqueue>& queues, uint64_t driver_features,
                std::function<void(uint16_t queue)> notify_used) override;
  void queue_notify(uint16_t) override {}  // the backend takes the kicks itself
  // GET_VRING_BASE for each started queue: the backend stops them.
  void reset() override;
  // The FUSE session (FUSE_INIT at mount, then node ids and open files) lives in this
  // virtiofsd; a restored guest gets a new one.
  std::string saved_only_unused() const override {
    return "its FUSE session lives in this virtiofsd (save before the share is mounted)";
  }

  bool backend_failed() const { return failed_; }

 private:
  void start_queue(uint16_t index, const Virtqueue& queue);
  void fail(const std::string& why);

  EventLoop& loop_;
  std::array<uint8_t, kTagSize> tag_{};
  VhostUserFrontend backend_;
  const GuestMemory* mem_ = nullptr;
  uint64_t backend_features_ = 0;
  std::array<int, kQueues> kick_fds_{-1, -1};  // the transport's ioeventfds
  int call_fd_ = -1;                           // the transport's irqfd
  std::array<bool, kQueues> started_{};
  bool failed_ = false;
};

}  // namespace ppc::vmm
