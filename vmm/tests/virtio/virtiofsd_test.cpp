#include "virtio/virtiofsd.h"

#include <gtest/gtest.h>
#include <pthread.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "base/error.h"
#include "base/unique_fd.h"
#include "config_error.h"
#include "virtio/vhost_user.h"

namespace ppc::vmm {
namespace {

std::string config_error_of(const VirtiofsdConfig& config) {
  try {
    start_virtiofsd(config);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "<no ConfigError>";
}

class VirtiofsdStart : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/virtiofsd-test.XXXXXX";
    ASSERT_NE(::mkdtemp(pattern), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string dir_;
};

TEST_F(VirtiofsdStart, ArgumentsForDebian12sDaemon) {
  const std::vector<std::string> want = {"/usr/lib/qemu/virtiofsd", "--fd=3", "-o", "source=/srv/share", "-o",
                                         "cache=auto", "-o", "announce_submounts", "-o", "xattr", "-o",
                                         "log_level=warn", "--thread-pool-size=1", "--rlimit-nofile=65536"};
  EXPECT_EQ(virtiofsd_arguments({"/usr/lib/qemu/virtiofsd", "/srv/share"}, 3), want);
}

TEST_F(VirtiofsdStart, AMissingOrNonExecutableProgramIsAConfigErrorNamingIt) {
  EXPECT_EQ(config_error_of({dir_ + "/missing", dir_}), "--virtiofsd " + dir_ + "/missing: No such file or directory");
  EXPECT_EQ(config_error_of({dir_, dir_}), "--virtiofsd " + dir_ + ": not a regular file");
  std::ofstream(dir_ + "/plain") << "#!/bin/sh\n";
  ::chmod((dir_ + "/plain").c_str(), 0644);
  EXPECT_EQ(config_error_of({dir_ + "/plain", dir_}), "--virtiofsd " + dir_ + "/plain: not executable");
}

TEST_F(VirtiofsdStart, ACgroupThatIsNotACgroupV2DirectoryIsAConfigErrorNamingIt) {
  EXPECT_EQ(config_error_of({FAKE_VIRTIOFSD, dir_, dir_}), "--virtiofsd-cgroup " + dir_ + ": not a cgroup v2 directory");
  EXPECT_EQ(config_error_of({FAKE_VIRTIOFSD, dir_, dir_ + "/missing"}),
            "--virtiofsd-cgroup: open " + dir_ + "/missing: No such file or directory");
}

TEST_F(VirtiofsdStart, AnExecFailureIsAnErrorNamingTheProgram) {
  std::ofstream(dir_ + "/garbage") << "neither ELF nor script";
  ::chmod((dir_ + "/garbage").c_str(), 0755);
  try {
    start_virtiofsd({dir_ + "/garbage", dir_});
    FAIL() << "started";
  } catch (const ConfigError& e) {
    FAIL() << e.what();
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "starting virtiofsd " + dir_ + "/garbage: Exec format error");
  }
}

size_t open_fd_count() {
  size_t n = 0;
  for ([[maybe_unused]] const auto& entry : std::filesystem::directory_iterator("/proc/self/fd")) ++n;
  return n;
}

TEST_F(VirtiofsdStart, StartsTheDaemonOnAListeningSocketAlreadyConnectedToUs) {
  // An fd inherited without close-on-exec (as --keep-fd's are) must not reach the daemon, nor
  // the VMM's ignored SIGPIPE and blocked signals.
  const UniqueFd inherited(::dup(STDERR_FILENO));
  struct sigaction ignore {}, old_pipe {};
  ignore.sa_handler = SIG_IGN;
  ::sigaction(SIGPIPE, &ignore, &old_pipe);
  sigset_t term, old_mask;
  sigemptyset(&term);
  sigaddset(&term, SIGTERM);
  ::pthread_sigmask(SIG_BLOCK, &term, &old_mask);
  const size_t fds_before = open_fd_count();
  Virtiofsd daemon = start_virtiofsd({FAKE_VIRTIOFSD, dir_});
  ::sigaction(SIGPIPE, &old_pipe, nullptr);
  ::pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
  ASSERT_GT(daemon.pid, 0);
  // Only the connected socket stays with us: the listening one went to the daemon alone.
  EXPECT_EQ(open_fd_count(), fds_before + 1);
  VhostUserFrontend frontend(std::move(daemon.socket), std::chrono::seconds(20));
  EXPECT_EQ(frontend.start(), 0x175000000ull);  // the fake answers as virtiofsd does
  frontend.disconnect("test over");  // the daemon sees the hang-up and ends
  int status = 0;
  ASSERT_EQ(::waitpid(daemon.pid, &status, 0), daemon.pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0) << "the fake found a broken promise (see its stderr)";
}

}  // namespace
}  // namespace ppc::vmm
