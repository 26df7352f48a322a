#include "virtio/vsock.h"

#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "base/error.h"

namespace ppc::vmm {
namespace {

using vsock::kHeaderSize;
using vsock::kHostCid;
using vsock::kTypeStream;
using vsock::kOpRequest, vsock::kOpResponse, vsock::kOpRst, vsock::kOpShutdown, vsock::kOpRw,
    vsock::kOpCreditUpdate, vsock::kOpCreditRequest;
using vsock::kShutdownRcv, vsock::kShutdownSend;

constexpr uint32_t kFirstLocalPort = 1024;
constexpr uint32_t kLastLocalPort = 0xfffffffe;  // 0xffffffff is VMADDR_PORT_ANY
constexpr size_t kMaxConnectLine = 32;           // "CONNECT 4294967295\n" is 19
constexpr uint32_t kMaxPayload = 64 * 1024;      // per packet to the guest, Linux's own limit
// Tell the guest about freed window once this much was forwarded since we last did: often
// enough that a guest waiting for credit never stalls (it is well below kBufAlloc), rarely
// enough to cost little.
constexpr uint32_t kCreditUpdateThreshold = 64 * 1024;
// Control packets are queued only while the guest posts no rx buffers; a guest that floods
// us with bad packets meanwhile loses the excess replies rather than our memory.
constexpr size_t kMaxPendingControl = 4096;
constexpr int kMaxPacketsPerEvent = 16;  // fairness between busy host sockets

bool unix_address(const std::string& path, sockaddr_un& addr) {
  addr = {};
  addr.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof addr.sun_path) return false;
  std::memcpy(addr.sun_path, path.data(), path.size());
  return true;
}

// "CONNECT <decimal port>" (newline already stripped); nullopt when malformed.
std::optional<uint32_t> parse_connect(const std::string& line) {
  static constexpr std::string_view kVerb = "CONNECT ";
  if (line.size() <= kVerb.size() || line.compare(0, kVerb.size(), kVerb) != 0) return std::nullopt;
  const std::string_view digits = std::string_view(line).substr(kVerb.size());
  if (digits.size() > 10) return std::nullopt;
  uint64_t port = 0;
  for (const char ch : digits) {
    if (ch < '0' || ch > '9') return std::nullopt;
    port = port * 10 + static_cast<uint64_t>(ch - '0');
  }
  if (port > 0xffffffffull) return std::nullopt;
  return static_cast<uint32_t>(port);
}

bool would_block(int err) { return err == EAGAIN || err == EWOULDBLOCK; }

}  // namespace

struct VsockDevice::Connection {
  Key key;
  UniqueFd fd;
  bool connecting = false;  // host-initiated, our REQUEST not answered yet
  Clock::time_point deadline;
  bool dead = false;
  uint32_t events = 0;  // epoll interest currently registered; 0 = not in the loop

  // Host to guest: the guest's window as it last told us, and what we sent.
  uint32_t peer_buf_alloc = 0, peer_fwd_cnt = 0, tx_cnt = 0;
  // Guest to host: what we forwarded to the host socket and last told the guest about.
  uint32_t fwd_cnt = 0, fwd_cnt_advertised = 0;
  bool credit_update_queued = false;
  std::string hello;          // "OK <port>\n" still to write, ahead of any guest data
  std::vector<uint8_t> out;   // guest data the host socket has not taken yet, from out_off
  size_t out_off = 0;

  bool guest_shut_send = false, guest_shut_rcv = false;  // guest's SHUTDOWN flags
  bool host_eof = false;                                 // host socket read returned 0
  bool host_wr_shut = false;                             // we did shutdown(SHUT_WR)

  size_t buffered() const { return out.size() - out_off; }
  bool flushed() const { return hello.empty() && buffered() == 0; }
};

struct VsockDevice::PendingAccept {
  UniqueFd fd;
  std::string line;
  Clock::time_point deadline;
};

