#pragma once
// For tests and the fuzzer: a NetBackend over one end of a SOCK_SEQPACKET socket pair, which
// keeps frame boundaries as a tap does. What the peer end sends is a frame the "tap" hands
// over (with its virtio-net header); what the device writes arrives there. It records the
// offloads it was given and counts reads, so tests see what the real tap would be asked.
#include <sys/socket.h>

#include <atomic>
#include <cerrno>
#include <memory>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

#include "base/error.h"
#include "base/unique_fd.h"
#include "virtio/net_backend.h"

namespace ppc::vmm {

struct FakeTapRecord {
  std::atomic<unsigned> reads{0};
  std::mutex mu;
  std::vector<unsigned> offloads;  // each set_offloads(), in order
  bool refuse_offloads = false;    // set_offloads throws, as a failing TUNSETOFFLOAD would
};

class FakeTap final : public NetBackend {
 public:
  FakeTap(UniqueFd end, std::shared_ptr<FakeTapRecord> record) : end_(std::move(end)), record_(std::move(record)) {}

  std::string name() const override { return "faketap"; }
  int fd() const override { return end_.get(); }

  std::optional<size_t> read_frame(std::span<const iovec> iov) override {
    ++record_->reads;
    msghdr msg{};
    msg.msg_iov = const_cast<iovec*>(iov.data());
    msg.msg_iovlen = iov.size();
    // MSG_TRUNC: the whole datagram's length even when it did not fit, as a tap reports it.
    const ssize_t n = ::recvmsg(end_.get(), &msg, MSG_DONTWAIT | MSG_TRUNC);
    if (n >= 0) return static_cast<size_t>(n);
    if (errno == EAGAIN) return std::nullopt;
    throw_errno("faketap: recvmsg");
  }

  int write_frame(std::span<const iovec> iov) override {
    msghdr msg{};
    msg.msg_iov = const_cast<iovec*>(iov.data());
    msg.msg_iovlen = iov.size();
    return ::sendmsg(end_.get(), &msg, MSG_DONTWAIT | MSG_NOSIGNAL) < 0 ? errno : 0;
  }

  void set_offloads(unsigned flags) override {
    std::lock_guard lock(record_->mu);
    if (record_->refuse_offloads) throw Error("faketap: TUNSETOFFLOAD: refused");
    record_->offloads.push_back(flags);
  }

 private:
  UniqueFd end_;
  std::shared_ptr<FakeTapRecord> record_;
};

// A FakeTap and the test's end of its socket pair.
inline std::pair<std::unique_ptr<FakeTap>, UniqueFd> make_fake_tap(std::shared_ptr<FakeTapRecord> record) {
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) < 0) throw_errno("socketpair");
  // Room for a few of the largest frames in flight.
  const int size = 1 << 20;
  for (const int fd : fds) {
    ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
    ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  }
  return {std::make_unique<FakeTap>(UniqueFd(fds[0]), std::move(record)), UniqueFd(fds[1])};
}

}  // namespace ppc::vmm
