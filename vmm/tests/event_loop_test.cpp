#include "event_loop.h"

#include <gtest/gtest.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <future>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "base/error.h"
#include "base/unique_fd.h"
#include "loop_thread_for_tests.h"

namespace ppc::vmm {
namespace {

using namespace std::chrono_literals;
constexpr auto kWait = 20s;  // generous: the tests also run under qemu-user and sanitizers

UniqueFd make_eventfd() {
  UniqueFd fd(::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK));
  if (!fd.valid()) throw_errno("eventfd");
  return fd;
}

void signal(const UniqueFd& fd) {
  const uint64_t one = 1;
  ASSERT_EQ(::write(fd.get(), &one, sizeof one), static_cast<ssize_t>(sizeof one));
}

void drain(int fd) {
  uint64_t count;
  [[maybe_unused]] ssize_t n = ::read(fd, &count, sizeof count);
}

// Handlers below touch their state only on the loop thread; the test reads it after
// settle() or run_and_wait(), which order those writes before the read.

TEST(EventLoop, HandlerRunsOnTheLoopThreadWithTheReadyEvents) {
  EventLoop loop;
  const UniqueFd fd = make_eventfd();
  std::vector<uint32_t> events;
  bool on_loop_thread = false;
  std::thread::id thread;
  loop.add(fd.get(), EPOLLIN, [&](uint32_t ev) {
    drain(fd.get());
    events.push_back(ev);
    on_loop_thread = loop.on_loop_thread();
    thread = std::this_thread::get_id();
  });
  LoopThread running(loop);
  settle(loop);
  EXPECT_TRUE(events.empty()) << "the handler ran before its fd was ready";
  signal(fd);
  settle(loop);
  ASSERT_EQ(events, std::vector<uint32_t>{EPOLLIN});
  EXPECT_TRUE(on_loop_thread);
  EXPECT_EQ(thread, running.id());
}

TEST(EventLoop, AddingAKnownFdReplacesItsHandler) {
  EventLoop loop;
  const UniqueFd fd = make_eventfd();
  std::vector<std::string> ran;
  loop.add(fd.get(), EPOLLIN, [&](uint32_t) { ran.push_back("first"); });
  loop.add(fd.get(), EPOLLIN, [&](uint32_t) {
    drain(fd.get());
    ran.push_back("second");
  });
  LoopThread running(loop);
  signal(fd);
  settle(loop);
  EXPECT_EQ(ran, std::vector<std::string>{"second"});
}

TEST(EventLoop, AddingOrModifyingAnFdEpollRefusesThrows) {
  EventLoop loop;
  EXPECT_THROW(loop.add(-1, EPOLLIN, [](uint32_t) {}), Error);
  const UniqueFd never_added = make_eventfd();
  EXPECT_THROW(loop.modify(never_added.get(), EPOLLIN), Error);
}

TEST(EventLoop, ModifyChangesTheWatchedEvents) {
  EventLoop loop;
  const UniqueFd fd = make_eventfd();  // never readable here, always writable
  std::vector<uint32_t> events;
  loop.add(fd.get(), EPOLLIN, [&](uint32_t ev) {
    events.push_back(ev);
    loop.modify(fd.get(), EPOLLIN);  // back to what never fires
  });
  LoopThread running(loop);
  settle(loop);
  EXPECT_TRUE(events.empty());
  loop.run_and_wait([&] { loop.modify(fd.get(), EPOLLOUT); });
  settle(loop);
  EXPECT_EQ(events, std::vector<uint32_t>{EPOLLOUT});
}

TEST(EventLoop, RemovedFdNoLongerRunsItsHandler) {
  EventLoop loop;
  const UniqueFd fd = make_eventfd();
  int calls = 0;
  loop.add(fd.get(), EPOLLIN, [&](uint32_t) {
    drain(fd.get());
    ++calls;
  });
  LoopThread running(loop);
  signal(fd);
  settle(loop);
  ASSERT_EQ(calls, 1);
  loop.run_and_wait([&] {
    loop.remove(fd.get());
    loop.remove(fd.get());  // twice, and an fd never added: no effect
    loop.remove(9999);
  });
  signal(fd);
  settle(loop);
  EXPECT_EQ(calls, 1);
}

TEST(EventLoop, HandlerMayRemoveItsOwnFd) {
  EventLoop loop;
  const UniqueFd fd = make_eventfd();
  std::vector<std::string> seen;
  // The handler uses its own captured state after removing itself: that state must outlive
  // the removal (a sanitized build reports a use after free otherwise).
  const std::string name(64, 'h');
  loop.add(fd.get(), EPOLLIN, [&seen, &loop, raw = fd.get(), name](uint32_t) {
    loop.remove(raw);
    seen.push_back(name);
  });
  LoopThread running(loop);
  signal(fd);  // never drained: still readable, but no longer watched
  settle(loop);
  signal(fd);
  settle(loop);
  EXPECT_EQ(seen, std::vector<std::string>{name});
}

TEST(EventLoop, HandlerMayRemoveAnotherFdOfTheSameBatch) {
  EventLoop loop;
  const UniqueFd a = make_eventfd(), b = make_eventfd();
  std::vector<std::string> ran;
  // Each removes the other. Both are ready before the loop starts, so its first epoll_wait
  // reports both: whichever runs first removes the other before its turn in that batch.
  loop.add(a.get(), EPOLLIN, [&](uint32_t) {
    drain(a.get());
    ran.push_back("a");
    loop.remove(b.get());
  });
  loop.add(b.get(), EPOLLIN, [&](uint32_t) {
    drain(b.get());
    ran.push_back("b");
    loop.remove(a.get());
  });
  signal(a);
  signal(b);
  LoopThread running(loop);
  settle(loop);
  ASSERT_EQ(ran.size(), 1u) << "a removed handler ran";
  // The removed one is still readable (never drained) and must stay unwatched.
  signal(ran[0] == "a" ? a : b);
  settle(loop);
  EXPECT_EQ(ran.size(), 2u);
  EXPECT_EQ(ran[0], ran[1]);
}

TEST(EventLoop, PostedWorkRunsOnTheLoopThreadInOrder) {
  EventLoop loop;
  std::vector<int> order;
  bool always_on_loop_thread = true;
  auto work = [&](int i) {
    return [&, i] {
      order.push_back(i);
      always_on_loop_thread = always_on_loop_thread && loop.on_loop_thread();
    };
  };
  loop.post(work(0));  // before the loop runs: kept until it does
  LoopThread running(loop);
  for (int i = 1; i < 1000; ++i) loop.post(work(i));
  settle(loop);
  std::vector<int> expected(1000);
  for (int i = 0; i < 1000; ++i) expected[i] = i;
  EXPECT_EQ(order, expected);
  EXPECT_TRUE(always_on_loop_thread);
}

TEST(EventLoop, PostsFromSeveralThreadsKeepEachThreadsOrder) {
  EventLoop loop;
  std::vector<std::pair<int, int>> seen;  // (poster, sequence number)
  LoopThread running(loop);
  std::vector<std::thread> posters;
  for (int t = 0; t < 4; ++t)
    posters.emplace_back([&, t] {
      for (int i = 0; i < 500; ++i) loop.post([&seen, t, i] { seen.emplace_back(t, i); });
    });
  for (auto& p : posters) p.join();
  settle(loop);
  ASSERT_EQ(seen.size(), 2000u);
  std::vector<int> next(4, 0);
  for (const auto& [t, i] : seen) EXPECT_EQ(i, next[t]++) << "poster " << t;
}

TEST(EventLoop, RunAndWaitReturnsOnlyAfterTheWorkRan) {
  EventLoop loop;
  LoopThread running(loop);
  std::atomic<bool> done{false};
  loop.run_and_wait([&] {
    std::this_thread::sleep_for(100ms);
    done = true;
  });
  EXPECT_TRUE(done);
}

TEST(EventLoop, StopFromAnotherThreadEndsRun) {
  // The loop thread shares only what it owns a share of, so that a run() that never returns
  // can be left behind instead of hanging the test.
  auto loop = std::make_unique<EventLoop>();
  auto ended = std::make_shared<std::promise<void>>();
  auto run_returned = ended->get_future();
  std::thread thread([raw = loop.get(), ended] {
    raw->run();
    ended->set_value();
  });
  loop->run_and_wait([] {});  // running, and about to block in epoll_wait
  std::thread([raw = loop.get()] { raw->stop(); }).join();
  if (run_returned.wait_for(kWait) != std::future_status::ready) {
    thread.detach();
    [[maybe_unused]] EventLoop* leaked = loop.release();
    FAIL() << "run() did not return after stop()";
  }
  thread.join();
}

TEST(EventLoop, OnLoopThreadIsTrueOnlyOnTheLoopThread) {
  EventLoop loop;
  EXPECT_FALSE(loop.on_loop_thread());  // not running yet
  bool inside = false;
  {
    LoopThread running(loop);
    loop.run_and_wait([&] { inside = loop.on_loop_thread(); });
    EXPECT_TRUE(inside);
    EXPECT_FALSE(loop.on_loop_thread());
  }
  EXPECT_FALSE(loop.on_loop_thread());
}

TEST(EventLoop, ErrorFromAHandlerIsLoggedAndTheLoopKeepsRunning) {
  EventLoop loop;
  const UniqueFd failing = make_eventfd(), other = make_eventfd();
  int failures = 0, others = 0;
  loop.add(failing.get(), EPOLLIN, [&](uint32_t) {
    drain(failing.get());
    ++failures;
    throw Error("the host file went away");
  });
  loop.add(other.get(), EPOLLIN, [&](uint32_t) {
    drain(other.get());
    ++others;
  });
  LoopThread running(loop);
  ::testing::internal::CaptureStderr();
  signal(failing);
  settle(loop);
  signal(failing);
  settle(loop);
  const std::string logged = ::testing::internal::GetCapturedStderr();
  signal(other);
  settle(loop);
  EXPECT_EQ(failures, 2);
  EXPECT_EQ(others, 1);
  const std::string line = "device event on fd " + std::to_string(failing.get()) + ": the host file went away";
  EXPECT_NE(logged.find(line), std::string::npos) << logged;
  EXPECT_NE(logged.find(line, logged.find(line) + 1), std::string::npos) << "logged once only: " << logged;
}

TEST(EventLoop, AnErrorFromPostedWorkIsLoggedAndTheLoopKeepsRunning) {
  EventLoop loop;
  LoopThread running(loop);
  ::testing::internal::CaptureStderr();
  loop.post([] { throw Error("posted work failed"); });
  bool later = false;
  loop.run_and_wait([&] { later = true; });  // the loop thread is still alive to run this
  const std::string logged = ::testing::internal::GetCapturedStderr();
  EXPECT_TRUE(later);
  EXPECT_NE(logged.find("device work: posted work failed"), std::string::npos) << logged;
}

TEST(EventLoop, RunAndWaitRethrowsWhatTheWorkThrewInTheCaller) {
  EventLoop loop;
  LoopThread running(loop);
  EXPECT_THROW(loop.run_and_wait([] { throw Error("refused"); }), Error);
  EXPECT_THROW(loop.run_and_wait([] { throw std::logic_error("not an Error"); }), std::logic_error);
  bool alive = false;
  loop.run_and_wait([&] { alive = true; });
  EXPECT_TRUE(alive);
}

}  // namespace
}  // namespace ppc::vmm