VsockDevice::VsockDevice(EventLoop& loop, uint64_t guest_cid, std::string uds_path)
    : loop_(loop), guest_cid_(guest_cid), uds_path_(std::move(uds_path)) {
  // CIDs 0-2 are the hypervisor, local and host; 0xffffffff is VMADDR_CID_ANY.
  if (guest_cid_ < 3 || guest_cid_ >= 0xffffffffull)
    throw Error("vsock guest CID " + std::to_string(guest_cid_) + " is reserved (use 3 to 4294967294)");
  sockaddr_un addr;
  if (!unix_address(uds_path_, addr)) throw Error("vsock socket path '" + uds_path_ + "' is empty or too long");

  // Replace a socket left behind by an earlier run, but never some other kind of file.
  struct stat st;
  if (::lstat(uds_path_.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode)) throw Error("vsock socket path '" + uds_path_ + "' exists and is not a socket");
    if (::unlink(uds_path_.c_str()) < 0) throw_errno("unlink stale vsock socket " + uds_path_);
  }

  listen_fd_.reset(::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!listen_fd_.valid()) throw_errno("vsock: socket");
  if (::bind(listen_fd_.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) < 0)
    throw_errno("vsock: bind " + uds_path_);
  try {
    if (::listen(listen_fd_.get(), 128) < 0) throw_errno("vsock: listen " + uds_path_);
    timer_fd_.reset(::timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC));
    if (!timer_fd_.valid()) throw_errno("vsock: timerfd_create");
    loop_.add(listen_fd_.get(), EPOLLIN, [this](uint32_t) { guarded([this] { on_listen_ready(); }); });
    loop_.add(timer_fd_.get(), EPOLLIN, [this](uint32_t) { guarded([this] { on_timer(); }); });
  } catch (...) {
    loop_.remove(listen_fd_.get());
    ::unlink(uds_path_.c_str());
    throw;
  }
}

VsockDevice::~VsockDevice() {
  for (auto& [key, c] : conns_)
    if (c->events) loop_.remove(c->fd.get());
  for (auto& [id, a] : accepts_) loop_.remove(a->fd.get());
  loop_.remove(listen_fd_.get());
  loop_.remove(timer_fd_.get());
  ::unlink(uds_path_.c_str());
}

void VsockDevice::read_config(uint64_t offset, std::span<uint8_t> out) const {
  // struct virtio_vsock_config { le64 guest_cid; }
  for (size_t i = 0; i < out.size(); ++i) {
    const uint64_t at = offset + i;
    out[i] = (at >= offset && at < 8) ? static_cast<uint8_t>(guest_cid_ >> (8 * at)) : 0;
  }
}

void VsockDevice::activate(std::vector<Virtqueue>& queues, uint64_t, std::function<void(uint16_t)> notify_used) {
  if (queues.size() < 3) throw Error("vsock needs 3 queues, got " + std::to_string(queues.size()));
  queues_ = &queues;
  notify_used_ = std::move(notify_used);
  active_ = true;
  failed_.reset();
  rx_starved_ = false;
  rx_pushed_ = false;
}

void VsockDevice::queue_notify(uint16_t queue) {
  if (failed_) throw QueueError(*failed_);
  if (!active_) return;
  try {
    if (queue == 0) {
      // New rx buffers: deliver what waited for them, then let blocked host sockets go on.
      const bool was_starved = rx_starved_;
      rx_starved_ = false;
      flush_control();
      if (was_starved && !rx_starved_)
        for (auto& [key, c] : conns_) update_interest(*c);
    } else if (queue == 1) {
      process_tx();
    }
    // Queue 2 (events): the driver's buffers stay there; we only ever would use them for a
    // transport reset event, which this device never raises.
  } catch (const QueueError& e) {
    fail(e.what());
    throw;
  }
  sweep();
  flush_notifications();
}

void VsockDevice::reset() {
  drop_all_connections();
  control_.clear();
  rx_spare_.reset();
  queues_ = nullptr;
  notify_used_ = nullptr;
  active_ = false;
  failed_.reset();
  rx_starved_ = false;
  rx_pushed_ = false;
  rearm_timer();
}

void VsockDevice::guarded(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const QueueError& e) {
    fail(e.what());
  }
  sweep();
  flush_notifications();
}

void VsockDevice::fail(const std::string& message) {
  failed_ = message;
  active_ = false;
  rx_pushed_ = false;
  control_.clear();
  rx_spare_.reset();
  drop_all_connections();
}

void VsockDevice::drop_all_connections() {
  for (auto& [key, c] : conns_)
    if (c->events) loop_.remove(c->fd.get());
  conns_.clear();
  dead_.clear();
}

void VsockDevice::sweep() {
  for (const Key& key : dead_) {
    const auto it = conns_.find(key);
    if (it != conns_.end() && it->second->dead) conns_.erase(it);
  }
  dead_.clear();
}

// ---- Host side -------------------------------------------------------------------------

