// The console socket: the pty master travels with SCM_RIGHTS, as runc sends it.
#include <gtest/gtest.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <thread>

#include "base/error.h"
#include "console/console_socket.h"
#include "console/pty.h"
#include "test_dir.h"

namespace ppc::shim {
namespace {

std::string read_some(int fd) {
  char buf[64];
  const ssize_t n = ::read(fd, buf, sizeof buf);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
}

TEST(shim_console, FdAndNameCrossASocketPair) {
  int pair[2], pipe_fds[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, pair), 0);
  ASSERT_EQ(::pipe(pipe_fds), 0);
  UniqueFd a(pair[0]), b(pair[1]), pipe_read(pipe_fds[0]), pipe_write(pipe_fds[1]);
  send_fd(a.get(), pipe_write.get(), "/dev/ptmx");
  pipe_write.reset();  // only the received copy is left
  std::string name;
  UniqueFd received = receive_fd(b.get(), &name);
  EXPECT_EQ(name, "/dev/ptmx");
  ASSERT_EQ(::write(received.get(), "hi", 2), 2);
  EXPECT_EQ(read_some(pipe_read.get()), "hi");
  EXPECT_NE(::fcntl(received.get(), F_GETFD) & FD_CLOEXEC, 0);
}

TEST(shim_console, MessageWithoutFdIsAnError) {
  int pair[2];
  ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, pair), 0);
  UniqueFd a(pair[0]), b(pair[1]);
  ASSERT_EQ(::write(a.get(), "x", 1), 1);
  EXPECT_THROW(receive_fd(b.get()), Error);
}

TEST(shim_console, PtyMasterReachesAListeningReceiver) {
  test::TestDir dir;
  const std::string path = dir / "console.sock";
  UniqueFd listener(::socket(AF_UNIX, SOCK_STREAM, 0));
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strcpy(addr.sun_path, path.c_str());
  ASSERT_EQ(::bind(listener.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(listener.get(), 1), 0);
  PtyPair pty = open_pty();
  EXPECT_EQ(pty.slave_name.rfind("/dev/pts/", 0), 0u) << pty.slave_name;
  make_raw(pty.slave.get());
  std::thread sender([&] { send_console(path, pty.master.get()); });
  UniqueFd conn(::accept(listener.get(), nullptr, nullptr));
  UniqueFd master = receive_fd(conn.get());
  sender.join();
  pty.master.reset();
  // What the receiver writes to the master, the slave reads, untouched (raw mode).
  ASSERT_EQ(::write(master.get(), "ls\r", 3), 3);
  EXPECT_EQ(read_some(pty.slave.get()), "ls\r");
  ASSERT_EQ(::write(pty.slave.get(), "out\n", 4), 4);
  EXPECT_EQ(read_some(master.get()), "out\n");
  EXPECT_THROW(send_console(dir / "nobody.sock", master.get()), Error);
}

}  // namespace
}  // namespace ppc::shim
