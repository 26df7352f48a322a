#include "protocol/stdio_pump.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <future>
#include <thread>

#include "expect_error.h"
#include "protocol/stdio_router.h"

namespace ppc::protocol {
namespace {

struct Pipe {
  UniqueFd read, write;
};

Pipe make_pipe() {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw_errno("pipe2");
  return {UniqueFd(fds[0]), UniqueFd(fds[1])};
}

size_t pipe_capacity(int fd) {
  const int size = ::fcntl(fd, F_GETPIPE_SZ);
  if (size < 0) throw_errno("F_GETPIPE_SZ");
  return static_cast<size_t>(size);
}

std::vector<uint8_t> pattern(size_t size) {
  std::vector<uint8_t> out(size);
  uint32_t seed = 7;
  for (uint8_t& b : out) {
    seed = seed * 1664525u + 1013904223u;
    b = static_cast<uint8_t>(seed >> 24);
  }
  return out;
}

void write_all(int fd, const std::vector<uint8_t>& data) {
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    ASSERT_GT(n, 0);
    done += static_cast<size_t>(n);
  }
}

std::vector<uint8_t> read_all(int fd) {
  std::vector<uint8_t> out;
  uint8_t buffer[65536];
  ssize_t n;
  while ((n = ::read(fd, buffer, sizeof buffer)) > 0) out.insert(out.end(), buffer, buffer + n);
  return out;
}

// Both ends of one connection, each with a reader thread routing stdio, as agent and host do.
class Link {
 public:
  Link() {
    int fds[2];
    if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) throw_errno("socketpair");
    a_ = std::make_unique<Connection>(UniqueFd(fds[0]));
    b_ = std::make_unique<Connection>(UniqueFd(fds[1]));
  }
  ~Link() {
    a_->shutdown();
    b_->shutdown();
    for (auto& r : readers_) r.get();
  }
  void start_readers() {
    readers_.push_back(std::async(std::launch::async, [this] { pump(*a_, router_a); }));
    readers_.push_back(std::async(std::launch::async, [this] { pump(*b_, router_b); }));
  }
  Connection& a() { return *a_; }
  Connection& b() { return *b_; }
  StdioRouter router_a, router_b;
  std::string reader_error;

 private:
  void pump(Connection& c, StdioRouter& router) {
    try {
      while (std::optional<Message> m = c.receive()) {
        if (!router.route(*m)) reader_error = "a non-stdio message arrived";
      }
    } catch (const Error& e) {
      reader_error = e.what();
    }
  }
  std::unique_ptr<Connection> a_, b_;
  std::vector<std::future<void>> readers_;
};

// One stream "init" from a pipe on side a to a pipe on side b, both ends routed, the readers
// running; the test writes to source.write and reads sink.read.
struct RoutedStream {
  explicit RoutedStream(StdioStream stream)
      : sender(std::make_shared<StreamSender>(link.a(), "init", stream, std::move(source.read))),
        receiver(std::make_shared<StreamReceiver>(link.b(), "init", stream, std::move(sink.write))) {
    link.router_a.add("init", stream, sender);
    link.router_b.add("init", stream, receiver);
    link.start_readers();
  }
  Link link;
  Pipe source = make_pipe(), sink = make_pipe();
  std::shared_ptr<StreamSender> sender;
  std::shared_ptr<StreamReceiver> receiver;
};

