// One fd rides on one message; without one the data still arrives; a closed peer reads as 0.
#include "base/fd_passing.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/error.h"

namespace ppc {
namespace {

struct SocketPair {
  UniqueFd a, b;
  SocketPair() {
    int fds[2];
    EXPECT_EQ(::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds), 0);
    a.reset(fds[0]);
    b.reset(fds[1]);
  }
};

TEST(FdPassing, TheFdArrivesWithItsDataAndWorks) {
  SocketPair pair;
  int p[2];
  ASSERT_EQ(::pipe(p), 0);
  UniqueFd read_end(p[0]), write_end(p[1]);
  send_message_with_fd(pair.a.get(), "T", write_end.get(), "test");
  write_end.reset();
  char buffer[16];
  MessageWithFd message = receive_message_with_fd(pair.b.get(), buffer, "test");
  ASSERT_EQ(message.size, 1u);
  EXPECT_EQ(buffer[0], 'T');
  ASSERT_TRUE(message.fd.valid());
  ASSERT_EQ(::write(message.fd.get(), "ok", 2), 2);
  message.fd.reset();
  char got[2] = {};
  ASSERT_EQ(::read(read_end.get(), got, 2), 2);
  EXPECT_EQ(std::string(got, 2), "ok");
}

TEST(FdPassing, DataWithoutAnFd) {
  SocketPair pair;
  send_message_with_fd(pair.a.get(), "hello", -1, "test");
  char buffer[16];
  const MessageWithFd message = receive_message_with_fd(pair.b.get(), buffer, "test");
  EXPECT_EQ(std::string(buffer, message.size), "hello");
  EXPECT_FALSE(message.fd.valid());
}

TEST(FdPassing, EmptyDataIsRefusedAndAClosedPeerReadsAsZero) {
  SocketPair pair;
  EXPECT_THROW(send_message_with_fd(pair.a.get(), "", -1, "test"), Error);
  pair.a.reset();
  char buffer[16];
  EXPECT_EQ(receive_message_with_fd(pair.b.get(), buffer, "test").size, 0u);
  EXPECT_THROW(send_message_with_fd(pair.b.get(), "x", -1, "sending to nobody"), Error);
}

}  // namespace
}  // namespace ppc
