#include "virtio/rng.h"

#include <sys/random.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace ppc::vmm {
namespace {
constexpr size_t kMaxPerRequest = 64 * 1024;  // bounds the work one request can ask for
}

void RngDevice::read_config(uint64_t, std::span<uint8_t> out) const { std::fill(out.begin(), out.end(), 0); }

void RngDevice::activate(std::vector<Virtqueue>& queues, uint64_t, std::function<void(uint16_t)> notify_used) {
  queue_ = &queues.at(0);
  notify_used_ = std::move(notify_used);
}

void RngDevice::queue_notify(uint16_t queue) {
  if (!queue_ || queue != 0) return;
  bool used = false;
  while (auto chain = queue_->pop()) {
    uint32_t written = 0;
    for (auto& buf : chain->writable) {
      const size_t want = std::min(buf.size(), kMaxPerRequest - written);
      size_t got = 0;
      while (got < want) {
        const ssize_t n = getrandom(buf.data() + got, want - got, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        got += static_cast<size_t>(n);
      }
      written += static_cast<uint32_t>(got);
      if (got < want || written >= kMaxPerRequest) break;
    }
    queue_->push(chain->head, written);
    used = true;
  }
  if (used) notify_used_(0);
}

void RngDevice::reset() {
  queue_ = nullptr;
  notify_used_ = nullptr;
}

}  // namespace ppc::vmm
