#include "sample_tree.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <vector>

#include "test_tree.h"

namespace ppc::rootfs::test {
namespace {

void check(int rc, const std::string& what) {
  if (rc != 0) throw std::runtime_error(what + ": " + std::strerror(errno));
}

// Deterministic bytes that are not all alike, so misplaced chunks would show.
std::string pattern_bytes(size_t size) {
  std::string out(size, '\0');
  uint32_t x = 12345;
  for (char& c : out) {
    x = x * 1103515245u + 12345u;
    c = static_cast<char>(x >> 16);
  }
  return out;
}

}  // namespace

void make_sample_tree(const std::string& root) {
  auto at = [&](const std::string& rel) { return root + "/" + rel; };
  auto mkdir = [&](const std::string& rel, mode_t mode) {
    check(::mkdir(at(rel).c_str(), mode), "mkdir " + rel);
    check(::chmod(at(rel).c_str(), mode), "chmod " + rel);
  };

  write_file(at("small.txt"), "hello, guest\n", 0644);
  write_file(at("big.bin"), pattern_bytes(kBigFileSize), 0644);
  write_file(at("empty"), "", 0644);
  mkdir("nested", 0755);
  mkdir("nested/a", 0750);
  mkdir("nested/a/b", 0755);
  mkdir("nested/a/b/c", 0755);
  write_file(at("nested/a/b/c/deep.txt"), "deep\n", 0644);
  // Byte order puts "nested-file" between "nested" and "nested/a", and "\xc3\xbc..." after "zeta".
  write_file(at("nested-file"), "dash\n", 0644);
  write_file(at("zeta"), "z\n", 0644);
  write_file(at("\xc3\xbc" "ber"), "utf-8 name\n", 0644);
  mkdir("sticky", 01777);

  check(::symlink("nested/a/b/c/deep.txt", at("link").c_str()), "symlink link");
  check(::symlink("/nonexistent/target", at("dangling").c_str()), "symlink dangling");
  check(::symlink("nested", at("dirlink").c_str()), "symlink dirlink");

  write_file(at("hard1"), "shared\n", 0640);
  check(::link(at("hard1").c_str(), at("nested/hard2").c_str()), "link hard2");
  write_file(at("zero1"), "", 0600);  // an empty group: no link carries data
  check(::link(at("zero1").c_str(), at("zero2").c_str()), "link zero2");

  check(::mkfifo(at("fifo").c_str(), 0620), "mkfifo");
  check(::chmod(at("fifo").c_str(), 0620), "chmod fifo");

  write_file(at("owned"), "owned by 1234:5678\n", 0644);
  write_file(at("setuid"), "#!/bin/sh\n", 0755);
  write_file(at("secret"), "top secret\n", 0600);
  if (running_as_root()) {
    check(::mknod(at("chardev").c_str(), S_IFCHR | 0620, makedev(1, 3)), "mknod chardev");
    check(::mknod(at("blockdev").c_str(), S_IFBLK | 0600, makedev(7, 0)), "mknod blockdev");
    check(::chmod(at("chardev").c_str(), 0620), "chmod chardev");  // past the umask
    check(::chown(at("owned").c_str(), 1234, 5678), "chown owned");
    check(::chown(at("setuid").c_str(), 1234, 5678), "chown setuid");
    check(::chown(at("nested/a").c_str(), 1234, 5678), "chown nested/a");
    check(::lchown(at("link").c_str(), 1234, 5678), "lchown link");
  }
  // After chown, which clears the setuid bit.
  check(::chmod(at("setuid").c_str(), 04755), "chmod setuid");

  {
    const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) throw std::runtime_error("socket: " + std::string(std::strerror(errno)));
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    const std::string path = at(kSocketName);
    if (path.size() >= sizeof addr.sun_path) throw std::runtime_error("socket path too long: " + path);
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    const int rc = ::bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr);
    ::close(fd);
    check(rc, "bind " + path);
  }

  // Known, distinct mtimes, set last: creating entries changes their directory's mtime.
  std::vector<std::string> all;
  for (const auto& [rel, info] : snapshot(root)) all.push_back(rel);
  std::sort(all.begin(), all.end());
  int64_t t = 1000000000;
  for (const std::string& rel : all) {
    timespec times[2] = {{t, 0}, {t, 0}};
    check(::utimensat(AT_FDCWD, at(rel).c_str(), times, AT_SYMLINK_NOFOLLOW), "utimensat " + rel);
    t += 1000;
  }
}

void make_agent(const std::string& path) {
  write_file(path, "\x7f" "ELF stand-in for the agent\n" + pattern_bytes(1000), 0700);
  timespec times[2] = {{1600000000, 0}, {1600000000, 0}};
  check(::utimensat(AT_FDCWD, path.c_str(), times, 0), "utimensat agent");
}

}  // namespace ppc::rootfs::test
