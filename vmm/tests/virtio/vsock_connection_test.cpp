#include "virtio/vsock_connection.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

namespace ppc::vmm {
namespace {

using Step = VsockConnection::GuestStep;
constexpr uint64_t kCid = 42;
constexpr uint32_t kLocalPort = 1500, kGuestPort = 52;
constexpr uint32_t kWindow = VsockConnection::kBufAlloc;

VsockHeader from_guest(uint16_t op, uint32_t buf_alloc = 4096, uint32_t fwd_cnt = 0) {
  VsockHeader h;
  h.src_cid = kCid;
  h.dst_cid = vsock::kHostCid;
  h.src_port = kGuestPort;
  h.dst_port = kLocalPort;
  h.type = vsock::kTypeStream;
  h.op = op;
  h.buf_alloc = buf_alloc;
  h.fwd_cnt = fwd_cnt;
  return h;
}

std::string text(std::span<const uint8_t> bytes) { return std::string(bytes.begin(), bytes.end()); }

// A host-initiated connection the guest accepted, its hello written to the host.
VsockConnection established(uint32_t guest_window = 4096) {
  VsockConnection c = VsockConnection::host_initiated(kCid, kLocalPort, kGuestPort);
  EXPECT_EQ(c.on_guest_packet(from_guest(vsock::kOpResponse, guest_window)), Step::kFlushHost);
  c.host_took(c.host_bound().size());
  return c;
}

// Guest data through the host-bound buffer and out to the host socket.
void forward(VsockConnection& c, uint32_t n) {
  ASSERT_TRUE(c.reserve_host_bound(n).has_value());
  c.host_took(n);
}

TEST(VsockCreditTest, IsTheWindowLessWhatIsInFlight) {
  EXPECT_EQ(vsock::credit(1000, 0, 0), 1000u);
  EXPECT_EQ(vsock::credit(1000, 600, 100), 500u);
  EXPECT_EQ(vsock::credit(1000, 1000, 0), 0u);
  EXPECT_EQ(vsock::credit(0xffffffff, 0, 0), 0xffffffffu);
}

TEST(VsockCreditTest, CountersWrapAround) {
  EXPECT_EQ(vsock::credit(1000, 0x10, 0xfffffff0), 1000u - 0x20);   // tx_cnt wrapped first
  EXPECT_EQ(vsock::credit(1000, 0xfffffff0, 0xfffffff0), 1000u);   // both near the top
  EXPECT_EQ(vsock::credit(1000, 0x100, 0x80), 1000u - 0x80);           // both wrapped
}

TEST(VsockCreditTest, ShrunkWindowOrOverclaimedFwdCntGivesNone) {
  EXPECT_EQ(vsock::credit(100, 500, 0), 0u);         // window below what is in flight
  EXPECT_EQ(vsock::credit(256 * 1024, 5, 10), 0u);   // the peer took more than was sent
  EXPECT_EQ(vsock::credit(1000, 0xfffffff0, 0x10), 0u);
}

TEST(VsockCreditTest, UpdateIsDueAtTheThresholdAcrossTheWrap) {
  EXPECT_FALSE(vsock::credit_update_due(999, 0, 1000));
  EXPECT_TRUE(vsock::credit_update_due(1000, 0, 1000));
  EXPECT_FALSE(vsock::credit_update_due(0x100, 0xfffffe00, 0x400));  // 0x300 since
  EXPECT_TRUE(vsock::credit_update_due(0x200, 0xfffffe00, 0x400));
  EXPECT_FALSE(vsock::credit_update_due(0, 0, 1));
}

TEST(VsockConnectionTest, HostInitiatedWaitsForTheGuestsResponse) {
  VsockConnection c = VsockConnection::host_initiated(kCid, kLocalPort, kGuestPort);
  EXPECT_TRUE(c.connecting());
  const VsockHeader req = c.header(vsock::kOpRequest);
  EXPECT_EQ(req.src_cid, vsock::kHostCid);
  EXPECT_EQ(req.dst_cid, kCid);
  EXPECT_EQ(req.src_port, kLocalPort);
  EXPECT_EQ(req.dst_port, kGuestPort);
  EXPECT_EQ(req.type, vsock::kTypeStream);
  EXPECT_EQ(req.op, vsock::kOpRequest);
  EXPECT_EQ(req.len, 0u);
  EXPECT_EQ(req.buf_alloc, kWindow);
  EXPECT_EQ(req.fwd_cnt, 0u);
  EXPECT_TRUE(c.flushed());
  EXPECT_FALSE(c.finished());

  EXPECT_EQ(c.on_guest_packet(from_guest(vsock::kOpResponse, 1234)), Step::kFlushHost);
  EXPECT_FALSE(c.connecting());
  EXPECT_EQ(c.peer_credit(), 1234u);
}

TEST(VsockConnectionTest, AnythingButResponseWhileConnectingIsReset) {
  for (const uint16_t op : {vsock::kOpRequest, vsock::kOpRw, vsock::kOpShutdown, vsock::kOpCreditUpdate,
                            vsock::kOpCreditRequest, uint16_t{99}}) {
    VsockConnection c = VsockConnection::host_initiated(kCid, kLocalPort, kGuestPort);
    EXPECT_EQ(c.on_guest_packet(from_guest(op)), Step::kReset) << op;
  }
}

TEST(VsockConnectionTest, HelloGoesToTheHostAheadOfData) {
  VsockConnection c = VsockConnection::host_initiated(kCid, kLocalPort, kGuestPort);
  c.on_guest_packet(from_guest(vsock::kOpResponse));
  ASSERT_TRUE(c.hello_pending());
  EXPECT_EQ(text(c.host_bound()), "OK 1500\n");
  auto room = c.reserve_host_bound(4);  // guest data may arrive before the hello is out
  ASSERT_TRUE(room.has_value());
  std::memcpy(room->data(), "data", 4);
  c.host_took(3);  // the host socket took part of the hello
  EXPECT_EQ(text(c.host_bound()), "1500\n");
  c.host_took(5);
  EXPECT_FALSE(c.hello_pending());
  EXPECT_EQ(text(c.host_bound()), "data");
  EXPECT_EQ(c.header(vsock::kOpRw).fwd_cnt, 0u) << "the hello is not guest data";
  c.host_took(4);
  EXPECT_TRUE(c.flushed());
  EXPECT_EQ(c.header(vsock::kOpRw).fwd_cnt, 4u);
}

TEST(VsockConnectionTest, GuestInitiatedIsOpenWithTheRequestsWindow) {
  VsockHeader req = from_guest(vsock::kOpRequest, 5000, 0);
  const VsockConnection c = VsockConnection::guest_initiated(kCid, req);
  EXPECT_FALSE(c.connecting());
  EXPECT_EQ(c.local_port(), kLocalPort);
  EXPECT_EQ(c.guest_port(), kGuestPort);
  EXPECT_EQ(c.peer_credit(), 5000u);
  EXPECT_FALSE(c.hello_pending()) << "no hello towards a host listener";
  const VsockHeader resp = c.header(vsock::kOpResponse);
  EXPECT_EQ(resp.dst_port, kGuestPort);
  EXPECT_EQ(resp.src_port, kLocalPort);
}

TEST(VsockConnectionTest, OpsOnAnOpenStream) {
  VsockConnection c = established();
  EXPECT_EQ(c.on_guest_packet(from_guest(vsock::kOpRw)), Step::kReceive);
  EXPECT_EQ(c.on_guest_packet(from_guest(vsock::kOpCreditUpdate, 9000)), Step::kNothing);
  EXPECT_EQ(c.peer_credit(), 9000u) << "every header restates the window";
  EXPECT_EQ(c.on_guest_packet(from_guest(vsock::kOpCreditRequest, 9000)), Step::kCreditUpdate);
  for (const uint16_t op : {vsock::kOpRequest, vsock::kOpResponse, uint16_t{0}, uint16_t{8}, uint16_t{0xffff}}) {
    VsockConnection fresh = established();
    EXPECT_EQ(fresh.on_guest_packet(from_guest(op)), Step::kReset) << op;
  }
}

TEST(VsockConnectionTest, HostDataIsCountedAgainstTheGuestsWindow) {
  VsockConnection c = established(1000);
  const VsockHeader h = c.data_header(600);
  EXPECT_EQ(h.op, vsock::kOpRw);
  EXPECT_EQ(h.len, 600u);
  EXPECT_EQ(c.peer_credit(), 400u);
  c.data_header(400);
  EXPECT_EQ(c.peer_credit(), 0u);
  c.on_guest_packet(from_guest(vsock::kOpCreditUpdate, 1000, 700));  // the guest read 700
  EXPECT_EQ(c.peer_credit(), 700u);
  c.on_guest_packet(from_guest(vsock::kOpCreditUpdate, 100, 700));  // and shrank its window
  EXPECT_EQ(c.peer_credit(), 0u);
}

TEST(VsockConnectionTest, TxCountWrapsAround) {
  VsockConnection c = established(1000);
  c.data_header(0xfffffff0);  // pure accounting: as if that much had been sent
  c.on_guest_packet(from_guest(vsock::kOpCreditUpdate, 1000, 0xfffffff0));
  EXPECT_EQ(c.peer_credit(), 1000u);
  c.data_header(0x20);  // tx_cnt wraps to 0x10
  EXPECT_EQ(c.peer_credit(), 1000u - 0x20);
  c.on_guest_packet(from_guest(vsock::kOpCreditUpdate, 1000, 0x10));  // so does the guest's fwd_cnt
  EXPECT_EQ(c.peer_credit(), 1000u);
}

TEST(VsockConnectionTest, GuestMayNotOverrunOurWindow) {
  VsockConnection c = established();
  EXPECT_FALSE(c.reserve_host_bound(kWindow + 1).has_value());
  ASSERT_TRUE(c.reserve_host_bound(kWindow - 10).has_value());
  EXPECT_FALSE(c.reserve_host_bound(11).has_value());
  ASSERT_TRUE(c.reserve_host_bound(10).has_value());
  EXPECT_FALSE(c.reserve_host_bound(1).has_value());
  c.host_took(100);  // what the host took frees window
  EXPECT_FALSE(c.reserve_host_bound(101).has_value());
  EXPECT_TRUE(c.reserve_host_bound(100).has_value());
  EXPECT_FALSE(c.reserve_host_bound(0xffffffff).has_value());
}

TEST(VsockConnectionTest, HostBoundBytesStayInOrderAcrossCompaction) {
  VsockConnection c = established();
  std::string sent, got;
  uint8_t next = 0;
  for (int round = 0; round < 40; ++round) {
    const uint32_t n = 7000 + static_cast<uint32_t>(round) * 13;
    auto room = c.reserve_host_bound(n);
    ASSERT_TRUE(room.has_value());
    for (uint8_t& b : *room) sent.push_back(static_cast<char>(b = next++));
    const auto pending = c.host_bound();
    const size_t take = pending.size() / 2 + 1;  // the host lags behind
    got.append(pending.begin(), pending.begin() + static_cast<std::ptrdiff_t>(take));
    c.host_took(take);
  }
  const auto rest = c.host_bound();
  got.append(rest.begin(), rest.end());
  c.host_took(rest.size());
  EXPECT_TRUE(got == sent);
  EXPECT_EQ(c.header(vsock::kOpRw).fwd_cnt, static_cast<uint32_t>(sent.size()));
}

TEST(VsockConnectionTest, CreditUpdateIsDueAfterTheThresholdAndStampingResetsIt) {
  VsockConnection c = established();
  forward(c, VsockConnection::kCreditUpdateThreshold - 1);
  EXPECT_FALSE(c.credit_update_due());
  forward(c, 1);
  EXPECT_TRUE(c.credit_update_due());

  ASSERT_TRUE(c.mark_credit_update_queued());
  EXPECT_FALSE(c.mark_credit_update_queued()) << "one queued update is enough";
  forward(c, 5);  // forwarded while the update waited for an rx buffer
  VsockHeader u = c.header(vsock::kOpCreditUpdate);
  u.fwd_cnt = 0;
  c.stamp_window(u);
  EXPECT_EQ(u.fwd_cnt, VsockConnection::kCreditUpdateThreshold + 5);
  EXPECT_FALSE(c.credit_update_due());
  EXPECT_TRUE(c.mark_credit_update_queued()) << "delivered: the next may be queued";
}

TEST(VsockConnectionTest, DataHeaderAdvertisesOurWindow) {
  VsockConnection c = established();
  forward(c, VsockConnection::kCreditUpdateThreshold);
  ASSERT_TRUE(c.credit_update_due());
  EXPECT_EQ(c.data_header(1).fwd_cnt, VsockConnection::kCreditUpdateThreshold);
  EXPECT_FALSE(c.credit_update_due());
  // Stamping another control packet advertises too, but leaves a queued update queued.
  forward(c, VsockConnection::kCreditUpdateThreshold);
  ASSERT_TRUE(c.mark_credit_update_queued());
  VsockHeader shutdown = c.header(vsock::kOpShutdown);
  c.stamp_window(shutdown);
  EXPECT_FALSE(c.credit_update_due());
  EXPECT_FALSE(c.mark_credit_update_queued());
}

TEST(VsockConnectionTest, GuestSendShutdownReachesTheHostAfterItsData) {
  VsockConnection c = established();
  ASSERT_TRUE(c.reserve_host_bound(10).has_value());
  VsockHeader shut = from_guest(vsock::kOpShutdown);
  shut.flags = vsock::kShutdownSend;
  EXPECT_EQ(c.on_guest_packet(shut), Step::kFlushHost);
  EXPECT_FALSE(c.take_host_write_shutdown()) << "data still buffered";
  EXPECT_FALSE(c.reserve_host_bound(1).has_value()) << "data after the guest's send-shutdown";
  c.host_took(10);
  EXPECT_TRUE(c.take_host_write_shutdown());
  EXPECT_FALSE(c.take_host_write_shutdown()) << "once";
  EXPECT_FALSE(c.finished()) << "the host may still send";
  EXPECT_TRUE(c.host_to_guest_open());
  c.on_host_eof();
  EXPECT_TRUE(c.finished());
}

TEST(VsockConnectionTest, HostEofBecomesShutdownSend) {
  VsockConnection c = established();
  const VsockHeader h = c.on_host_eof();
  EXPECT_EQ(h.op, vsock::kOpShutdown);
  EXPECT_EQ(h.flags, vsock::kShutdownSend);
  EXPECT_EQ(h.dst_port, kGuestPort);
  EXPECT_FALSE(c.host_to_guest_open());
  EXPECT_FALSE(c.finished()) << "the guest may still send";
}

TEST(VsockConnectionTest, FinishedOnceBothDirectionsAreDone) {
  VsockConnection c = established();
  VsockHeader rcv = from_guest(vsock::kOpShutdown);
  rcv.flags = vsock::kShutdownRcv;
  c.on_guest_packet(rcv);
  EXPECT_FALSE(c.host_to_guest_open());
  EXPECT_FALSE(c.finished());
  ASSERT_TRUE(c.reserve_host_bound(3).has_value());
  VsockHeader both = from_guest(vsock::kOpShutdown);
  both.flags = vsock::kShutdownRcv | vsock::kShutdownSend;
  c.on_guest_packet(both);
  EXPECT_FALSE(c.finished()) << "three bytes have not reached the host";
  c.host_took(3);
  EXPECT_TRUE(c.finished());
}

TEST(VsockConnectionTest, ShutdownWithoutFlagsChangesNothing) {
  VsockConnection c = established();
  EXPECT_EQ(c.on_guest_packet(from_guest(vsock::kOpShutdown)), Step::kFlushHost);
  EXPECT_TRUE(c.host_to_guest_open());
  ASSERT_TRUE(c.reserve_host_bound(1).has_value()) << "the guest may still send";
  c.host_took(1);
  EXPECT_FALSE(c.take_host_write_shutdown());
}

}  // namespace
}  // namespace ppc::vmm
