#include "container/child_channel.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include "base/error.h"

namespace ppc::agent {
namespace {

struct Pair {
  UniqueFd agent, child;
};

Pair make_pair() {
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) != 0) throw_errno("socketpair");
  return {UniqueFd(fds[0]), UniqueFd(fds[1])};
}

TEST(ChildChannel, ReadyThenStartThenExecutedOnClose) {
  Pair p = make_pair();
  report_ready(p.child.get());
  EXPECT_EQ(read_report(p.agent.get()).kind, ChildReport::Kind::kReady);
  send_start(p.agent.get());
  EXPECT_TRUE(wait_for_start(p.child.get()));
  p.child.reset();  // what a successful exec does to the close-on-exec end
  EXPECT_EQ(read_report(p.agent.get()).kind, ChildReport::Kind::kExecuted);
}

TEST(ChildChannel, AnErrorCarriesItsStatusAndMessage) {
  Pair p = make_pair();
  report_error(p.child.get(), 127, "exec: \"nope\": executable file not found in $PATH");
  ChildReport r = read_report(p.agent.get());
  EXPECT_EQ(r.kind, ChildReport::Kind::kError);
  EXPECT_EQ(r.exit_status, 127);
  EXPECT_EQ(r.message, "exec: \"nope\": executable file not found in $PATH");
}

TEST(ChildChannel, ATerminalArrivesAsAWorkingFd) {
  Pair p = make_pair();
  int pipe_fds[2];
  ASSERT_EQ(::pipe(pipe_fds), 0);
  UniqueFd read_end(pipe_fds[0]), write_end(pipe_fds[1]);
  report_terminal(p.child.get(), write_end.get());
  ChildReport r = read_report(p.agent.get());
  ASSERT_EQ(r.kind, ChildReport::Kind::kTerminal);
  ASSERT_TRUE(r.terminal.valid());
  ASSERT_EQ(::write(r.terminal.get(), "x", 1), 1);
  char c = 0;
  ASSERT_EQ(::read(read_end.get(), &c, 1), 1);
  EXPECT_EQ(c, 'x');
}

TEST(ChildChannel, ASharedMountArrivesAsAnFdOfThatDirectory) {
  Pair p = make_pair();
  char dir[] = "/tmp/child-channel.XXXXXX";
  ASSERT_NE(::mkdtemp(dir), nullptr);
  UniqueFd held(::open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC));
  ASSERT_TRUE(held.valid());
  report_shared_mount(p.child.get(), held.get());
  ChildReport r = read_report(p.agent.get());
  ::rmdir(dir);
  ASSERT_EQ(r.kind, ChildReport::Kind::kSharedMount);
  ASSERT_TRUE(r.mount.valid());
  struct stat sent {}, received {};
  ASSERT_EQ(::fstat(held.get(), &sent), 0);
  ASSERT_EQ(::fstat(r.mount.get(), &received), 0);
  EXPECT_EQ(sent.st_ino, received.st_ino);
  EXPECT_EQ(sent.st_dev, received.st_dev);
}

TEST(ChildChannel, AReportThatShouldCarryAnFdAndDoesNotIsRefused) {
  Pair p = make_pair();
  ASSERT_EQ(::send(p.child.get(), "M", 1, 0), 1);
  EXPECT_THROW(read_report(p.agent.get()), Error);
}

TEST(ChildChannel, StartIsFalseWhenTheAgentGoesAway) {
  Pair p = make_pair();
  p.agent.reset();
  EXPECT_FALSE(wait_for_start(p.child.get()));
}

}  // namespace
}  // namespace ppc::agent
