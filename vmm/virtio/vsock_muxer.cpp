#include "virtio/vsock_muxer.h"

#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "base/error.h"

namespace ppc::vmm {
namespace {

constexpr uint32_t kMaxPayload = 64 * 1024;      // per packet to the guest, Linux's own limit
constexpr int kMaxPacketsPerEvent = 16;          // fairness between busy host sockets

bool would_block(int err) { return err == EAGAIN || err == EWOULDBLOCK; }

}  // namespace

VsockMuxer::VsockMuxer(EventLoop& loop, uint64_t guest_cid, std::string uds_path, VsockGuestRx& rx,
                       VsockListener::Guard guard)
    : loop_(loop),
      guest_cid_(guest_cid),
      rx_(rx),
      guard_(std::move(guard)),
      listener_(loop, std::move(uds_path), guard_,
                {.on_connect = [this](UniqueFd fd, uint32_t port) { start_host_connection(std::move(fd), port); },
                 .on_accepted = [this] { rearm_timer(); }}) {
  timer_fd_.reset(::timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC));
  if (!timer_fd_.valid()) throw_errno("vsock: timerfd_create");
  loop_.add(timer_fd_.get(), EPOLLIN, [this](uint32_t) { guard_([this] { on_timer(); }); });
}

VsockMuxer::~VsockMuxer() {
  for (auto& [key, s] : streams_)
    if (s->events) loop_.remove(s->fd.get());
  loop_.remove(timer_fd_.get());
}

void VsockMuxer::set_connect_timeout(std::chrono::milliseconds timeout) {
  connect_timeout_ = timeout;
  listener_.set_timeout(timeout);
}

VsockMuxer::Stream* VsockMuxer::find_live(Key key) {
  const auto it = streams_.find(key);
  return it != streams_.end() && !it->second->dead ? it->second.get() : nullptr;
}

VsockMuxer::Stream& VsockMuxer::add(VsockConnection conn, UniqueFd fd) {
  const Key key{conn.local_port(), conn.guest_port()};
  auto s = std::make_unique<Stream>(std::move(conn));
  s->fd = std::move(fd);
  Stream& ref = *s;
  streams_[key] = std::move(s);
  return ref;
}

void VsockMuxer::drop_all() {
  for (auto& [key, s] : streams_)
    if (s->events) loop_.remove(s->fd.get());
  streams_.clear();
  dead_.clear();
  held_.clear();
}

void VsockMuxer::reset() {
  drop_all();
  holding_ = false;
  rearm_timer();
}

void VsockMuxer::release_host_connections() {
  holding_ = false;
  auto held = std::move(held_);
  held_.clear();
  const auto now = Clock::now();
  // Each keeps its deadline: held or not, a client waits one connect timeout for its answer.
  for (HeldConnect& c : held)
    if (c.deadline > now) start_host_connection(std::move(c.fd), c.guest_port, c.deadline);
  rearm_timer();
}

void VsockMuxer::sweep() {
  for (const Key& key : dead_) {
    const auto it = streams_.find(key);
    if (it != streams_.end() && it->second->dead) streams_.erase(it);
  }
  dead_.clear();
}

void VsockMuxer::resume() {
  for (auto& [key, s] : streams_) update_interest(*s);
}

void VsockMuxer::stamp_window(VsockHeader& h) {
  if (h.op == vsock::kOpRst || h.src_cid != vsock::kHostCid) return;
  const auto it = streams_.find({h.src_port, h.dst_port});
  if (it != streams_.end()) it->second->conn.stamp_window(h);
}

// ---- Opening streams -------------------------------------------------------------------

void VsockMuxer::start_host_connection(UniqueFd fd, uint32_t guest_port, std::optional<Clock::time_point> deadline) {
  if (!rx_.active()) return;  // no driver yet: refuse at once so the client can retry
  if (streams_.size() + held_.size() >= max_streams_) return;  // the client sees its socket close
  if (holding_) {
    held_.push_back({std::move(fd), guest_port, Clock::now() + connect_timeout_});
    return rearm_timer();
  }
  const auto port = allocate_local_port();
  if (!port) return;
  Stream& s = add(VsockConnection::host_initiated(guest_cid_, *port, guest_port), std::move(fd));
  s.deadline = deadline.value_or(Clock::now() + connect_timeout_);
  rx_.send_control(s.conn.header(vsock::kOpRequest));
  rearm_timer();
}

std::optional<uint32_t> VsockMuxer::allocate_local_port() {
  // A port is free when no stream uses it on the host side; among streams_.size() + 1
  // consecutive candidates at least one is.
  for (size_t tries = 0; tries <= streams_.size(); ++tries) {
    const uint32_t port = next_local_port_;
    next_local_port_ = port >= kLastLocalPort ? kFirstLocalPort : port + 1;
    const auto it = streams_.lower_bound({port, 0});
    if (it == streams_.end() || it->first.first != port) return port;
  }
  return std::nullopt;
}

