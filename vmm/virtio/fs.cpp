#include "virtio/fs.h"

#include <sys/epoll.h>

#include <algorithm>

#include "base/error.h"
#include "log.h"

namespace ppc::vmm {

using namespace vhost_user;

void FsDevice::check_tag(const std::string& tag) {
  if (tag.empty() || tag.size() > kTagSize || tag.find('\n') != std::string::npos || tag.find('\0') != std::string::npos)
    throw Error("virtio-fs tag '" + tag + "': 1 to " + std::to_string(kTagSize) + " bytes, no newline");
}

FsDevice::FsDevice(EventLoop& loop, const std::string& tag, UniqueFd backend, std::chrono::milliseconds reply_timeout)
    : loop_(loop), backend_(std::move(backend), reply_timeout) {
  check_tag(tag);
  std::copy(tag.begin(), tag.end(), tag_.begin());
  // The backend never speaks unless asked: any event on its socket is a hang-up.
  loop_.add(backend_.fd(), EPOLLRDHUP, [this](uint32_t) { fail("virtiofsd closed its connection"); });
}

FsDevice::~FsDevice() {
  if (backend_.fd() >= 0) loop_.remove(backend_.fd());
}

uint64_t FsDevice::features() const {
  return kVirtioFRingFeatures & (mem_ ? backend_features_ : kVirtioFRingFeatures);
}

void FsDevice::read_config(uint64_t offset, std::span<uint8_t> out) const {
  std::array<uint8_t, kTagSize + 4> config{};
  std::copy(tag_.begin(), tag_.end(), config.begin());
  config[kTagSize] = 1;  // le32 num_request_queues
  for (size_t i = 0; i < out.size(); ++i)
    out[i] = offset < config.size() && i < config.size() - offset ? config[offset + i] : 0;
}

void FsDevice::connect_external_queues(const GuestMemory& mem, std::span<const int> kick_fds, int call_fd) {
  if (kick_fds.size() != kQueues) throw Error("virtio-fs: " + std::to_string(kick_fds.size()) + " queue notifiers, not 2");
  if (call_fd < 0) throw Error("virtio-fs: no interrupt eventfd to hand to virtiofsd");
  if (mem.fd() < 0) throw Error("virtio-fs: guest RAM is not shared with virtiofsd (no memfd)");
  std::copy(kick_fds.begin(), kick_fds.end(), kick_fds_.begin());
  call_fd_ = call_fd;
  const auto start = std::chrono::steady_clock::now();
  with_context("virtio-fs: virtiofsd", [&] {
    backend_features_ = backend_.start();
    if (!(backend_features_ & kVirtioFVersion1)) throw Error("it does not offer VIRTIO_F_VERSION_1");
    const MemoryRegion ram{0, mem.size(), reinterpret_cast<uint64_t>(mem.host_base()), 0};
    const int fds[] = {mem.fd()};
    backend_.set_mem_table({&ram, 1}, fds);
  });
  mem_ = &mem;
  // The first reply waits for virtiofsd to have started up: what the device costs at boot.
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
  log_line("virtio-fs: vhost-user set-up done in " + std::to_string(ms.count()) + " ms");
}

void FsDevice::activate(std::vector<Virtqueue>& queues, uint64_t driver_features, std::function<void(uint16_t)>) {
  if (failed_ || !mem_) return;
  try {
    backend_.set_features((driver_features & backend_features_) | kFeatureProtocolFeatures);
    for (uint16_t q = 0; q < kQueues && q < queues.size(); ++q)
      if (queues[q].ready()) start_queue(q, queues[q]);
  } catch (const Error& e) {
    fail(std::string("virtiofsd failed the device's activation: ") + e.what());
  }
}

void FsDevice::start_queue(uint16_t index, const Virtqueue& queue) {
  // The transport checked that the rings lie in RAM; the backend gets them as our addresses.
  const uint64_t size = queue.size();
  const auto va = [&](uint64_t gpa, uint64_t len) { return reinterpret_cast<uint64_t>(mem_->slice(gpa, len).data()); };
  VringAddr addr;
  addr.index = index;
  addr.desc = va(queue.desc_table(), 16 * size);
  addr.avail = va(queue.avail_ring(), 6 + 2 * size);
  addr.used = va(queue.used_ring(), 6 + 8 * size);
  backend_.set_vring_num(index, queue.size());
  backend_.set_vring_base(index, 0);
  backend_.set_vring_addr(addr);
  backend_.set_vring_call(index, call_fd_);
  backend_.set_vring_kick(index, kick_fds_[index]);
  started_[index] = true;
  backend_.set_vring_enable(index, true);
}

void FsDevice::reset() {
  for (uint16_t q = 0; q < kQueues; ++q) {
    if (!started_[q]) continue;
    started_[q] = false;
    if (failed_) continue;
    try {
      backend_.get_vring_base(q);
    } catch (const Error& e) {
      fail(std::string("virtiofsd failed to stop a queue: ") + e.what());
    }
  }
}

void FsDevice::fail(const std::string& why) {
  if (failed_) return;
  failed_ = true;
  log_line("virtio-fs: " + why + "; the guest's file I/O on this share cannot complete from now on");
  if (backend_.fd() >= 0) loop_.remove(backend_.fd());
  backend_.disconnect(why);
}

}  // namespace ppc::vmm
