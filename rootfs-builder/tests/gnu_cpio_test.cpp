// Our archives read back by GNU cpio (extraction and listing) and by the test's own newc
// parser, compared with the tree they came from.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "rootfs/initramfs.h"
#include "sample_tree.h"
#include "test_tree.h"

namespace ppc::rootfs {
namespace {

using test::FileInfo;
using test::NewcEntry;
using test::TempDir;

class RootfsGnuCpio : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(test::exists(test::kGnuCpio)) << test::kGnuCpio << " is missing: install Debian's package cpio";
    ASSERT_EQ(::mkdir(tree().c_str(), 0755), 0);
    test::make_sample_tree(tree());
    test::make_agent(agent());
    test::write_file(dir_ / "resolv.conf", "nameserver 10.0.2.3\n", 0644);
    input_ = test::snapshot(tree());
    input_.erase(test::kSocketName);

    spec_.agent = agent();
    spec_.rootfs = tree();
    spec_.extras.push_back({dir_ / "resolv.conf", "/etc/resolv.conf", 0600});
    spec_.warn = [this](const std::string& message) { warnings_.push_back(message); };
  }

  std::string tree() const { return dir_ / "tree"; }
  std::string agent() const { return dir_ / "agent"; }
  std::string archive() const { return dir_ / "initramfs.cpio"; }

  // Extracts `archive()` with GNU cpio into a new directory under dir_ and returns it.
  std::string extract(const std::string& name) {
    const std::string into = dir_ / name;
    EXPECT_EQ(::mkdir(into.c_str(), 0755), 0);
    const test::CommandResult r = test::run_shell("cd " + test::quote(into) + " && " + test::kGnuCpio +
                                                  " -idm --no-absolute-filenames -H newc --quiet < " + test::quote(archive()));
    EXPECT_EQ(r.status, 0) << r.output;
    EXPECT_EQ(r.output, "") << "GNU cpio complained";
    return into;
  }

  TempDir dir_;
  BuildSpec spec_;
  std::map<std::string, FileInfo> input_;
  std::vector<std::string> warnings_;
};

