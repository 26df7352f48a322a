#include "virtio/net.h"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "base/error.h"
#include "virtio/net_config.h"
#include "virtio/net_header.h"

namespace ppc::vmm {

NetDevice::NetDevice(EventLoop& loop, std::unique_ptr<NetBackend> backend, Mac mac, uint16_t mtu)
    : loop_(loop), backend_(std::move(backend)), mac_(mac), mtu_(mtu) {
  tx_more_.reset(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!tx_more_.valid()) throw_errno("eventfd for virtio-net transmit");
  loop_.add(tx_more_.get(), EPOLLIN, [this](uint32_t) {
    uint64_t count;
    if (::read(tx_more_.get(), &count, sizeof count) != sizeof count) return;
    if (!queues_ || queue_failed_) return;
    try {
      transmit();
    } catch (const QueueError& e) {
      fail_queue(e.what());
    }
  });
}

NetDevice::~NetDevice() {
  stop_watching();
  loop_.remove(tx_more_.get());
  const auto& rx = rx_.counters();
  const auto& tx = tx_.counters();
  if (rx.frames + rx.dropped + rx.bad_chains + tx.frames + tx.dropped + tx.refused == 0) return;
  log_line("virtio-net " + backend_->name() + ": received " + std::to_string(rx.frames) + " frames (" +
           std::to_string(rx.bytes) + " bytes, " + std::to_string(rx.merged) + " over several buffers, " +
           std::to_string(rx.dropped) + " dropped, " + std::to_string(rx.bad_chains) + " unusable buffers), sent " +
           std::to_string(tx.frames) + " frames (" + std::to_string(tx.bytes) + " bytes, " +
           std::to_string(tx.segmented) + " segmented, " + std::to_string(tx.dropped) + " dropped, " +
           std::to_string(tx.refused) + " refused by the tap)");
}

uint64_t NetDevice::features() const { return net::offered_features(mtu_); }

void NetDevice::read_config(uint64_t offset, std::span<uint8_t> out) const { net::read_config(mac_, mtu_, offset, out); }

void NetDevice::activate(std::vector<Virtqueue>& queues, uint64_t driver_features,
                         std::function<void(uint16_t)> notify_used) {
  if (queues.size() < 2) throw Error("virtio-net needs 2 queues, got " + std::to_string(queues.size()));
  queues_ = &queues;
  notify_used_ = std::move(notify_used);
  acked_ = driver_features;
  queue_failed_.reset();
  rx_.clear();
  rx_.configure(acked_ & net::kFeatureMrgRxbuf, acked_ & net::kFeatureGuestCsum);
  if (backend_failed_) return;
  const unsigned offloads = net::tap_offloads(acked_);
  try {
    backend_->set_offloads(offloads);
  } catch (const Error& e) {
    // The tap may still hand over what an earlier driver acked: it must not reach this one.
    return fail_backend(e.what());
  }
  activations_.line(net::describe_activation(backend_->name(), offloads, acked_));
  loop_.add(backend_->fd(), EPOLLIN, [this](uint32_t events) { on_backend(events); });
  watching_ = reading_ = true;
}

void NetDevice::queue_notify(uint16_t queue) {
  if (queue_failed_) throw QueueError(*queue_failed_);
  if (!queues_) return;
  if (queue == 0) receive();  // new receive buffers: frames that waited for them go now
  else if (queue == 1) transmit();
}

void NetDevice::reset() {
  stop_watching();
  rx_.clear();
  queues_ = nullptr;
  notify_used_ = nullptr;
  acked_ = 0;
  queue_failed_.reset();
}

void NetDevice::on_backend(uint32_t events) {
  if (events & (EPOLLERR | EPOLLHUP)) return fail_backend("the tap reports an error (was it deleted?)");
  try {
    receive();
  } catch (const QueueError& e) {
    fail_queue(e.what());
  }
}

void NetDevice::receive() {
  if (!queues_ || queue_failed_ || backend_failed_) return;
  try {
    bool used = false;
    const NetRx::Stop stop = rx_.receive((*queues_)[0], *backend_, kRxFramesPerWake, used);
    if (used) notify_used_(0);
    set_reading(stop != NetRx::Stop::NoBuffers);
  } catch (const QueueError&) {
    throw;
  } catch (const Error& e) {
    fail_backend(e.what());
  }
}

void NetDevice::transmit() {
  bool used = false;
  const bool more = tx_.transmit((*queues_)[1], *backend_, acked_, kTxChainsPerWake, used);
  if (used) notify_used_(1);
  if (more) {
    // The rest after whatever else is ready: the loop comes back through this eventfd.
    const uint64_t one = 1;
    [[maybe_unused]] ssize_t n = ::write(tx_more_.get(), &one, sizeof one);
  }
}

void NetDevice::set_reading(bool reading) {
  if (!watching_ || reading_ == reading) return;
  loop_.modify(backend_->fd(), reading ? uint32_t{EPOLLIN} : 0u);
  reading_ = reading;
}

void NetDevice::stop_watching() {
  if (!watching_) return;
  loop_.remove(backend_->fd());
  watching_ = reading_ = false;
}

void NetDevice::fail_queue(const std::string& why) {
  queue_failed_ = why;
  stop_watching();
  rx_.clear();
}

void NetDevice::fail_backend(const std::string& why) {
  if (backend_failed_) return;
  backend_failed_ = true;
  stop_watching();
  log_line("virtio-net " + backend_->name() + ": " + why + "; no frame reaches the guest from now on");
}

}  // namespace ppc::vmm
