// libFuzzer target for what the vhost-user frontend reads from its backend, a separate and
// less trusted process.
//
// Input: byte 0 picks a mode. Mode 0 hands the rest to decode_reply(), as a reply to the
// request byte 1 names. Mode 1 writes the rest into a socketpair as the backend's entire
// output (then end-of-file) and runs the frontend through its whole conversation: start,
// memory table, features, a ring's set-up, GET_VRING_BASE, using whatever replies the bytes
// make. Either way the frontend must never crash, leak, read past a buffer or hang: a bad
// reply may only raise Error, after which every later call fails at once.
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>

#include "base/error.h"
#include "base/unique_fd.h"
#include "virtio/vhost_user.h"
#include "virtio/vhost_user_wire.h"

namespace {

using ppc::Error;
using ppc::UniqueFd;
using ppc::vmm::VhostUserFrontend;
namespace vu = ppc::vmm::vhost_user;

constexpr vu::Request kRequests[] = {
    vu::Request::GetFeatures,    vu::Request::SetFeatures,        vu::Request::SetOwner,
    vu::Request::SetMemTable,    vu::Request::SetVringNum,        vu::Request::SetVringAddr,
    vu::Request::SetVringBase,   vu::Request::GetVringBase,       vu::Request::SetVringKick,
    vu::Request::SetVringCall,   vu::Request::GetProtocolFeatures, vu::Request::SetProtocolFeatures,
    vu::Request::SetVringEnable,
};

[[noreturn]] void fail(const char* what) {
  std::fprintf(stderr, "vhost_user_fuzzer: %s\n", what);
  std::abort();
}

void decode_one(std::span<const uint8_t> in) {
  if (in.empty()) return;
  const vu::Request request = kRequests[in[0] % std::size(kRequests)];
  try {
    const vu::ReplyPayload payload = vu::decode_reply(request, in.subspan(1));
    // Accepted only when it is exactly a well-formed reply to this request.
    if (in.size() - 1 != vu::kHeaderSize + vu::kReplyPayloadSize) fail("accepted a reply of the wrong length");
    (void)vu::decode_u64(payload);
    (void)vu::decode_vring_state(payload);
  } catch (const Error&) {
  }
}

// Every step after the first failure must fail at once, without touching the socket.
template <typename Fn>
void step(VhostUserFrontend& frontend, bool& broken, Fn&& fn) {
  try {
    fn();
    if (broken) fail("a call succeeded on a broken connection");
  } catch (const Error&) {
    if (!frontend.broken()) fail("an error left the connection in step");
    broken = true;
  }
}

void converse(std::span<const uint8_t> backend_output) {
  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) return;
  UniqueFd ours(sv[0]), theirs(sv[1]);
  // Inputs are at most a few KiB: they fit in the socket buffer in one go.
  if (!backend_output.empty() &&
      ::send(theirs.get(), backend_output.data(), backend_output.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(backend_output.size()))
    return;
  ::shutdown(theirs.get(), SHUT_WR);  // then end-of-file: no input can make the frontend wait
  VhostUserFrontend frontend(std::move(ours), std::chrono::seconds(5));
  UniqueFd efd(::eventfd(0, EFD_CLOEXEC));
  bool broken = false;
  step(frontend, broken, [&] { frontend.start(); });
  step(frontend, broken, [&] {
    const vu::MemoryRegion region{0, 4096, 0x10000, 0};
    const int fds[] = {efd.get()};
    frontend.set_mem_table({&region, 1}, fds);
  });
  step(frontend, broken, [&] { frontend.set_features(1ull << 32); });
  step(frontend, broken, [&] { frontend.set_vring_num(1, 8); });
  step(frontend, broken, [&] { frontend.set_vring_addr({1, 0, 0x1000, 0x2000, 0x3000, 0}); });
  step(frontend, broken, [&] { frontend.set_vring_call(1, efd.get()); });
  step(frontend, broken, [&] { frontend.set_vring_kick(1, efd.get()); });
  step(frontend, broken, [&] { frontend.set_vring_enable(1, true); });
  step(frontend, broken, [&] { frontend.get_vring_base(1); });
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::span<const uint8_t> rest(data + 1, size - 1);
  if (data[0] % 2 == 0) decode_one(rest);
  else converse(rest);
  return 0;
}