TEST_F(RootfsGnuCpio, ExtractionRestoresTheTree) {
  build_initramfs(spec_, archive());
  const std::string out = extract("x");

  const auto extracted = test::snapshot(out + "/rootfs");
  std::set<std::string> extra_paths;
  for (const auto& [rel, info] : extracted) {
    if (!input_.count(rel)) extra_paths.insert(rel);
  }
  EXPECT_TRUE(extra_paths.empty()) << "first unexpected: " << *extra_paths.begin();
  EXPECT_FALSE(extracted.count(test::kSocketName)) << "the socket must be skipped";

  for (const auto& [rel, want] : input_) {
    SCOPED_TRACE(rel);
    const auto it = extracted.find(rel);
    ASSERT_NE(it, extracted.end());
    const FileInfo& got = it->second;
    EXPECT_EQ(got.mode & S_IFMT, want.mode & S_IFMT);
    if (!S_ISLNK(want.mode)) {
      EXPECT_EQ(got.mode & 07777, want.mode & 07777) << std::oct << got.mode << " vs " << want.mode;
    }
    if (test::running_as_root()) {  // only root can give files away, so only root's cpio restores owners
      EXPECT_EQ(got.uid, want.uid);
      EXPECT_EQ(got.gid, want.gid);
    }
    if (S_ISREG(want.mode)) {
      EXPECT_EQ(got.size, want.size);
      EXPECT_TRUE(got.content == want.content);
      EXPECT_EQ(got.mtime, want.mtime);  // GNU cpio -m restores these; see HeadersCarryEveryMtime for the rest
    }
    if (S_ISLNK(want.mode)) { EXPECT_EQ(got.target, want.target); }
    if (S_ISCHR(want.mode) || S_ISBLK(want.mode)) { EXPECT_EQ(got.rdev, want.rdev); }
  }
  EXPECT_EQ(extracted.at("big.bin").size, test::kBigFileSize);
  EXPECT_EQ(extracted.at("setuid").mode & 07777, 04755u);
  EXPECT_EQ(extracted.at("secret").mode & 07777, 0600u);
  if (test::running_as_root()) {
    EXPECT_EQ(extracted.at("owned").uid, 1234u);
    EXPECT_EQ(extracted.at("owned").gid, 5678u);
  }

  // Hard links come back as links, including a group with no data at all.
  EXPECT_EQ(extracted.at("hard1").ino, extracted.at("nested/hard2").ino);
  EXPECT_EQ(extracted.at("hard1").nlink, 2u);
  EXPECT_EQ(extracted.at("nested/hard2").content, "shared\n");
  EXPECT_EQ(extracted.at("zero1").ino, extracted.at("zero2").ino);
  EXPECT_EQ(extracted.at("zero1").nlink, 2u);

  // The layout around the rootfs.
  const auto top = test::snapshot(out);
  const FileInfo& init = top.at("init");
  EXPECT_TRUE(S_ISREG(init.mode));
  EXPECT_EQ(init.mode & 07777, 0755u);
  EXPECT_EQ(init.content, test::read_file(agent()));
  EXPECT_EQ(init.mtime, 1600000000);
  if (test::running_as_root()) { EXPECT_EQ(init.uid, 0u); }
  for (const char* dir : {"rootfs", "dev", "proc", "sys", "tmp", "run", "etc"}) {
    SCOPED_TRACE(dir);
    ASSERT_TRUE(top.count(dir));
    EXPECT_TRUE(S_ISDIR(top.at(dir).mode));
    EXPECT_EQ(top.at(dir).mode & 07777, 0755u);
  }
  EXPECT_EQ(top.at("etc/resolv.conf").content, "nameserver 10.0.2.3\n");
  EXPECT_EQ(top.at("etc/resolv.conf").mode & 07777, 0600u);

  ASSERT_EQ(warnings_.size(), 1u);
  EXPECT_EQ(warnings_[0], "skipping socket " + tree() + "/" + test::kSocketName);
  // Reported, not silently passed: a run without root checked no owner.
  if (!test::running_as_root()) GTEST_SKIP() << "owners unchecked: only root's cpio restores them";
}

// mknod needs root; the rest of the suite runs either way.
TEST_F(RootfsGnuCpio, DeviceNodes) {
  if (!test::running_as_root()) GTEST_SKIP() << "mknod of a character device needs root";
  build_initramfs(spec_, archive());
  for (const NewcEntry& e : test::parse_newc(test::read_file(archive()))) {
    if (e.name == "rootfs/chardev") {
      EXPECT_EQ(e.mode, S_IFCHR | 0620u);
      EXPECT_EQ(e.rdevmajor, 1u);
      EXPECT_EQ(e.rdevminor, 3u);
      EXPECT_EQ(e.filesize, 0u);
    }
  }
  const auto extracted = test::snapshot(extract("x") + "/rootfs");
  EXPECT_TRUE(S_ISCHR(extracted.at("chardev").mode));
  EXPECT_EQ(extracted.at("chardev").mode & 07777, 0620u);
  EXPECT_EQ(extracted.at("chardev").rdev, makedev(1, 3));
  EXPECT_TRUE(S_ISBLK(extracted.at("blockdev").mode));
  EXPECT_EQ(extracted.at("blockdev").rdev, makedev(7, 0));
}

