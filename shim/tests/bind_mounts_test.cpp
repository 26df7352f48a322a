// Bind sources copied into the guest: which are copied, how their sources are rewritten,
// and the initramfs that carries them (read back member by member, both archives).
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <map>

#include "base/error.h"
#include "test_dir.h"
#include "vm/bind_mounts.h"
#include "vm/initramfs.h"

namespace ppc::shim {
namespace {

using test::TestDir;

oci::Mount bind_mount(const std::string& source, const std::string& dest, std::vector<std::string> options = {"rbind", "ro"}) {
  return oci::Mount{dest, "bind", source, std::move(options)};
}

oci::Config config_with(std::vector<oci::Mount> mounts) {
  oci::Config c;
  c.oci_version = "1.0.2";
  c.root.path = "rootfs";
  c.mounts = std::move(mounts);
  return c;
}

std::string error_of(const oci::Config& c, const std::string& bundle, uint64_t limit = 1 << 20) {
  try {
    plan_bind_copies(c, bundle, limit);
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

TEST(shim_bind_mounts, FilesAndSmallDirectoriesAreCopied) {
  TestDir dir;
  const std::string hosts = dir.write("hosts", "127.0.0.1 localhost\n");
  dir.write("etcdir/a", "a");
  const oci::Config c = config_with({
      {"/proc", "proc", "proc", {}},
      bind_mount(hosts, "/etc/hosts"),
      bind_mount(dir / "etcdir", "/etc/d", {"bind"}),
      {"/dev/tty-like", "", "/dev/null", {"bind"}},  // a device: the guest's own node
      bind_mount("relative", "/rel", {"rbind"}),
  });
  dir.write("relative", "bundle-relative");
  const std::vector<BindCopy> copies = plan_bind_copies(c, dir.path(), 1 << 20);
  ASSERT_EQ(copies.size(), 3u);
  EXPECT_EQ(copies[0], (BindCopy{1, hosts, "/binds/1", false}));
  EXPECT_EQ(copies[1], (BindCopy{2, dir / "etcdir", "/binds/2", true}));
  EXPECT_EQ(copies[2], (BindCopy{4, dir.path() + "/relative", "/binds/4", false}));
  oci::Config rewritten = c;
  apply_bind_copies(rewritten, copies);
  EXPECT_EQ(rewritten.mounts[0].source, "proc");
  EXPECT_EQ(rewritten.mounts[1].source, "/binds/1");
  EXPECT_EQ(rewritten.mounts[2].source, "/binds/2");
  EXPECT_EQ(rewritten.mounts[3].source, "/dev/null");
  EXPECT_EQ(rewritten.mounts[4].source, "/binds/4");
  EXPECT_EQ(rewritten.mounts[1].destination, "/etc/hosts");
}

TEST(shim_bind_mounts, TypeBindWithoutBindOptionGetsOne) {
  oci::Config c = config_with({{"/x", "bind", "/dev/null", {"ro"}}, {"/y", "tmpfs", "tmpfs", {}}});
  apply_bind_copies(c, {});
  EXPECT_EQ(c.mounts[0].options, (std::vector<std::string>{"ro", "bind"}));
  EXPECT_EQ(c.mounts[1].options, std::vector<std::string>{});
}

TEST(shim_bind_mounts, UnusableSourcesNameTheMount) {
  TestDir dir;
  dir.write("big/f", std::string(3000, 'x'));
  EXPECT_NE(error_of(config_with({bind_mount(dir / "missing", "/m")}), dir.path()).find("mounts[0] (/m): source " + dir / "missing"),
            std::string::npos);
  const std::string big = error_of(config_with({{"/p", "proc", "proc", {}}, bind_mount(dir / "big", "/big")}), dir.path(), 2048);
  EXPECT_NE(big.find("mounts[1] (/big): source " + dir / "big" + " is a directory of more than"), std::string::npos) << big;
  EXPECT_NE(big.find("too large"), std::string::npos) << big;
  // A socket cannot cross into a VM.
  const std::string sock = dir / "sock";
  const int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strcpy(addr.sun_path, sock.c_str());
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  const std::string s = error_of(config_with({bind_mount(sock, "/run/s.sock")}), dir.path());
  EXPECT_NE(s.find("mounts[0] (/run/s.sock)"), std::string::npos) << s;
  EXPECT_NE(s.find("cannot be passed into a VM"), std::string::npos) << s;
  ::close(fd);
}

// The members of a (possibly concatenated) newc initramfs: name -> (mode, data).
std::map<std::string, std::pair<uint32_t, std::string>> read_newc(const std::string& bytes) {
  std::map<std::string, std::pair<uint32_t, std::string>> members;
  size_t pos = 0;
  auto field = [&](size_t index) { return static_cast<uint32_t>(std::stoul(bytes.substr(pos + 6 + index * 8, 8), nullptr, 16)); };
  auto align = [](size_t v) { return (v + 3) & ~size_t{3}; };
  while (pos + 110 <= bytes.size()) {
    if (bytes[pos] == '\0') {  // padding between archives
      ++pos;
      continue;
    }
    EXPECT_EQ(bytes.substr(pos, 6), "070701") << "at " << pos;
    if (bytes.substr(pos, 6) != "070701") break;
    const uint32_t mode = field(1), filesize = field(6), namesize = field(11);
    const std::string name = bytes.substr(pos + 110, namesize - 1);
    const size_t data = align(pos + 110 + namesize);
    if (name != "TRAILER!!!") members[name] = {mode, bytes.substr(data, filesize)};
    pos = align(data + filesize);
  }
  return members;
}

TEST(shim_initramfs, AgentRootfsAndBindCopiesAreAllInTheArchive) {
  TestDir dir;
  const std::string agent = dir.write("agent", "#!agent");
  dir.write("rootfs/bin/sh", "shell");
  const std::string hosts = dir.write("hosts", "hosts-content");
  dir.write("conf/sub/file", "nested");
  ::chmod((dir / "conf/sub/file").c_str(), 0640);
  std::filesystem::create_directories(dir / "conf/empty");
  std::filesystem::create_symlink("sub/file", dir / "conf/link");
  const std::vector<BindCopy> binds = {{1, hosts, "/binds/1", false}, {3, dir / "conf", "/binds/3", true}};
  const std::string out = dir / "initramfs.cpio";
  const uint64_t size = build_container_initramfs(agent, dir / "rootfs", binds, out);
  const std::string bytes = test::slurp(out);
  EXPECT_EQ(size, bytes.size());
  const auto m = read_newc(bytes);
  std::string names;
  for (const auto& [name, member] : m) names += name + " ";
  for (const char* want : {"init", "rootfs/bin/sh", "binds/1", "binds/3", "binds/3/empty", "binds/3/sub/file", "binds/3/link"}) {
    ASSERT_TRUE(m.count(want)) << want << " missing; the archive has: " << names;
  }
  EXPECT_EQ(m.at("init").second, "#!agent");
  EXPECT_EQ(m.at("rootfs/bin/sh").second, "shell");
  EXPECT_EQ(m.at("binds/1").second, "hosts-content");
  EXPECT_TRUE(S_ISDIR(m.at("binds/3").first));
  EXPECT_TRUE(S_ISDIR(m.at("binds/3/empty").first));  // empty directories survive too
  EXPECT_EQ(m.at("binds/3/sub/file").second, "nested");
  EXPECT_EQ(m.at("binds/3/sub/file").first & 07777, 0640u);
  EXPECT_TRUE(S_ISLNK(m.at("binds/3/link").first));
  EXPECT_EQ(m.at("binds/3/link").second, "sub/file");
  EXPECT_FALSE(std::filesystem::exists(out + ".part"));
}

TEST(shim_initramfs, FailureLeavesNoFile) {
  TestDir dir;
  const std::string out = dir / "initramfs.cpio";
  EXPECT_THROW(build_container_initramfs(dir / "no-agent", dir.path(), {}, out), Error);
  EXPECT_FALSE(std::filesystem::exists(out));
  dir.write("agent", "a");
  std::filesystem::create_directories(dir / "rootfs");
  EXPECT_THROW(build_container_initramfs(dir / "agent", dir / "rootfs", {{0, dir / "gone", "/binds/0", true}}, out), Error);
  EXPECT_FALSE(std::filesystem::exists(out));
  EXPECT_FALSE(std::filesystem::exists(out + ".part"));
}

}  // namespace
}  // namespace ppc::shim
