#include "virtio/vhost_user.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "base/error.h"
#include "base/hex.h"

namespace ppc::vmm {

using namespace vhost_user;

namespace {

timeval to_timeval(std::chrono::milliseconds t) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(t.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((t.count() % 1000) * 1000);
  return tv;
}

// Closes every fd an SCM_RIGHTS message brought; true when there was any.
bool close_passed_fds(msghdr& msg) {
  bool any = false;
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
    const size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
    for (size_t i = 0; i < count; ++i) {
      int fd;
      std::memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof fd);
      ::close(fd);
      any = true;
    }
  }
  return any;
}

// Reads exactly out.size() bytes (MSG_WAITALL: one timeout for the lot). A reply carries no
// fds: any that came are closed and refused.
void read_exactly(int socket, std::span<uint8_t> out, const std::string& what) {
  iovec iov{out.data(), out.size()};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * 8)];
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  ssize_t n;
  do {
    n = ::recvmsg(socket, &msg, MSG_WAITALL | MSG_CMSG_CLOEXEC);
  } while (n < 0 && errno == EINTR);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) throw Error(what + ": no answer in time");
  if (n < 0) throw_errno(what);
  const bool fds = close_passed_fds(msg);
  if (n == 0) throw Error(what + ": the backend closed the connection");
  if (fds || (msg.msg_flags & MSG_CTRUNC)) throw ProtocolError(what + ": the backend passed file descriptors");
  if (static_cast<size_t>(n) != out.size())
    throw Error(what + ": " + std::to_string(n) + " of " + std::to_string(out.size()) + " bytes, then nothing");
}

}  // namespace

VhostUserFrontend::VhostUserFrontend(UniqueFd socket, std::chrono::milliseconds reply_timeout)
    : socket_(std::move(socket)) {
  const timeval tv = to_timeval(reply_timeout);
  if (::setsockopt(socket_.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv) < 0 ||
      ::setsockopt(socket_.get(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv) < 0)
    throw_errno("vhost-user socket timeouts");
}

void VhostUserFrontend::disconnect(const std::string& why) {
  if (broken_.empty()) broken_ = why;
  socket_.reset();
}

uint64_t VhostUserFrontend::start() {
  const uint64_t features = decode_u64(transact(Request::GetFeatures, {}, {}, Reply::Value));
  if (!(features & kFeatureProtocolFeatures))
    refuse("vhost-user backend offers no protocol features (features " + hex(features) + ")");
  const uint64_t protocol = decode_u64(transact(Request::GetProtocolFeatures, {}, {}, Reply::Value));
  if (!(protocol & kProtocolFeatureReplyAck))
    refuse("vhost-user backend lacks REPLY_ACK (protocol features " + hex(protocol) + ")");
  // REPLY_ACK applies once this is through; SET_OWNER's acknowledgement then confirms both.
  transact(Request::SetProtocolFeatures, u64_payload(kProtocolFeatureReplyAck), {}, Reply::None);
  acked(Request::SetOwner, {});
  return features;
}

void VhostUserFrontend::set_features(uint64_t features) { acked(Request::SetFeatures, u64_payload(features)); }

void VhostUserFrontend::set_mem_table(std::span<const MemoryRegion> regions, std::span<const int> fds) {
  if (fds.size() != regions.size())
    throw Error("SET_MEM_TABLE: " + std::to_string(regions.size()) + " regions but " + std::to_string(fds.size()) + " fds");
  acked(Request::SetMemTable, memory_table_payload(regions), fds);
}

void VhostUserFrontend::set_vring_num(uint32_t index, uint32_t num) {
  acked(Request::SetVringNum, vring_state_payload({index, num}));
}

void VhostUserFrontend::set_vring_base(uint32_t index, uint32_t base) {
  acked(Request::SetVringBase, vring_state_payload({index, base}));
}

void VhostUserFrontend::set_vring_addr(const VringAddr& addr) { acked(Request::SetVringAddr, vring_addr_payload(addr)); }

void VhostUserFrontend::set_vring_kick(uint32_t index, int eventfd) {
  const int fds[] = {eventfd};
  acked(Request::SetVringKick, vring_fd_payload(index), fds);
}

void VhostUserFrontend::set_vring_call(uint32_t index, int eventfd) {
  const int fds[] = {eventfd};
  acked(Request::SetVringCall, vring_fd_payload(index), fds);
}

void VhostUserFrontend::set_vring_enable(uint32_t index, bool enable) {
  acked(Request::SetVringEnable, vring_state_payload({index, enable ? 1u : 0u}));
}

uint32_t VhostUserFrontend::get_vring_base(uint32_t index) {
  const VringState state = decode_vring_state(transact(Request::GetVringBase, vring_state_payload({index, 0}), {}, Reply::Value));
  if (state.index != index)
    refuse("GET_VRING_BASE for ring " + std::to_string(index) + " answered for ring " + std::to_string(state.index));
  return state.num;
}

void VhostUserFrontend::acked(Request request, std::span<const uint8_t> payload, std::span<const int> fds) {
  const uint64_t status = decode_u64(transact(request, payload, fds, Reply::Ack));
  if (status != 0) refuse(std::string(request_name(request)) + ": the backend refused it (status " + hex(status) + ")");
}

void VhostUserFrontend::refuse(const std::string& why) {
  broken_ = why;
  throw ProtocolError(why);
}

ReplyPayload VhostUserFrontend::transact(Request request, std::span<const uint8_t> payload, std::span<const int> fds,
                                         Reply reply) {
  if (!broken_.empty()) throw Error(std::string(request_name(request)) + ": the vhost-user connection broke earlier (" + broken_ + ")");
  try {
    const Bytes message = encode_request(request, reply == Reply::Ack, payload);
    send(request, message, fds);
    return reply == Reply::None ? ReplyPayload{} : receive(request);
  } catch (const Error& e) {
    broken_ = e.what();
    throw;
  }
}

void VhostUserFrontend::send(Request request, std::span<const uint8_t> message, std::span<const int> fds) {
  const std::string what = std::string(request_name(request));
  if (fds.size() > kMaxMemoryRegions) throw Error(what + ": too many fds");
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int) * kMaxMemoryRegions)] = {};
  size_t sent = 0;
  while (sent < message.size()) {
    iovec iov{const_cast<uint8_t*>(message.data() + sent), message.size() - sent};
    msghdr msg{};
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    if (sent == 0 && !fds.empty()) {
      // On the header's bytes, where the backend's recvmsg of the header finds them.
      msg.msg_control = control;
      msg.msg_controllen = CMSG_SPACE(sizeof(int) * fds.size());
      cmsghdr* c = CMSG_FIRSTHDR(&msg);
      c->cmsg_level = SOL_SOCKET;
      c->cmsg_type = SCM_RIGHTS;
      c->cmsg_len = CMSG_LEN(sizeof(int) * fds.size());
      std::memcpy(CMSG_DATA(c), fds.data(), sizeof(int) * fds.size());
    }
    const ssize_t n = ::sendmsg(socket_.get(), &msg, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) throw Error(what + ": the backend takes no more input");
    if (n < 0) throw_errno(what + ": send");
    sent += static_cast<size_t>(n);
  }
}

ReplyPayload VhostUserFrontend::receive(Request request) {
  const std::string what = "reply to " + std::string(request_name(request));
  std::array<uint8_t, kHeaderSize> header;
  read_exactly(socket_.get(), header, what);
  // Checked before the payload is read: a wrong size must not decide how much we read.
  check_reply_header(header, request);
  ReplyPayload payload;
  read_exactly(socket_.get(), payload, what);
  return payload;
}

}  // namespace ppc::vmm