TEST_F(RootfsGnuCpio, ListingIsSortedAndComplete) {
  build_initramfs(spec_, archive());
  const test::CommandResult names = test::run_shell(std::string(test::kGnuCpio) + " -it --quiet < " + test::quote(archive()));
  ASSERT_EQ(names.status, 0) << names.output;

  std::vector<std::string> expected = {"dev", "etc", "etc/resolv.conf", "init", "proc", "rootfs", "run", "sys", "tmp"};
  for (const auto& [rel, info] : input_) expected.push_back("rootfs/" + rel);
  std::sort(expected.begin(), expected.end());  // std::string orders bytes as unsigned char
  std::string want;
  for (const std::string& name : expected) want += name + "\n";
  EXPECT_EQ(names.output, want);

  // The verbose listing shows GNU cpio's reading of types, owners and device numbers.
  const test::CommandResult verbose =
      test::run_shell("TZ=UTC LC_ALL=C " + std::string(test::kGnuCpio) + " -itv --quiet < " + test::quote(archive()));
  ASSERT_EQ(verbose.status, 0) << verbose.output;
  auto line_of = [&](const std::string& name) {
    const size_t end = verbose.output.find(" " + name + "\n");
    if (end == std::string::npos) return std::string();
    const size_t start = verbose.output.rfind('\n', end);
    return verbose.output.substr(start == std::string::npos ? 0 : start + 1, end - start);
  };
  EXPECT_EQ(line_of("rootfs/setuid").substr(0, 10), "-rwsr-xr-x");
  EXPECT_EQ(line_of("rootfs/fifo").substr(0, 10), "prw--w----");
  EXPECT_EQ(line_of("rootfs/sticky").substr(0, 10), "drwxrwxrwt");
  EXPECT_NE(line_of("rootfs/link -> nested/a/b/c/deep.txt"), "");
  EXPECT_EQ(line_of("init").substr(0, 10), "-rwxr-xr-x");
  if (test::running_as_root()) {
    EXPECT_NE(line_of("rootfs/owned").find(" 1234 "), std::string::npos) << line_of("rootfs/owned");
    const std::string dev = line_of("rootfs/chardev");
    EXPECT_EQ(dev.substr(0, 10), "crw--w----") << dev;
    EXPECT_NE(dev.find(" 1,   3 "), std::string::npos) << dev;
  }
  if (!test::running_as_root()) GTEST_SKIP() << "owner and device node lines unchecked: they need root";
}

TEST_F(RootfsGnuCpio, HeadersCarryEveryMtimeModeOwnerAndLink) {
  build_initramfs(spec_, archive());
  const std::vector<NewcEntry> entries = test::parse_newc(test::read_file(archive()));
  ASSERT_FALSE(entries.empty());
  EXPECT_EQ(entries.back().name, "TRAILER!!!");

  std::map<std::string, const NewcEntry*> by_name;
  std::map<uint32_t, std::set<std::string>> names_by_ino;
  std::string previous;
  for (const NewcEntry& e : entries) {
    if (e.name == "TRAILER!!!") break;
    SCOPED_TRACE(e.name);
    EXPECT_GT(e.name, previous) << "not in byte order";
    const size_t slash = e.name.rfind('/');
    if (slash != std::string::npos) {
      EXPECT_TRUE(by_name.count(e.name.substr(0, slash))) << "parent missing or after child";
    }
    previous = e.name;
    by_name[e.name] = &e;
    names_by_ino[e.ino].insert(e.name);
    EXPECT_EQ(e.devmajor, 0u);
    EXPECT_EQ(e.devminor, 0u);
    EXPECT_EQ(e.check, 0u);
    EXPECT_GE(e.ino, 1u);
  }

  for (const auto& [rel, want] : input_) {
    SCOPED_TRACE(rel);
    ASSERT_TRUE(by_name.count("rootfs/" + rel));
    const NewcEntry& e = *by_name.at("rootfs/" + rel);
    EXPECT_EQ(e.mode, want.mode);
    EXPECT_EQ(e.uid, want.uid);
    EXPECT_EQ(e.gid, want.gid);
    EXPECT_EQ(e.mtime, want.mtime);
    EXPECT_EQ(e.rdevmajor, major(want.rdev));
    EXPECT_EQ(e.rdevminor, minor(want.rdev));
    if (S_ISLNK(want.mode)) { EXPECT_EQ(e.data, want.target); }
    if (S_ISDIR(want.mode)) {
      size_t subdirs = 0;
      for (const auto& [other, info] : input_) {
        if (S_ISDIR(info.mode) && other.rfind(rel + "/", 0) == 0 && other.find('/', rel.size() + 1) == std::string::npos) ++subdirs;
      }
      EXPECT_EQ(e.nlink, 2 + subdirs);
    }
    if (S_ISREG(want.mode) && want.nlink == 1) { EXPECT_EQ(e.data, want.content); }
  }

  // Inode numbers are unique except within a hard-link group, whose data rides with its last link.
  for (const auto& [ino, names] : names_by_ino) {
    const bool group = names == std::set<std::string>{"rootfs/hard1", "rootfs/nested/hard2"} ||
                       names == std::set<std::string>{"rootfs/zero1", "rootfs/zero2"};
    EXPECT_TRUE(names.size() == 1 || group) << "ino " << ino << " shared by " << names.size() << " entries";
  }
  EXPECT_EQ(by_name.at("rootfs/hard1")->nlink, 2u);
  EXPECT_EQ(by_name.at("rootfs/hard1")->filesize, 0u);
  EXPECT_EQ(by_name.at("rootfs/nested/hard2")->data, "shared\n");
  EXPECT_EQ(by_name.at("rootfs/nested/hard2")->nlink, 2u);

  const NewcEntry& init = *by_name.at("init");
  EXPECT_EQ(init.mode, S_IFREG | 0755u);
  EXPECT_EQ(init.uid, 0u);
  EXPECT_EQ(init.gid, 0u);
  for (const char* dir : {"rootfs", "dev", "proc", "sys", "tmp", "run", "etc"}) {
    SCOPED_TRACE(dir);
    EXPECT_EQ(by_name.at(dir)->mode, S_IFDIR | 0755u);
    EXPECT_EQ(by_name.at(dir)->uid, 0u);
    EXPECT_EQ(by_name.at(dir)->mtime, 0u);
  }
  EXPECT_EQ(by_name.at("etc/resolv.conf")->mode, S_IFREG | 0600u);
}

