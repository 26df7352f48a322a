#pragma once
// Test aid: the backend end of a vhost-user socketpair, written from the protocol text
// independently of the frontend's encoder. It runs in a thread of its own, records every
// message it gets (with the fds that came with it) and answers through a handler; the
// default handler answers as Debian 12's virtiofsd does.
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "base/error.h"
#include "base/fd_passing.h"
#include "base/unique_fd.h"

namespace ppc::vmm::testing {

struct BackendMessage {
  uint32_t request = 0;
  uint32_t flags = 0;
  std::vector<uint8_t> payload;
  std::vector<std::shared_ptr<UniqueFd>> fds;

  template <typename T>
  T field(size_t offset) const {
    T v{};
    if (offset + sizeof v <= payload.size()) std::memcpy(&v, payload.data() + offset, sizeof v);
    return v;
  }
  bool need_reply() const { return flags & 0x8; }
};

class FakeBackend {
 public:
  static constexpr uint64_t kVirtiofsdFeatures = 0x175000000ull;  // what Debian 12's virtiofsd offers
  static constexpr uint64_t kVirtiofsdProtocol = 0x8c2bull;
  // Answers a message by writing (or not) through reply(); returns false to stop serving.
  using Handler = std::function<bool(const BackendMessage&, FakeBackend&)>;

  FakeBackend() {
    int sv[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0) {
      frontend_end_.reset(sv[0]);
      backend_end_.reset(sv[1]);
    }
  }
  // Over a connection accepted elsewhere (the fake virtiofsd).
  explicit FakeBackend(UniqueFd backend_end) : backend_end_(std::move(backend_end)) {}
  ~FakeBackend() { stop(); }

  // Waits until the frontend hung up (or the handler stopped serving).
  void join() {
    if (thread_.joinable()) thread_.join();
  }

  // The frontend's end, handed over once.
  UniqueFd take_frontend_end() { return std::move(frontend_end_); }

  void serve() { serve(virtiofsd()); }
  void serve(Handler handler) {
    thread_ = std::thread([this, handler] {
      while (auto message = receive()) {
        {
          std::lock_guard lock(mu_);
          received_.push_back(*message);
        }
        cv_.notify_all();
        if (!handler(*message, *this)) break;
      }
      std::lock_guard lock(mu_);
      done_ = true;
      cv_.notify_all();
    });
  }

  // Closes the backend's end (the frontend sees a hang-up) and joins the thread.
  void stop() {
    if (backend_end_.valid()) ::shutdown(backend_end_.get(), SHUT_RDWR);
    if (thread_.joinable()) thread_.join();
    backend_end_.reset();
  }

  // The frontend reads end-of-file after what was sent; the backend still reads.
  void stop_writing() { ::shutdown(backend_end_.get(), SHUT_WR); }

  std::vector<BackendMessage> received() {
    std::lock_guard lock(mu_);
    return received_;
  }
  // Waits until at least n messages came (or the backend stopped); returns them.
  std::vector<BackendMessage> wait_for(size_t n, std::chrono::milliseconds timeout = std::chrono::seconds(20)) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, timeout, [&] { return received_.size() >= n || done_; });
    return received_;
  }

  // Raw bytes (and fds) to the frontend.
  void reply(const std::vector<uint8_t>& bytes, int fd = -1) {
    try {
      send_message_with_fd(backend_end_.get(), std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()), fd,
                           "fake backend reply");
    } catch (const Error&) {
      // The frontend under test went away: what it does then is what the test checks.
    }
  }
  static std::vector<uint8_t> message(uint32_t request, uint32_t flags, uint32_t size, const void* payload,
                                      size_t payload_bytes) {
    std::vector<uint8_t> out(12 + payload_bytes);
    std::memcpy(out.data(), &request, 4);
    std::memcpy(out.data() + 4, &flags, 4);
    std::memcpy(out.data() + 8, &size, 4);
    if (payload_bytes) std::memcpy(out.data() + 12, payload, payload_bytes);
    return out;
  }
  void reply_u64(uint32_t request, uint64_t value) { reply(message(request, 0x5, 8, &value, 8)); }

  // Answers like virtiofsd 7.2: GETs with their values, NEED_REPLY with status 0.
  static Handler virtiofsd(uint64_t features = kVirtiofsdFeatures, uint64_t protocol = kVirtiofsdProtocol) {
    return [features, protocol](const BackendMessage& m, FakeBackend& b) {
      switch (m.request) {
        case 1: b.reply_u64(m.request, features); break;
        case 15: b.reply_u64(m.request, protocol); break;
        case 11: {  // GET_VRING_BASE: {index, 0}
          const uint32_t state[2] = {m.field<uint32_t>(0), 0};
          b.reply(message(m.request, 0x5, 8, state, 8));
          break;
        }
        default:
          if (m.need_reply()) b.reply_u64(m.request, 0);
      }
      return true;
    };
  }

 private:
  std::unique_ptr<BackendMessage> receive() {
    uint8_t header[12];
    iovec iov{header, sizeof header};
    alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * 8)] = {};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = control;
    msg.msg_controllen = sizeof control;
    if (::recvmsg(backend_end_.get(), &msg, MSG_WAITALL | MSG_CMSG_CLOEXEC) != sizeof header) return nullptr;
    auto m = std::make_unique<BackendMessage>();
    std::memcpy(&m->request, header, 4);
    std::memcpy(&m->flags, header + 4, 4);
    uint32_t size;
    std::memcpy(&size, header + 8, 4);
    for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
      const size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
      for (size_t i = 0; i < count; ++i) {
        int fd;
        std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
        m->fds.push_back(std::make_shared<UniqueFd>(fd));
      }
    }
    m->payload.resize(size);
    if (size && ::recv(backend_end_.get(), m->payload.data(), size, MSG_WAITALL) != static_cast<ssize_t>(size)) return nullptr;
    return m;
  }

  UniqueFd frontend_end_, backend_end_;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<BackendMessage> received_;
  bool done_ = false;
};

}  // namespace ppc::vmm::testing
