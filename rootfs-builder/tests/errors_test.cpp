// Inputs that cannot be read: the error names the path and the reason, and no output file
// (nor its temporary) is left behind.
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <string>

#include "base/error.h"
#include "rootfs/byte_sink.h"
#include "rootfs/cpio_writer.h"
#include "rootfs/initramfs.h"
#include "rootfs/plan.h"
#include "test_tree.h"

namespace ppc::rootfs {
namespace {

using test::TempDir;

class RootfsErrors : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(::mkdir(tree().c_str(), 0755), 0);
    ASSERT_EQ(::mkdir((tree() + "/dir").c_str(), 0755), 0);
    test::write_file(tree() + "/dir/file", "data\n");
    test::write_file(agent(), "agent\n", 0755);
    spec_.agent = agent();
    spec_.rootfs = tree();
  }

  // The message of the Error that building throws, after checking nothing was left behind.
  std::string build_error() {
    std::string message = "(no error)";
    try {
      build_initramfs(spec_, output());
    } catch (const Error& e) {
      message = e.what();
    }
    EXPECT_FALSE(test::exists(output() + ".tmp")) << "temporary file left behind";
    return message;
  }

  std::string tree() const { return dir_ / "tree"; }
  std::string agent() const { return dir_ / "agent"; }
  std::string output() const { return dir_ / "out.cpio"; }

  TempDir dir_;
  BuildSpec spec_;
};

TEST_F(RootfsErrors, MissingAgent) {
  spec_.agent = dir_ / "missing";
  EXPECT_EQ(build_error(), "agent: stat " + dir_ / "missing" + ": No such file or directory");
  EXPECT_FALSE(test::exists(output()));
}

TEST_F(RootfsErrors, AgentThatIsADirectory) {
  spec_.agent = tree();
  EXPECT_EQ(build_error(), "agent: " + tree() + " is not a regular file");
}

TEST_F(RootfsErrors, MissingRootfs) {
  spec_.rootfs = dir_ / "missing";
  EXPECT_EQ(build_error(), "rootfs: open directory " + dir_ / "missing" + ": No such file or directory");
  EXPECT_FALSE(test::exists(output()));
}

TEST_F(RootfsErrors, RootfsThatIsAFile) {
  spec_.rootfs = agent();
  EXPECT_EQ(build_error(), "rootfs: open directory " + agent() + ": Not a directory");
}

TEST_F(RootfsErrors, MissingExtraFile) {
  spec_.extras.push_back({dir_ / "missing", "/etc/x", std::nullopt});
  EXPECT_EQ(build_error(), "extra file " + dir_ / "missing" + " -> /etc/x: stat " + dir_ / "missing" + ": No such file or directory");
}

TEST_F(RootfsErrors, TwoSourcesForOneName) {
  spec_.extras.push_back({agent(), "/init", std::nullopt});
  EXPECT_EQ(build_error(), "/init comes from both " + agent() + " and " + agent());
  spec_.extras = {{agent(), "/rootfs/dir/file", std::nullopt}};
  EXPECT_EQ(build_error(), "/rootfs/dir/file comes from both " + tree() + "/dir/file and " + agent());
}

TEST_F(RootfsErrors, ExtraFileInsideAFile) {
  spec_.extras.push_back({agent(), "/init/x", std::nullopt});
  EXPECT_EQ(build_error(), "/init (from " + agent() + ") is not a directory, but /init/x is inside it");
}

// Root reads any file, so "unreadable" is made by removing a file between scanning and
// streaming, the window in which a real tree can change under the builder.
TEST_F(RootfsErrors, FileThatVanishesBeforeItIsStreamed) {
  const Plan plan = plan_initramfs(spec_);
  ASSERT_EQ(::unlink((tree() + "/dir/file").c_str()), 0);
  StringSink sink;
  CpioWriter writer(sink);
  try {
    write_plan(plan, writer);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "open " + tree() + "/dir/file: No such file or directory");
  }
}

TEST_F(RootfsErrors, FileReplacedBeforeItIsStreamed) {
  const Plan plan = plan_initramfs(spec_);
  test::write_file(tree() + "/new", "DATA\n");  // same size, another inode
  ASSERT_EQ(::rename((tree() + "/new").c_str(), (tree() + "/dir/file").c_str()), 0);
  StringSink sink;
  CpioWriter writer(sink);
  try {
    write_plan(plan, writer);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), tree() + "/dir/file changed while the archive was being built");
  }
}

TEST_F(RootfsErrors, UnreadableDirectory) {
  if (test::running_as_root()) GTEST_SKIP() << "root reads directories whatever their mode";
  ASSERT_EQ(::chmod((tree() + "/dir").c_str(), 0), 0);
  const std::string message = build_error();
  ::chmod((tree() + "/dir").c_str(), 0755);
  EXPECT_EQ(message, "rootfs: open directory " + tree() + "/dir: Permission denied");
}

TEST_F(RootfsErrors, UnreadableFile) {
  if (test::running_as_root()) GTEST_SKIP() << "root reads files whatever their mode";
  ASSERT_EQ(::chmod((tree() + "/dir/file").c_str(), 0), 0);
  EXPECT_EQ(build_error(), "open " + tree() + "/dir/file: Permission denied");
  EXPECT_FALSE(test::exists(output()));
}

// A write that fails halfway (here: past RLIMIT_FSIZE, as a full disk would) removes the
// temporary file and leaves the previous archive as it was.
TEST_F(RootfsErrors, FailedWriteKeepsThePreviousOutput) {
  test::write_file(tree() + "/big", std::string(256 * 1024, 'b'));
  test::write_file(output(), "previous archive");

  struct Limit {
    rlimit saved{};
    void (*saved_handler)(int) = nullptr;
    Limit() {
      ::getrlimit(RLIMIT_FSIZE, &saved);
      saved_handler = std::signal(SIGXFSZ, SIG_IGN);  // see EFBIG instead of dying
      rlimit small = saved;
      small.rlim_cur = 64 * 1024;
      ::setrlimit(RLIMIT_FSIZE, &small);
    }
    ~Limit() {
      ::setrlimit(RLIMIT_FSIZE, &saved);
      std::signal(SIGXFSZ, saved_handler);
    }
  };
  std::string message;
  {
    Limit limit;
    message = build_error();
  }
  EXPECT_EQ(message, "write " + output() + ".tmp: File too large");
  EXPECT_EQ(test::read_file(output()), "previous archive");
}

TEST_F(RootfsErrors, OutputDirectoryMissing) {
  const std::string out = dir_ / "no/such/dir/out.cpio";
  try {
    build_initramfs(spec_, out);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "create " + out + ".tmp: No such file or directory");
  }
}

}  // namespace
}  // namespace ppc::rootfs