void VsockMuxer::guest_connect(const VsockHeader& request) {
  if (streams_.size() + held_.size() >= max_streams_) return rx_.send_control(vsock::reset_reply(request));
  sockaddr_un addr;
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  // A Unix connect() completes or fails at once (EAGAIN: the listener's backlog is full).
  if (!fd.valid() || !vsock::unix_address(listener_.path() + "_" + std::to_string(request.dst_port), addr) ||
      ::connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) < 0)
    return rx_.send_control(vsock::reset_reply(request));
  Stream& s = add(VsockConnection::guest_initiated(guest_cid_, request), std::move(fd));
  rx_.send_control(s.conn.header(vsock::kOpResponse));
  update_interest(s);
}

// ---- Guest to host ---------------------------------------------------------------------

void VsockMuxer::on_guest_packet(const VsockHeader& h, const DescriptorChain& chain) {
  const bool addressed = h.src_cid == guest_cid_ && h.dst_cid == vsock::kHostCid && h.type == vsock::kTypeStream;
  Stream* s = addressed ? find_live({h.dst_port, h.src_port}) : nullptr;
  if (h.op == vsock::kOpRst) {  // never answered, whatever it is
    if (s) close(*s, false);
    return;
  }
  if (!addressed) return rx_.send_control(vsock::reset_reply(h));
  if (h.op == vsock::kOpRw && !vsock::payload_fits(h, chain)) {
    // The header claims more data than the chain holds: the stream is broken.
    return s ? close(*s, true) : rx_.send_control(vsock::reset_reply(h));
  }
  if (!s) return h.op == vsock::kOpRequest ? guest_connect(h) : rx_.send_control(vsock::reset_reply(h));
  apply(*s, s->conn.on_guest_packet(h), h, chain);
  maybe_finish(*s);
  update_interest(*s);
}

void VsockMuxer::apply(Stream& s, VsockConnection::GuestStep step, const VsockHeader& h, const DescriptorChain& chain) {
  switch (step) {
    case VsockConnection::GuestStep::kNothing:
      return;
    case VsockConnection::GuestStep::kFlushHost:
      return flush_host(s);
    case VsockConnection::GuestStep::kReceive:
      return receive_from_guest(s, chain, h.len);
    case VsockConnection::GuestStep::kCreditUpdate:
      return queue_credit_update(s);
    case VsockConnection::GuestStep::kReset:
      return close(s, true);
  }
}

void VsockMuxer::receive_from_guest(Stream& s, const DescriptorChain& chain, uint32_t len) {
  if (len == 0) return;
  // Data after the guest's own send-shutdown, or beyond the window we granted: reset rather
  // than buffer without bound.
  const auto room = s.conn.reserve_host_bound(len);
  if (!room) return close(s, true);
  vsock::read_payload(chain, *room);
  flush_host(s);
}

void VsockMuxer::queue_credit_update(Stream& s) {
  if (s.conn.mark_credit_update_queued()) rx_.send_control(s.conn.header(vsock::kOpCreditUpdate));
}

// ---- Host sockets ----------------------------------------------------------------------

