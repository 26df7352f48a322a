#include "virtio/vhost_user.h"

#include <gtest/gtest.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <vector>

#include "base/error.h"
#include "memory/guest_memory.h"
#include "virtio/fake_vhost_user_backend.h"

namespace ppc::vmm {
namespace {

using namespace std::chrono_literals;
using testing::BackendMessage;
using testing::FakeBackend;

constexpr uint32_t kGetFeatures = 1, kSetFeatures = 2, kSetOwner = 3, kSetMemTable = 5, kSetVringNum = 8,
                   kGetVringBase = 11, kSetVringKick = 12, kGetProtocolFeatures = 15, kSetProtocolFeatures = 16;

std::string error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  return "<no error>";
}

std::vector<uint32_t> requests(const std::vector<BackendMessage>& messages) {
  std::vector<uint32_t> out;
  for (const auto& m : messages) out.push_back(m.request);
  return out;
}

TEST(VhostUserFrontend, StartNegotiatesReplyAckThenConfirmsSetOwner) {
  FakeBackend backend;
  backend.serve();
  VhostUserFrontend frontend(backend.take_frontend_end(), 20s);
  EXPECT_EQ(frontend.start(), FakeBackend::kVirtiofsdFeatures);
  const auto got = backend.wait_for(4);
  ASSERT_EQ(requests(got), (std::vector<uint32_t>{kGetFeatures, kGetProtocolFeatures, kSetProtocolFeatures, kSetOwner}));
  EXPECT_EQ(got[0].flags, 1u);  // version 1, no NEED_REPLY: a GET is answered anyway
  EXPECT_TRUE(got[0].payload.empty());
  EXPECT_EQ(got[2].flags, 1u);  // REPLY_ACK is not in force until this is through
  EXPECT_EQ(got[2].field<uint64_t>(0), 1ull << 3);
  EXPECT_EQ(got[3].flags, 1u | 8u);
  EXPECT_FALSE(frontend.broken());
}

TEST(VhostUserFrontend, StartRefusesABackendWithoutProtocolFeaturesOrReplyAck) {
  {
    FakeBackend backend;
    backend.serve(FakeBackend::virtiofsd(1ull << 32));
    VhostUserFrontend frontend(backend.take_frontend_end(), 20s);
    EXPECT_NE(error_of([&] { frontend.start(); }).find("no protocol features"), std::string::npos);
    EXPECT_TRUE(frontend.broken());
  }
  {
    FakeBackend backend;
    backend.serve(FakeBackend::virtiofsd(FakeBackend::kVirtiofsdFeatures, 0x1));
    VhostUserFrontend frontend(backend.take_frontend_end(), 20s);
    EXPECT_NE(error_of([&] { frontend.start(); }).find("lacks REPLY_ACK"), std::string::npos);
    EXPECT_TRUE(frontend.broken());
  }
}

TEST(VhostUserFrontend, FdsRideOnTheirMessages) {
  FakeBackend backend;
  backend.serve();
  VhostUserFrontend frontend(backend.take_frontend_end(), 20s);
  frontend.start();
  UniqueFd kick(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  frontend.set_vring_kick(1, kick.get());
  GuestMemory mem(1 << 20, RamBacking::Shared);
  const vhost_user::MemoryRegion region{0, mem.size(), reinterpret_cast<uint64_t>(mem.host_base()), 0};
  const int fds[] = {mem.fd()};
  frontend.set_mem_table({&region, 1}, fds);

  const auto got = backend.wait_for(6);
  ASSERT_EQ(got.size(), 6u);
  const BackendMessage& k = got[4];
  EXPECT_EQ(k.request, kSetVringKick);
  EXPECT_EQ(k.field<uint64_t>(0), 1u);  // ring 1, fd attached
  ASSERT_EQ(k.fds.size(), 1u);
  // The backend's copy is our eventfd: a kick through it is one we can read.
  const uint64_t one = 1;
  ASSERT_EQ(::write(k.fds[0]->get(), &one, sizeof one), 8);
  uint64_t count = 0;
  EXPECT_EQ(::read(kick.get(), &count, sizeof count), 8);
  EXPECT_EQ(count, 1u);

  const BackendMessage& t = got[5];
  EXPECT_EQ(t.request, kSetMemTable);
  ASSERT_EQ(t.payload.size(), 8u + 32u);
  EXPECT_EQ(t.field<uint32_t>(0), 1u);
  EXPECT_EQ(t.field<uint64_t>(8), 0u);
  EXPECT_EQ(t.field<uint64_t>(16), mem.size());
  EXPECT_EQ(t.field<uint64_t>(24), reinterpret_cast<uint64_t>(mem.host_base()));
  EXPECT_EQ(t.field<uint64_t>(32), 0u);
  ASSERT_EQ(t.fds.size(), 1u);
  struct stat ours {}, theirs {};
  ASSERT_EQ(::fstat(mem.fd(), &ours), 0);
  ASSERT_EQ(::fstat(t.fds[0]->get(), &theirs), 0);
  EXPECT_EQ(ours.st_ino, theirs.st_ino);
  EXPECT_EQ(ours.st_dev, theirs.st_dev);
}

TEST(VhostUserFrontend, GetVringBaseReturnsTheBackendsIndexForTheRightRing) {
  FakeBackend backend;
  backend.serve([](const BackendMessage& m, FakeBackend& b) {
    if (m.request != kGetVringBase) return FakeBackend::virtiofsd()(m, b);
    const uint32_t state[2] = {m.field<uint32_t>(0), 7};
    const uint32_t wrong[2] = {m.field<uint32_t>(0) + 1, 7};
    b.reply(FakeBackend::message(kGetVringBase, 5, 8, m.field<uint32_t>(0) == 0 ? state : wrong, 8));
    return true;
  });
  VhostUserFrontend frontend(backend.take_frontend_end(), 20s);
  frontend.start();
  EXPECT_EQ(frontend.get_vring_base(0), 7u);
  EXPECT_NE(error_of([&] { frontend.get_vring_base(1); }).find("answered for ring 2"), std::string::npos);
  EXPECT_TRUE(frontend.broken());
}

// After start(), SET_FEATURES gets `bad` as its answer.
struct BadReply {
  const char* name;
  std::function<void(FakeBackend&)> answer;
  const char* expected;  // in the error message
};

void PrintTo(const BadReply& bad, std::ostream* os) { *os << bad.name; }

class BadReplies : public ::testing::TestWithParam<BadReply> {};

TEST_P(BadReplies, AreRefusedAndBreakTheConnection) {
  const BadReply& bad = GetParam();
  FakeBackend backend;
  backend.serve([&bad](const BackendMessage& m, FakeBackend& b) {
    if (m.request != kSetFeatures) return FakeBackend::virtiofsd()(m, b);
    bad.answer(b);
    return true;
  });
  // Short only where the wait is the point: a loaded machine must not turn a reply into silence.
  const bool silent = std::string(bad.name) == "Silence";
  VhostUserFrontend frontend(backend.take_frontend_end(), silent ? 300ms : 20s);
  frontend.start();
  const std::string first = error_of([&] { frontend.set_features(1ull << 32); });
  EXPECT_NE(first.find(bad.expected), std::string::npos) << first;
  EXPECT_TRUE(frontend.broken());
  // Nothing more is sent: the stream is out of step.
  const std::string later = error_of([&] { frontend.set_vring_num(0, 8); });
  EXPECT_NE(later.find("broke earlier"), std::string::npos) << later;
  EXPECT_NE(later.find(bad.expected), std::string::npos) << later;
  backend.stop();
  for (const auto& m : backend.received()) EXPECT_NE(m.request, kSetVringNum);
}

const uint64_t kZero = 0, kOne = 1;
const BadReply kBadReplies[] = {
    {"OtherRequest", [](FakeBackend& b) { b.reply(FakeBackend::message(kSetOwner, 5, 8, &kZero, 8)); },
     "reply to SET_OWNER where one to SET_FEATURES was due"},
    {"UnknownRequest", [](FakeBackend& b) { b.reply(FakeBackend::message(999, 5, 8, &kZero, 8)); }, "request 999"},
    {"Version2", [](FakeBackend& b) { b.reply(FakeBackend::message(kSetFeatures, 6, 8, &kZero, 8)); }, "version 2"},
    {"NoReplyFlag", [](FakeBackend& b) { b.reply(FakeBackend::message(kSetFeatures, 1, 8, &kZero, 8)); }, "lacks the reply flag"},
    {"ShortPayload", [](FakeBackend& b) { b.reply(FakeBackend::message(kSetFeatures, 5, 4, &kZero, 4)); }, "announces 4 payload bytes"},
    {"HugePayload", [](FakeBackend& b) { b.reply(FakeBackend::message(kSetFeatures, 5, 0xffffffff, &kZero, 8)); },
     "announces 4294967295 payload bytes"},
    {"Refused", [](FakeBackend& b) { b.reply(FakeBackend::message(kSetFeatures, 5, 8, &kOne, 8)); }, "refused it (status 0x1)"},
    {"WithAnFd", [](FakeBackend& b) { b.reply(FakeBackend::message(kSetFeatures, 5, 8, &kZero, 8), STDERR_FILENO); },
     "passed file descriptors"},
    {"HalfAHeader", [](FakeBackend& b) {
       b.reply(std::vector<uint8_t>(6, 0));
       b.stop_writing();
     }, "6 of 12 bytes"},
    {"HeaderOnly", [](FakeBackend& b) {
       b.reply(FakeBackend::message(kSetFeatures, 5, 8, nullptr, 0));
       b.stop_writing();
     }, "closed the connection"},
    {"Hangup", [](FakeBackend& b) { b.stop_writing(); }, "closed the connection"},
    {"Silence", [](FakeBackend&) {}, "no answer in time"},
};

INSTANTIATE_TEST_SUITE_P(VhostUserFrontend, BadReplies, ::testing::ValuesIn(kBadReplies),
                         [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace ppc::vmm