void VsockDevice::on_listen_ready() {
  for (;;) {
    UniqueFd fd(::accept4(listen_fd_.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
    if (!fd.valid()) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      break;  // EAGAIN, or out of descriptors: the client waits in the backlog
    }
    const uint64_t id = next_accept_id_++;
    auto pending = std::make_unique<PendingAccept>();
    pending->deadline = Clock::now() + connect_timeout_;
    const int raw = fd.get();
    pending->fd = std::move(fd);
    accepts_[id] = std::move(pending);
    try {
      loop_.add(raw, EPOLLIN, [this, id](uint32_t) { guarded([this, id] { on_accept_readable(id); }); });
    } catch (const Error&) {
      accepts_.erase(id);  // cannot watch it (epoll out of memory): the client sees EOF
    }
  }
  rearm_timer();
}

void VsockDevice::on_accept_readable(uint64_t id) {
  const auto it = accepts_.find(id);
  if (it == accepts_.end()) return;
  PendingAccept& a = *it->second;
  auto drop = [&] {
    loop_.remove(a.fd.get());
    accepts_.erase(it);
  };
  // Peek, then consume no further than the newline: whatever follows is the client's first
  // stream data and must stay in the socket for the guest.
  char buf[kMaxConnectLine];
  const ssize_t n = ::recv(a.fd.get(), buf, kMaxConnectLine - a.line.size(), MSG_PEEK);
  if (n < 0 && (would_block(errno) || errno == EINTR)) return;
  if (n <= 0) return drop();
  const char* nl = static_cast<const char*>(std::memchr(buf, '\n', static_cast<size_t>(n)));
  const size_t take = nl ? static_cast<size_t>(nl - buf) + 1 : static_cast<size_t>(n);
  if (::recv(a.fd.get(), buf, take, 0) != static_cast<ssize_t>(take)) return drop();
  a.line.append(buf, nl ? take - 1 : take);
  if (!nl) {
    if (a.line.size() >= kMaxConnectLine) drop();
    return;
  }
  const auto port = parse_connect(a.line);
  if (!port) return drop();
  loop_.remove(a.fd.get());
  UniqueFd fd = std::move(a.fd);
  accepts_.erase(it);
  start_host_connection(std::move(fd), *port);
}

void VsockDevice::start_host_connection(UniqueFd fd, uint32_t guest_port) {
  if (!active_) return;  // no driver yet: refuse at once so the client can retry
  const auto port = allocate_local_port();
  if (!port) return;
  auto c = std::make_unique<Connection>();
  c->key = {*port, guest_port};
  c->fd = std::move(fd);
  c->connecting = true;
  c->deadline = Clock::now() + connect_timeout_;
  Connection& ref = *c;
  conns_[c->key] = std::move(c);
  send_control(header_for(ref, kOpRequest));
  rearm_timer();
}

std::optional<uint32_t> VsockDevice::allocate_local_port() {
  // A port is free when no connection uses it on the host side; among conns_.size() + 1
  // consecutive candidates at least one is.
  for (size_t tries = 0; tries <= conns_.size(); ++tries) {
    const uint32_t port = next_local_port_;
    next_local_port_ = port >= kLastLocalPort ? kFirstLocalPort : port + 1;
    const auto it = conns_.lower_bound({port, 0});
    if (it == conns_.end() || it->first.first != port) return port;
  }
  return std::nullopt;
}

void VsockDevice::guest_connect(const VsockHeader& req) {
  const Key key{req.dst_port, req.src_port};
  sockaddr_un addr;
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  // A Unix connect() completes or fails at once (EAGAIN: the listener's backlog is full).
  if (!fd.valid() || !unix_address(uds_path_ + "_" + std::to_string(req.dst_port), addr) ||
      ::connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) < 0)
    return reply_rst(req);
  auto c = std::make_unique<Connection>();
  c->key = key;
  c->fd = std::move(fd);
  c->peer_buf_alloc = req.buf_alloc;
  c->peer_fwd_cnt = req.fwd_cnt;
  Connection& ref = *c;
  conns_[key] = std::move(c);
  send_control(header_for(ref, kOpResponse));
  update_interest(ref);
}

void VsockDevice::on_timer() {
  uint64_t expirations;
  [[maybe_unused]] const ssize_t r = ::read(timer_fd_.get(), &expirations, sizeof expirations);
  const auto now = Clock::now();
  for (auto it = accepts_.begin(); it != accepts_.end();) {
    if (it->second->deadline <= now) {
      loop_.remove(it->second->fd.get());
      it = accepts_.erase(it);
    } else {
      ++it;
    }
  }
  for (auto& [key, c] : conns_)
    if (c->connecting && !c->dead && c->deadline <= now) close_connection(*c, true);
  sweep();
  rearm_timer();
}