TEST_F(RootfsGnuCpio, FixedMtimeAppliesToEveryEntry) {
  spec_.mtime = 1234567890;
  build_initramfs(spec_, archive());
  for (const NewcEntry& e : test::parse_newc(test::read_file(archive()))) {
    if (e.name != "TRAILER!!!") { EXPECT_EQ(e.mtime, 1234567890u) << e.name; }
  }
  const std::string out = extract("x");
  EXPECT_EQ(test::snapshot(out + "/rootfs").at("small.txt").mtime, 1234567890);
  EXPECT_EQ(test::snapshot(out).at("init").mtime, 1234567890);
}

TEST_F(RootfsGnuCpio, SameInputGivesSameBytes) {
  build_initramfs(spec_, archive());
  const std::string first = test::read_file(archive());
  build_initramfs(spec_, archive());
  EXPECT_TRUE(test::read_file(archive()) == first) << "rebuild differs";

  // The same tree at another place (other host inode numbers) gives the same archive.
  const std::string copy = dir_ / "copy";
  ASSERT_EQ(::mkdir(copy.c_str(), 0755), 0);
  test::make_sample_tree(copy);
  BuildSpec other = spec_;
  other.rootfs = copy;
  build_initramfs(other, dir_ / "other.cpio");
  EXPECT_TRUE(test::read_file(dir_ / "other.cpio") == first) << "archive depends on where the tree lives";

  // With a fixed mtime, trees that differ only in timestamps give the same archive too.
  timespec now[2] = {{0, UTIME_NOW}, {0, UTIME_NOW}};
  ASSERT_EQ(::utimensat(AT_FDCWD, (copy + "/small.txt").c_str(), now, 0), 0);
  spec_.mtime = other.mtime = 42;
  build_initramfs(spec_, archive());
  build_initramfs(other, dir_ / "other.cpio");
  EXPECT_TRUE(test::read_file(dir_ / "other.cpio") == test::read_file(archive()));
}

TEST_F(RootfsGnuCpio, PrefixAtTheTop) {
  spec_.prefix = "/";
  spec_.extras.clear();
  build_initramfs(spec_, archive());
  const std::string out = extract("x");
  const auto top = test::snapshot(out);
  EXPECT_EQ(top.at("small.txt").content, "hello, guest\n");
  EXPECT_TRUE(S_ISREG(top.at("init").mode));
  EXPECT_FALSE(top.count("rootfs"));
  EXPECT_TRUE(S_ISDIR(top.at("proc").mode));
}

}  // namespace
}  // namespace ppc::rootfs