void VsockMuxer::on_host_event(Key key, uint32_t events) {
  Stream* s = find_live(key);
  if (!s) return;
  if (events & EPOLLERR) {
    // Check rather than trust the bit: the event may be stale, for an earlier socket that
    // had this descriptor number.
    int err = 0;
    socklen_t len = sizeof err;
    if (::getsockopt(s->fd.get(), SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err != 0) return close(*s, true);
  }
  if (s->events & EPOLLOUT) flush_host(*s);
  if (!s->dead && (s->events & EPOLLIN)) pump_host(*s);
  maybe_finish(*s);
  update_interest(*s);
}

void VsockMuxer::flush_host(Stream& s) {
  VsockConnection& c = s.conn;
  while (!s.dead && !c.host_bound().empty()) {
    const bool hello = c.hello_pending();
    const auto bytes = c.host_bound();
    ssize_t n;
    do {
      n = ::send(s.fd.get(), bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    } while (n < 0 && errno == EINTR);
    if (n < 0 && would_block(errno)) {
      if (hello) return;  // nothing may follow before the hello is out
      break;
    }
    if (n <= 0) return close(s, true);  // EPIPE/ECONNRESET: the host side is gone
    c.host_took(static_cast<size_t>(n));
  }
  // The guest's send-shutdown takes effect once everything before it reached the host.
  if (c.take_host_write_shutdown()) ::shutdown(s.fd.get(), SHUT_WR);
  if (c.credit_update_due()) queue_credit_update(s);
}

void VsockMuxer::pump_host(Stream& s) {
  for (int i = 0; i < kMaxPacketsPerEvent; ++i)
    if (!pump_one(s)) return;
}

// One packet of host data into one rx buffer; false when nothing more can go now.
bool VsockMuxer::pump_one(Stream& s) {
  VsockConnection& c = s.conn;
  // Data goes out only while no control packet waits (rx_.open() covers that), so it can
  // never overtake an earlier SHUTDOWN or RESPONSE of the same stream.
  if (s.dead || !c.host_to_guest_open() || !rx_.open()) return false;
  const uint32_t credit = c.peer_credit();
  if (credit == 0) return false;
  auto chain = rx_.take();
  if (!chain) return false;
  const uint64_t room = vsock::payload_room(*chain);
  if (room == 0) {  // no room for data: useless to us, give it back
    rx_.push(chain->head, 0);
    return true;
  }
  scratch_.resize(static_cast<size_t>(std::min<uint64_t>({room, kMaxPayload, credit})));
  ssize_t n;
  do {
    n = ::recv(s.fd.get(), scratch_.data(), scratch_.size(), MSG_DONTWAIT);
  } while (n < 0 && errno == EINTR);
  if (n <= 0) {
    const int err = errno;
    rx_.put_back(std::move(*chain));
    if (n < 0 && would_block(err)) return false;
    if (n < 0) {
      close(s, true);
      return false;
    }
    rx_.send_control(c.on_host_eof());  // the guest reads what it has, then end of stream
    return false;
  }
  const VsockHeader h = c.data_header(static_cast<uint32_t>(n));
  rx_.push(chain->head, vsock::write_packet(*chain, h, std::span<const uint8_t>(scratch_.data(), static_cast<size_t>(n))));
  return true;
}

void VsockMuxer::update_interest(Stream& s) {
  if (s.dead) return;
  uint32_t want = 0;
  if (!s.conn.connecting()) {
    if (s.conn.host_to_guest_open() && rx_.open() && s.conn.peer_credit() > 0) want |= EPOLLIN;
    if (!s.conn.flushed()) want |= EPOLLOUT;
  }
  // Nothing wanted means out of epoll altogether: a hung-up socket reports EPOLLHUP whatever
  // the mask, and would spin the loop while we wait for guest credit or rx buffers.
  if (want == s.events) return;
  try {
    if (want == 0) {
      loop_.remove(s.fd.get());
    } else if (s.events == 0) {
      const Key key{s.conn.local_port(), s.conn.guest_port()};
      loop_.add(s.fd.get(), want, [this, key](uint32_t ev) { guard_([this, key, ev] { on_host_event(key, ev); }); });
    } else {
      loop_.modify(s.fd.get(), want);
    }
    s.events = want;
  } catch (const Error&) {
    s.events = 0;
    loop_.remove(s.fd.get());
    close(s, true);  // cannot watch the socket (epoll out of memory): give up on it
  }
}

void VsockMuxer::maybe_finish(Stream& s) {
  if (!s.dead && s.conn.finished()) close(s, true);
}

void VsockMuxer::close(Stream& s, bool send_rst) {
  if (s.dead) return;
  if (send_rst) rx_.send_control(s.conn.header(vsock::kOpRst));
  s.dead = true;
  if (s.events) loop_.remove(s.fd.get());
  s.events = 0;
  s.fd.reset();  // the host client sees EOF (or ECONNRESET with data unread)
  dead_.push_back({s.conn.local_port(), s.conn.guest_port()});
}

// ---- Connect timeouts ------------------------------------------------------------------

void VsockMuxer::on_timer() {
  uint64_t expirations;
  [[maybe_unused]] const ssize_t r = ::read(timer_fd_.get(), &expirations, sizeof expirations);
  const auto now = Clock::now();
  listener_.expire(now);
  std::erase_if(held_, [now](const HeldConnect& c) { return c.deadline <= now; });
  for (auto& [key, s] : streams_)
    if (s->conn.connecting() && !s->dead && s->deadline <= now) close(*s, true);
  sweep();
  rearm_timer();
}

void VsockMuxer::rearm_timer() {
  std::optional<Clock::time_point> first = listener_.earliest_deadline();
  for (const HeldConnect& c : held_)
    if (!first || c.deadline < *first) first = c.deadline;
  for (const auto& [key, s] : streams_)
    if (s->conn.connecting() && !s->dead && (!first || s->deadline < *first)) first = s->deadline;
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

}  // namespace ppc::vmm
