#include "protocol/connection.h"

#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <map>
#include <thread>
#include <utility>
#include <vector>

#include "expect_error.h"
#include "protocol/codec.h"
#include "protocol/stdio_credit.h"
#include "samples.h"

namespace ppc::protocol {
namespace {

std::pair<UniqueFd, UniqueFd> socket_pair() {
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) throw_errno("socketpair");
  return {UniqueFd(fds[0]), UniqueFd(fds[1])};
}

std::vector<uint8_t> pseudo_random(size_t size, uint32_t seed) {
  std::vector<uint8_t> out(size);
  for (uint8_t& byte : out) {
    seed = seed * 1664525u + 1013904223u;
    byte = static_cast<uint8_t>(seed >> 24);
  }
  return out;
}

TEST(Connection, EveryMessageCrossesASocket) {
  auto [a, b] = socket_pair();
  Connection host(std::move(a)), agent(std::move(b));
  const std::vector<Message> messages = testing::all_samples();
  // The big samples exceed the socket buffer: send from another thread.
  auto sender = std::async(std::launch::async, [&] {
    for (const Message& m : messages) host.send(m);
  });
  for (const Message& m : messages) {
    const std::optional<Message> got = agent.receive();
    ASSERT_TRUE(got);
    EXPECT_EQ(*got, m);
  }
  sender.get();
}

// The stdio path end to end: 10 MiB of stdout in chunks of every size up to the limit,
// paced by StdioWindow exactly as stdio_credit.h prescribes, arriving intact.
TEST(Connection, TenMebibytesOfStdioUnderFlowControl) {
  constexpr size_t kTotal = 10 * 1024 * 1024;
  const std::vector<uint8_t> source = pseudo_random(kTotal, 42);
  auto [a, b] = socket_pair();
  Connection agent(std::move(a)), host(std::move(b));

  auto writer = std::async(std::launch::async, [&] {
    StdioCredit credit;
    uint32_t seed = 7;
    size_t sent = 0;
    while (sent < kTotal) {
      if (credit.available() == 0) {
        const std::optional<Message> m = agent.receive();
        if (!m) throw Error("host went away");
        credit.grant(std::get<StdioWindow>(*m).bytes);
        continue;
      }
      seed = seed * 1664525u + 1013904223u;
      const size_t want = 1 + (seed >> 8) % kMaxStdioChunk;
      const size_t n = std::min({want, credit.available(), kTotal - sent});
      credit.spend(n);
      agent.send(StdioData{"init", StdioStream::kStdout,
                           std::vector<uint8_t>(source.begin() + sent, source.begin() + sent + n)});
      sent += n;
    }
    agent.send(StdioClose{"init", StdioStream::kStdout});
  });

  auto reader = std::async(std::launch::async, [&] {
    StdioCredit peer;  // the agent's credit as the host sees it: an overrun would throw
    std::vector<uint8_t> received;
    for (;;) {
      std::optional<Message> m = host.receive();
      if (!m) throw Error("agent went away");
      if (std::holds_alternative<StdioClose>(*m)) break;
      StdioData& data = std::get<StdioData>(*m);
      peer.spend(data.data.size());
      received.insert(received.end(), data.data.begin(), data.data.end());
      host.send(StdioWindow{"init", StdioStream::kStdout, static_cast<uint32_t>(data.data.size())});
      peer.grant(data.data.size());
    }
    return received;
  });

  writer.get();
  const std::vector<uint8_t> received = reader.get();
  ASSERT_EQ(received.size(), source.size());
  EXPECT_TRUE(received == source);
}

TEST(Connection, ConcurrentSendersNeverInterleaveFrames) {
  constexpr int kPerSender = 300;
  auto [a, b] = socket_pair();
  Connection sender(std::move(a)), receiver(std::move(b));
  const auto send_all = [&](std::string exec_id, uint32_t seed) {
    for (int i = 0; i < kPerSender; ++i) {
      sender.send(StdioData{exec_id, StdioStream::kStdout, pseudo_random(1 + (seed + i * 997) % kMaxStdioChunk, seed + i)});
    }
  };
  auto one = std::async(std::launch::async, send_all, "one", 1);
  auto two = std::async(std::launch::async, send_all, "two", 2);
  std::map<std::string, int> next;
  for (int i = 0; i < 2 * kPerSender; ++i) {
    const StdioData data = std::get<StdioData>(*receiver.receive());
    const uint32_t seed = data.exec_id == "one" ? 1 : 2;
    const int n = next[data.exec_id]++;
    ASSERT_TRUE(data.data == pseudo_random(1 + (seed + n * 997) % kMaxStdioChunk, seed + n)) << data.exec_id << n;
  }
  one.get();
  two.get();
}

TEST(Connection, CleanEndOfStreamIsNotAnError) {
  auto [a, b] = socket_pair();
  Connection agent(std::move(b));
  {
    Connection host(std::move(a));
    host.send(Shutdown{});
  }
  EXPECT_EQ(agent.receive(), std::optional<Message>(Shutdown{}));
  EXPECT_FALSE(agent.receive());
  EXPECT_FALSE(agent.receive());
}

TEST(Connection, EndOfStreamInsideAFrameIsAnError) {
  auto [a, b] = socket_pair();
  Connection agent(std::move(b));
  const std::vector<uint8_t> bytes = encode_frame(encode(Wait{"c", "init"}));
  ASSERT_EQ(::write(a.get(), bytes.data(), bytes.size() - 1), static_cast<ssize_t>(bytes.size() - 1));
  a.reset();
  EXPECT_ERROR(agent.receive(), "stream ended inside a frame of type Wait");
}

TEST(Connection, GarbageIsAnErrorForGood) {
  auto [a, b] = socket_pair();
  Connection agent(std::move(b));
  const std::string junk = "CONNECT 1024\n";
  ASSERT_EQ(::write(a.get(), junk.data(), junk.size()), static_cast<ssize_t>(junk.size()));
  EXPECT_ERROR(agent.receive(), "bad frame magic");
  EXPECT_ERROR(agent.receive(), "already failed");
}

// A whole frame read together with a broken one is still delivered, then the error: an
// agent's Hello in the same read as a frame claiming 4 GiB must not be lost to it.
TEST(Connection, WholeFramesBeforeAFramingErrorAreDelivered) {
  auto [a, b] = socket_pair();
  Connection host(std::move(b));
  std::vector<uint8_t> bytes = encode_frame(encode(Hello{kVersion, Role::kAgent}));
  const std::string junk = "CONNECT 1024\n";
  bytes.insert(bytes.end(), junk.begin(), junk.end());
  ASSERT_EQ(::write(a.get(), bytes.data(), bytes.size()), static_cast<ssize_t>(bytes.size()));
  const std::optional<Message> hello = host.receive();
  ASSERT_TRUE(hello.has_value());
  EXPECT_TRUE(std::holds_alternative<Hello>(*hello));
  EXPECT_ERROR(host.receive(), "bad frame magic");
  EXPECT_ERROR(host.receive(), "already failed");
}

TEST(Connection, SendToAClosedPeerThrowsInsteadOfSigpipe) {
  auto [a, b] = socket_pair();
  Connection host(std::move(a));
  b.reset();
  EXPECT_ERROR(host.send(Start{"c"}), "protocol: send");
}

std::atomic<int> interruptions{0};
void count_interruption(int) { interruptions.fetch_add(1, std::memory_order_relaxed); }

// Signals without SA_RESTART make blocked reads and writes fail with EINTR or return
// short: frames near the control limit, written before anyone reads, hit both.
TEST(Connection, SurvivesEintrAndShortWrites) {
  struct sigaction action = {}, previous = {};
  action.sa_handler = count_interruption;
  sigemptyset(&action.sa_mask);
  action.sa_flags = 0;
  ASSERT_EQ(::sigaction(SIGUSR1, &action, &previous), 0);
  interruptions = 0;

  std::vector<Message> messages;
  for (int i = 0; i < 6; ++i) {
    messages.push_back(CreateContainer{"c" + std::to_string(i), {{"blob", std::string(900 * 1024, 'a' + i)}}, ""});
  }
  auto [a, b] = socket_pair();
  Connection host(std::move(a)), agent(std::move(b));
  std::atomic<bool> done{false};
  std::vector<Message> received;
  std::exception_ptr failure;
  std::thread sender([&] {
    try {
      for (const Message& m : messages) host.send(m);
    } catch (...) {
      failure = std::current_exception();
    }
  });
  std::thread receiver([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // let the sender block first
    try {
      for (size_t i = 0; i < messages.size(); ++i) received.push_back(*agent.receive());
    } catch (...) {
      failure = std::current_exception();
    }
    done = true;
  });
  while (!done) {
    ::pthread_kill(sender.native_handle(), SIGUSR1);
    ::pthread_kill(receiver.native_handle(), SIGUSR1);
    std::this_thread::sleep_for(std::chrono::microseconds(500));
  }
  sender.join();
  receiver.join();
  ::sigaction(SIGUSR1, &previous, nullptr);
  if (failure) std::rethrow_exception(failure);
  EXPECT_EQ(received, messages);
  EXPECT_GT(interruptions.load(), 0);
}

}  // namespace
}  // namespace ppc::protocol
