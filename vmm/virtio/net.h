#pragma once
// virtio-net (device ID 1) over a backend that carries frames with the virtio-net header (a
// tap): one queue pair (rx 0, tx 1), no control queue. Offers the MAC (and the MTU when one is
// given), mergeable receive buffers, checksum offload and TCP segmentation both ways; the
// backend's offloads follow what the driver acks, set when it activates the device.
//
// The event loop watches the backend while the driver has receive buffers; once they run
// out it stops reading (the frames wait in the tap, whose queue the kernel bounds) and
// resumes when the driver notifies the rx queue. Each wake-up moves a bounded number of
// frames each way, so that one busy direction or device cannot starve the rest.
//
// Threading: everything runs on the event-loop thread, or while the loop is not running.
#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "base/unique_fd.h"
#include "event_loop.h"
#include "virtio/device.h"
#include "virtio/net_backend.h"
#include "virtio/net_config.h"
#include "virtio/net_rx.h"
#include "virtio/net_tx.h"

namespace ppc::vmm {

class NetDevice final : public VirtioDevice {
 public:
  static constexpr unsigned kRxFramesPerWake = 64;
  static constexpr unsigned kTxChainsPerWake = Virtqueue::kMaxSize;
  using Mac = net::Mac;

  // mtu: offered to the guest as the link's MTU (68 to 65535), or 0 for none (the guest's
  // default of 1500). Throws Error when it cannot make its eventfd.
  NetDevice(EventLoop& loop, std::unique_ptr<NetBackend> backend, Mac mac, uint16_t mtu);
  // Logs what went through (frames, drops) when anything did.
  ~NetDevice() override;
  NetDevice(const NetDevice&) = delete;
  NetDevice& operator=(const NetDevice&) = delete;

  std::string name() const override { return "net"; }
  uint32_t device_id() const override { return 1; }
  uint64_t features() const override;
  size_t queue_count() const override { return 2; }
  // {u8 mac[6], le16 status, le16 max_virtqueue_pairs = 1, le16 mtu}
  void read_config(uint64_t offset, std::span<uint8_t> out) const override;
  // Sets the backend's offloads from the acked features and starts watching it.
  void activate(std::vector<Virtqueue>& queues, uint64_t driver_features,
                std::function<void(uint16_t queue)> notify_used) override;
  // A QueueError met while serving the backend (outside queue_notify) cannot reach the
  // transport from there: the device then stops and throws it from the next queue_notify.
  void queue_notify(uint16_t queue) override;
  void reset() override;
  // The tap's frames and offloads are this host's; a restored guest gets another tap.
  std::string saved_only_unused() const override { return "its frames belong to this tap (save before the interface is up)"; }

  const NetRx::Counters& rx_counters() const { return rx_.counters(); }
  const NetTx::Counters& tx_counters() const { return tx_.counters(); }
  // Whether the loop is reading the backend now (tests).
  bool reading_backend() const { return watching_ && reading_; }

 private:
  void on_backend(uint32_t events);
  void receive();
  void transmit();
  void set_reading(bool reading);
  void stop_watching();
  void fail_queue(const std::string& why);
  void fail_backend(const std::string& why);

  EventLoop& loop_;
  std::unique_ptr<NetBackend> backend_;
  const Mac mac_;
  const uint16_t mtu_;
  UniqueFd tx_more_;  // signalled when the transmit budget ran out with chains left

  std::vector<Virtqueue>* queues_ = nullptr;
  std::function<void(uint16_t)> notify_used_;
  uint64_t acked_ = 0;
  bool watching_ = false;  // the backend's fd is in the loop
  bool reading_ = false;   // ... for EPOLLIN
  bool backend_failed_ = false;
  std::optional<std::string> queue_failed_;
  NetRx rx_;
  NetTx tx_;
  LimitedLog activations_{"virtio-net activation", 4};
};

}  // namespace ppc::vmm