void VsockDevice::rearm_timer() {
  std::optional<Clock::time_point> first;
  for (const auto& [id, a] : accepts_)
    if (!first || a->deadline < *first) first = a->deadline;
  for (const auto& [key, c] : conns_)
    if (c->connecting && !c->dead && (!first || c->deadline < *first)) first = c->deadline;
  itimerspec spec{};
  if (first) {
    // steady_clock is CLOCK_MONOTONIC on Linux; a deadline already past fires at once.
    const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(first->time_since_epoch()).count();
    spec.it_value.tv_sec = static_cast<time_t>(ns / 1000000000);
    spec.it_value.tv_nsec = static_cast<long>(ns % 1000000000);
    if (spec.it_value.tv_sec == 0 && spec.it_value.tv_nsec == 0) spec.it_value.tv_nsec = 1;  // 0 disarms
  }
  ::timerfd_settime(timer_fd_.get(), TFD_TIMER_ABSTIME, &spec, nullptr);
}

void VsockDevice::on_host_event(Key key, uint32_t events) {
  const auto it = conns_.find(key);
  if (it == conns_.end() || it->second->dead) return;
  Connection& c = *it->second;
  if (events & EPOLLERR) {
    // Check rather than trust the bit: the event may be stale, for an earlier socket that
    // had this descriptor number.
    int err = 0;
    socklen_t len = sizeof err;
    if (::getsockopt(c.fd.get(), SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err != 0) return close_connection(c, true);
  }
  if (c.events & EPOLLOUT) flush_host(c);
  if (!c.dead && (c.events & EPOLLIN)) pump_host(c);
  maybe_finish(c);
  update_interest(c);
}

void VsockDevice::flush_host(Connection& c) {
  auto send_some = [&](const uint8_t* data, size_t size) -> ssize_t {
    for (;;) {
      const ssize_t n = ::send(c.fd.get(), data, size, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n >= 0 || errno != EINTR) return n;
    }
  };
  while (!c.dead && !c.hello.empty()) {
    const ssize_t n = send_some(reinterpret_cast<const uint8_t*>(c.hello.data()), c.hello.size());
    if (n < 0 && would_block(errno)) return;
    if (n <= 0) return close_connection(c, true);
    c.hello.erase(0, static_cast<size_t>(n));
  }
  while (!c.dead && c.buffered() > 0) {
    const ssize_t n = send_some(c.out.data() + c.out_off, c.buffered());
    if (n < 0 && would_block(errno)) break;
    if (n <= 0) return close_connection(c, true);  // EPIPE/ECONNRESET: the host side is gone
    c.out_off += static_cast<size_t>(n);
    c.fwd_cnt += static_cast<uint32_t>(n);
  }
  if (c.buffered() == 0) {
    c.out.clear();
    c.out_off = 0;
    // The guest's send-shutdown takes effect once everything before it reached the host.
    if (c.guest_shut_send && !c.host_wr_shut) {
      ::shutdown(c.fd.get(), SHUT_WR);
      c.host_wr_shut = true;
    }
  }
  if (c.fwd_cnt - c.fwd_cnt_advertised >= kCreditUpdateThreshold) queue_credit_update(c);
}

uint32_t VsockDevice::peer_credit(const Connection& c) const {
  // 64-bit, so that a guest shrinking its window below what is in flight yields 0, not a wrap.
  const int64_t credit = static_cast<int64_t>(c.peer_buf_alloc) - static_cast<int64_t>(c.tx_cnt - c.peer_fwd_cnt);
  return credit > 0 ? static_cast<uint32_t>(credit) : 0;
}

void VsockDevice::pump_host(Connection& c) {
  for (int i = 0; i < kMaxPacketsPerEvent; ++i) {
    // Data goes out only while no control packet waits (rx_starved_ covers that), so it can
    // never overtake an earlier SHUTDOWN or RESPONSE of the same connection.
    if (c.dead || c.host_eof || c.guest_shut_rcv || rx_starved_ || !active_) return;
    const uint32_t credit = peer_credit(c);
    if (credit == 0) return;
    auto chain = take_rx_chain();
    if (!chain) return;
    const uint64_t payload_room = vsock::payload_room(*chain);
    if (payload_room == 0) {  // no room for data: useless to us, give it back
      push_rx(chain->head, 0);
      continue;
    }
    const size_t room = static_cast<size_t>(std::min<uint64_t>({payload_room, kMaxPayload, credit}));
    scratch_.resize(room);
    ssize_t n;
    do {
      n = ::recv(c.fd.get(), scratch_.data(), room, MSG_DONTWAIT);
    } while (n < 0 && errno == EINTR);
    if (n <= 0) {
      rx_spare_ = std::move(chain);
      if (n < 0 && would_block(errno)) return;
      if (n < 0) return close_connection(c, true);
      // Host EOF: the guest reads what it has, then end of stream.
      c.host_eof = true;
      VsockHeader h = header_for(c, kOpShutdown);
      h.flags = kShutdownSend;
      send_control(h);
      return;
    }
    VsockHeader h = header_for(c, kOpRw);
    h.len = static_cast<uint32_t>(n);
    c.fwd_cnt_advertised = c.fwd_cnt;
    push_rx(chain->head, vsock::write_packet(*chain, h, std::span<const uint8_t>(scratch_.data(), static_cast<size_t>(n))));
    c.tx_cnt += static_cast<uint32_t>(n);
  }
}

void VsockDevice::update_interest(Connection& c) {
  if (c.dead) return;
  uint32_t want = 0;
  if (!c.connecting) {
    if (!c.host_eof && !c.guest_shut_rcv && active_ && !rx_starved_ && peer_credit(c) > 0) want |= EPOLLIN;
    if (!c.flushed()) want |= EPOLLOUT;
  }
  // Nothing wanted means out of epoll altogether: a hung-up socket reports EPOLLHUP whatever
  // the mask, and would spin the loop while we wait for guest credit or rx buffers.
  if (want == c.events) return;
  try {
    if (want == 0) {
      loop_.remove(c.fd.get());
    } else if (c.events == 0) {
      const Key key = c.key;
      loop_.add(c.fd.get(), want, [this, key](uint32_t ev) { guarded([this, key, ev] { on_host_event(key, ev); }); });
    } else {
      loop_.modify(c.fd.get(), want);
    }
    c.events = want;
  } catch (const Error&) {
    c.events = 0;
    loop_.remove(c.fd.get());
    close_connection(c, true);  // cannot watch the socket (epoll out of memory): give up on it
  }
}

void VsockDevice::maybe_finish(Connection& c) {
  // Both directions done: the guest will send no more (and all of it reached the host), and
  // either it will read no more or the host sent all it had. Linux expects our RST then.
  if (c.dead || c.connecting) return;
  if (c.guest_shut_send && c.flushed() && (c.guest_shut_rcv || c.host_eof)) close_connection(c, true);
}

void VsockDevice::close_connection(Connection& c, bool send_rst) {
  if (c.dead) return;
  if (send_rst) send_control(header_for(c, kOpRst));
  c.dead = true;
  if (c.events) loop_.remove(c.fd.get());
  c.events = 0;
  c.fd.reset();  // the host client sees EOF (or ECONNRESET with data unread)
  dead_.push_back(c.key);
}

// ---- Guest side ------------------------------------------------------------------------

void VsockDevice::process_tx() {
  Virtqueue& tx = (*queues_)[1];
  bool used = false;
  while (auto chain = tx.pop()) {
    handle_packet(*chain);
    tx.push(chain->head, 0);
    used = true;
    sweep();  // a connection closed by this packet frees its ports for the next one
  }
  if (used) notify_used_(1);
}

void VsockDevice::handle_packet(const DescriptorChain& chain) {
  const auto header = vsock::read_header(chain);
  if (!header) return;  // not even a header: drop
  const VsockHeader& h = *header;
  const bool addressed = h.src_cid == guest_cid_ && h.dst_cid == kHostCid && h.type == kTypeStream;
  const auto it = conns_.find({h.dst_port, h.src_port});
  Connection* c = (addressed && it != conns_.end() && !it->second->dead) ? it->second.get() : nullptr;

  if (h.op == kOpRst) {  // never answered, whatever it is
    if (c) close_connection(*c, false);
    return;
  }
  if (!addressed) return reply_rst(h);
  if (h.op == kOpRw && !vsock::payload_fits(h, chain)) {
    // The header claims more data than the chain holds: the stream is broken.
    return c ? close_connection(*c, true) : reply_rst(h);
  }
  if (!c) return h.op == kOpRequest ? guest_connect(h) : reply_rst(h);

  // Every header carries the guest's window.
  c->peer_buf_alloc = h.buf_alloc;
  c->peer_fwd_cnt = h.fwd_cnt;
  if (c->connecting) {
    if (h.op != kOpResponse) return close_connection(*c, true);
    c->connecting = false;
    c->hello = "OK " + std::to_string(c->key.first) + "\n";
    flush_host(*c);
  } else {
    switch (h.op) {
      case kOpRw:
        receive_from_guest(*c, chain, h.len);
        break;
      case kOpCreditUpdate:
        break;  // the window was taken above
      case kOpCreditRequest:
        queue_credit_update(*c);
        break;
      case kOpShutdown:
        if (h.flags & kShutdownRcv) c->guest_shut_rcv = true;
        if (h.flags & kShutdownSend) c->guest_shut_send = true;
        flush_host(*c);  // applies a send-shutdown when nothing is buffered
        break;
      default:  // REQUEST/RESPONSE on an open stream, or an unknown op
        return close_connection(*c, true);
    }
  }
  maybe_finish(*c);
  update_interest(*c);
}

void VsockDevice::receive_from_guest(Connection& c, const DescriptorChain& chain, uint32_t len) {
  if (len == 0) return;
  // Data after the guest's own send-shutdown, or beyond the window we granted: reset rather
  // than buffer without bound.
  if (c.guest_shut_send || c.host_wr_shut || c.buffered() + len > kBufAlloc) return close_connection(c, true);
  if (c.out_off > 0 && (c.out_off == c.out.size() || c.out_off >= kBufAlloc / 2)) {
    c.out.erase(c.out.begin(), c.out.begin() + static_cast<std::ptrdiff_t>(c.out_off));
    c.out_off = 0;
  }
  const size_t at = c.out.size();
  c.out.resize(at + len);
  vsock::read_payload(chain, std::span<uint8_t>(c.out.data() + at, len));
  flush_host(c);
}

VsockHeader VsockDevice::header_for(const Connection& c, uint16_t op) const {
  VsockHeader h;
  h.src_cid = kHostCid;
  h.dst_cid = guest_cid_;
  h.src_port = c.key.first;
  h.dst_port = c.key.second;
  h.type = kTypeStream;
  h.op = op;
  h.buf_alloc = kBufAlloc;
  h.fwd_cnt = c.fwd_cnt;
  return h;
}

void VsockDevice::reply_rst(const VsockHeader& to) { send_control(vsock::reset_reply(to)); }

void VsockDevice::queue_credit_update(Connection& c) {
  if (c.credit_update_queued) return;
  c.credit_update_queued = true;
  send_control(header_for(c, kOpCreditUpdate));
}

void VsockDevice::send_control(const VsockHeader& h) {
  if (!active_) return;
  if (!rx_starved_ && control_.empty() && deliver(h)) return;
  if (control_.size() < kMaxPendingControl) control_.push_back(h);
}

bool VsockDevice::deliver(VsockHeader h) {
  for (;;) {
    auto chain = take_rx_chain();
    if (!chain) return false;
    if (chain->writable_bytes() < kHeaderSize) {
      push_rx(chain->head, 0);
      continue;
    }
    // A packet that waited carries the connection's window as of now, not as of queueing.
    if (h.op != kOpRst && h.src_cid == kHostCid) {
      const auto it = conns_.find({h.src_port, h.dst_port});
      if (it != conns_.end()) {
        Connection& c = *it->second;
        h.fwd_cnt = c.fwd_cnt;
        c.fwd_cnt_advertised = c.fwd_cnt;
        if (h.op == kOpCreditUpdate) c.credit_update_queued = false;
      }
    }
    push_rx(chain->head, vsock::write_packet(*chain, h));
    return true;
  }
}

void VsockDevice::flush_control() {
  while (!control_.empty()) {
    if (!deliver(control_.front())) return;
    control_.pop_front();
  }
}

std::optional<DescriptorChain> VsockDevice::take_rx_chain() {
  if (rx_spare_) {
    auto chain = std::move(rx_spare_);
    rx_spare_.reset();
    return chain;
  }
  auto chain = (*queues_)[0].pop();
  if (!chain) rx_starved_ = true;
  return chain;
}

void VsockDevice::push_rx(uint16_t head, uint32_t written) {
  (*queues_)[0].push(head, written);
  rx_pushed_ = true;
}

void VsockDevice::flush_notifications() {
  if (rx_pushed_ && active_ && notify_used_) notify_used_(0);
  rx_pushed_ = false;
}

}  // namespace ppc::vmm