// 10 MiB from a pipe on one side to a pipe on the other, through the credit rule: a
// receiver would throw (and the reader record it) if the sender ever overran its window,
// and while nobody reads the sink the writer is held back.
TEST(StdioPump, TenMebibytesArriveIntactAndEndWithEof) {
  const std::vector<uint8_t> data = pattern(10 * 1024 * 1024);
  Link link;
  Pipe source = make_pipe(), sink = make_pipe();
  auto sender = std::make_shared<StreamSender>(link.a(), "init", StdioStream::kStdout, std::move(source.read));
  auto receiver = std::make_shared<StreamReceiver>(link.b(), "init", StdioStream::kStdout, std::move(sink.write));
  link.router_a.add("init", StdioStream::kStdout, sender);
  link.router_b.add("init", StdioStream::kStdout, receiver);
  link.start_readers();
  std::thread send_thread([&] { sender->run(); });
  std::thread receive_thread([&] { receiver->run(); });
  // The writer goes in small chunks and counts them, so that how far it got can be seen.
  constexpr size_t kChunk = 4096;
  std::atomic<size_t> written{0};
  const size_t in_pipes = pipe_capacity(source.write.get()) + pipe_capacity(sink.read.get());
  std::thread writer([&] {
    for (size_t at = 0; at < data.size(); at += kChunk) {
      write_all(source.write.get(), std::vector<uint8_t>(data.begin() + at, data.begin() + at + kChunk));
      written += kChunk;
    }
    source.write.reset();
  });
  // A slow reader: the writer blocks instead of the receiver buffering everything. Until the
  // sink is read, the pipes and one credit window hold all that left the writer.
  size_t seen = SIZE_MAX;
  for (int i = 0; i < 100 && written.load() != seen; ++i) {
    seen = written.load();
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  EXPECT_EQ(written.load(), seen) << "the writer never stopped";
  EXPECT_LE(seen, in_pipes + kStdioWindow + kChunk) << "more left the writer than the pipes and the window hold";
  EXPECT_GT(seen, 0u);
  const std::vector<uint8_t> got = read_all(sink.read.get());
  writer.join();
  send_thread.join();
  receive_thread.join();
  EXPECT_EQ(got.size(), data.size());
  EXPECT_TRUE(got == data);
  EXPECT_EQ(link.reader_error, "");
}

// A receiver whose reader is gone keeps granting, so the sender finishes instead of
// stalling on a window that never reopens.
TEST(StdioPump, AVanishedReaderDoesNotStallTheSender) {
  const std::vector<uint8_t> data = pattern(2 * 1024 * 1024);
  Link link;
  Pipe source = make_pipe(), sink = make_pipe();
  sink.read.reset();  // writes to the sink now fail with EPIPE (SIGPIPE ignored below)
  ::signal(SIGPIPE, SIG_IGN);
  auto sender = std::make_shared<StreamSender>(link.a(), "x", StdioStream::kStdin, std::move(source.read));
  auto receiver = std::make_shared<StreamReceiver>(link.b(), "x", StdioStream::kStdin, std::move(sink.write));
  link.router_a.add("x", StdioStream::kStdin, sender);
  link.router_b.add("x", StdioStream::kStdin, receiver);
  link.start_readers();
  std::thread writer([&] {
    write_all(source.write.get(), data);
    source.write.reset();
  });
  std::thread receive_thread([&] { receiver->run(); });
  sender->run();  // returns only once all 2 MiB were granted back and StdioClose went out
  writer.join();
  receive_thread.join();
  EXPECT_EQ(link.reader_error, "");
}

// A background process may hold the output open after the process ended: once told, the
// sender ends the stream after the quiet period.
TEST(StdioPump, TheStreamEndsAfterTheWriterExitedAndWentQuiet) {
  RoutedStream s(StdioStream::kStderr);
  write_all(s.source.write.get(), {'h', 'i'});
  std::thread receive_thread([&] { s.receiver->run(); });
  auto done = std::async(std::launch::async, [&] { s.sender->run(); });
  EXPECT_EQ(done.wait_for(std::chrono::milliseconds(300)), std::future_status::timeout);
  s.sender->source_writer_exited(std::chrono::milliseconds(100));
  const bool ended = done.wait_for(std::chrono::seconds(5)) == std::future_status::ready;
  s.source.write.reset();  // EOF ends a sender that missed the news: the test fails, not hangs
  done.get();
  EXPECT_TRUE(ended) << "the sender did not end after its writer exited and went quiet";
  receive_thread.join();
  EXPECT_EQ(read_all(s.sink.read.get()), (std::vector<uint8_t>{'h', 'i'}));  // EOF after the data
}

// The host's stdin may never end (a terminal, a pipe kept open): once the process is gone,
// cancel() ends the sender while its source is silent, without a StdioClose. The sender
// waits for its source with no timeout, so only the wake-up can end it here.
TEST(StdioPump, CancelEndsTheSenderWhileItsSourceIsSilent) {
  RoutedStream s(StdioStream::kStdin);
  auto done = std::async(std::launch::async, [&] { s.sender->run(); });
  EXPECT_EQ(done.wait_for(std::chrono::milliseconds(300)), std::future_status::timeout);
  s.sender->cancel();
  const bool ended = done.wait_for(std::chrono::seconds(5)) == std::future_status::ready;
  s.source.write.reset();  // EOF ends a sender that missed the cancel: the test fails, not hangs
  done.get();
  EXPECT_TRUE(ended) << "cancel() did not end the sender of a silent source";
  s.receiver->cancel();  // no StdioClose came: the receiver ends only when told
  s.receiver->run();
  EXPECT_EQ(s.link.reader_error, "");
}

TEST(StdioRouter, RoutesOnlyStdioAndRefusesUnknownStreams) {
  StdioRouter router;
  Message ok = Ok{};
  EXPECT_FALSE(router.route(ok));
  Message data = StdioData{"nobody", StdioStream::kStdin, {1}};
  EXPECT_ERROR(router.route(data), "StdioData for unknown stream nobody stdin");
  Message close = StdioClose{"nobody", StdioStream::kStdout};
  EXPECT_ERROR(router.route(close), "StdioClose for unknown stream nobody stdout");
  // A grant may cross the sender's own StdioClose on the wire: accepted and dropped.
  Message window = StdioWindow{"nobody", StdioStream::kStdout, 10};
  EXPECT_TRUE(router.route(window));
}

TEST(StdioPump, DataBeyondTheCreditIsAProtocolError) {
  Link link;
  Pipe sink = make_pipe();
  StreamReceiver receiver(link.b(), "init", StdioStream::kStdout, std::move(sink.write));
  receiver.deliver(std::vector<uint8_t>(kStdioWindow, 0));
  EXPECT_ERROR(receiver.deliver(std::vector<uint8_t>(1, 0)), "1 bytes sent with 0 bytes of credit");
}

}  // namespace
}  // namespace ppc::protocol
