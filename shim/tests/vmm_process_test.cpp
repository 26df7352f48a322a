// Starting the VMM and reading its ready line, with shell scripts standing in for it.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <set>
#include <sstream>

#include "test_dir.h"
#include "state/process_info.h"
#include "vm/vmm_process.h"

namespace ppc::shim {
namespace {

using test::TestDir;

VmmProcess spawn_script(const std::string& script) {
  return VmmProcess::spawn({"/bin/sh", "-c", script}, VmmStdio{});
}

TEST(shim_vmm_process, CommandLineFollowsTheContract) {
  ShimConfig c;
  c.vmm = "/v";
  c.kernel_cmdline = "quiet";
  c.vmm_args = {"--stats"};
  c.virtiofsd = "/usr/lib/qemu/virtiofsd";
  const VmSize s{336, 2, "pr", "/k"};
  EXPECT_EQ(vmm_command(c, s, "/run/x/c1", VmmFiles{"/run/x/agent-initramfs-1.cpio", "/run/x/c1/share"}),
            (std::vector<std::string>{"/v", "--kernel", "/k", "--initrd", "/run/x/agent-initramfs-1.cpio", "--cmdline",
                                      "quiet", "--memory", "336M", "--vcpus", "2", "--vm-type", "pr", "--fs-share",
                                      "/run/x/c1/share", "--fs-tag", "ppc-kvm-share", "--virtiofsd",
                                      "/usr/lib/qemu/virtiofsd", "--vsock-uds", "/run/x/c1/vm/vsock.sock", "--console",
                                      "/run/x/c1/console.log", "--log", "/run/x/c1/vmm.log", "--container-request",
                                      "/run/x/c1/create.json", "--ready-fd", "3", "--until-adopted", "--stats"}));
  // Restored from a template: no kernel, initramfs or command line; the same size and devices.
  const auto restored = vmm_command(c, s, "/run/x/c1", VmmFiles{"/i", "/run/x/c1/share", {}, "/var/lib/t/0123"});
  EXPECT_EQ(std::vector<std::string>(restored.begin(), restored.begin() + 9),
            (std::vector<std::string>{"/v", "--restore-from", "/var/lib/t/0123", "--memory", "336M", "--vcpus", "2",
                                      "--vm-type", "pr"}));
  for (const char* flag : {"--kernel", "--initrd", "--cmdline"}) EXPECT_EQ(std::count(restored.begin(), restored.end(), flag), 0);
  EXPECT_EQ(std::count(restored.begin(), restored.end(), "--container-request"), 1);
  const auto auto_type = vmm_command(ShimConfig{}, VmSize{128, 1, "auto", "/k"}, "/d", VmmFiles{"/i", ""});
  EXPECT_EQ(std::count(auto_type.begin(), auto_type.end(), "--vm-type"), 0);
  EXPECT_EQ(std::count(auto_type.begin(), auto_type.end(), "--fs-share"), 0);
  EXPECT_EQ(std::count(auto_type.begin(), auto_type.end(), "--net"), 0);
  const std::vector<std::string> flags = {"--net", "tap=tap0_kvm,mac=02:00:00:00:00:01,mtu=1500", "--net",
                                          "tap=tap1_kvm,mac=02:00:00:00:00:02"};
  const auto nics = vmm_command(ShimConfig{}, VmSize{128, 1, "auto", "/k"}, "/d",
                                VmmFiles{"/i", "", {flags[1], flags[3]}});
  const auto net = std::find(nics.begin(), nics.end(), "--net");
  ASSERT_GE(std::distance(net, nics.end()), 4);
  EXPECT_EQ(std::vector<std::string>(net, net + 4), flags);
  // The host setting vhost_net: every NIC's frames move through the kernel's vhost-net.
  ShimConfig vhost;
  vhost.vhost_net = true;
  const auto with_vhost = vmm_command(vhost, VmSize{128, 1, "auto", "/k"}, "/d", VmmFiles{"/i", "", {flags[1], flags[3]}});
  const auto vhost_net = std::find(with_vhost.begin(), with_vhost.end(), "--net");
  ASSERT_GE(std::distance(vhost_net, with_vhost.end()), 4);
  EXPECT_EQ(std::vector<std::string>(vhost_net, vhost_net + 4),
            (std::vector<std::string>{"--net", flags[1] + ",vhost=on", "--net", flags[3] + ",vhost=on"}));
}

TEST(shim_vmm_process, StartsInTheNetworkNamespaceGivenAndFailsClearlyWithoutOne) {
  if (::geteuid() != 0) GTEST_SKIP() << "setns needs CAP_SYS_ADMIN";
  TestDir dir;
  // The test's own namespace: the child's setns into it shows in the namespace it reports.
  UniqueFd own(::open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC));
  ASSERT_TRUE(own.valid());
  const std::string script = "readlink /proc/$$/ns/net > " + dir / "netns" + "; echo ok >&3; exit 0";
  VmmProcess vmm = VmmProcess::spawn({"/bin/sh", "-c", script}, VmmStdio{}, own.get());
  EXPECT_EQ(vmm.wait_ready(std::chrono::seconds(30), "/nonexistent", "/nonexistent"), std::nullopt);
  EXPECT_EQ(vmm.wait_exit(), 0);
  struct stat st {};
  ASSERT_EQ(::fstat(own.get(), &st), 0);
  EXPECT_EQ(test::slurp(dir / "netns"), "net:[" + std::to_string(st.st_ino) + "]\n");
  // An fd that is not a network namespace: the child says so instead of starting the VMM.
  UniqueFd uts(::open("/proc/self/ns/uts", O_RDONLY | O_CLOEXEC));
  VmmProcess wrong = VmmProcess::spawn({"/bin/sh", "-c", "echo ok >&3"}, VmmStdio{}, uts.get());
  const auto failure = wrong.wait_ready(std::chrono::seconds(30), "/nonexistent", "/nonexistent");
  ASSERT_TRUE(failure);
  EXPECT_EQ(failure->message, "joining the container's network namespace: Invalid argument");
}

TEST(shim_vmm_process, OkThenTheExitStatusIsTheContainers) {
  VmmProcess vmm = spawn_script("echo ok >&3; exec 3>&-; exit 42");
  EXPECT_EQ(vmm.wait_ready(std::chrono::seconds(30), "/nonexistent", "/nonexistent"), std::nullopt);
  EXPECT_EQ(vmm.wait_exit(), 42);
}

TEST(shim_vmm_process, ErrorLineCarriesStatusAndMessage) {
  VmmProcess vmm = spawn_script("echo 'error 127 exec: \"nope\": executable file not found in $PATH' >&3; sleep 30");
  const auto failure = vmm.wait_ready(std::chrono::seconds(30), "/nonexistent", "/nonexistent");
  ASSERT_TRUE(failure);
  EXPECT_EQ(failure->exit_status, 127);
  EXPECT_EQ(failure->message, "exec: \"nope\": executable file not found in $PATH");
  EXPECT_EQ(vmm.pid(), -1);  // killed and reaped, not left sleeping
}

TEST(shim_vmm_process, DeathBeforeReportShowsTheConsole) {
  TestDir dir;
  const std::string console = dir.write("console.log", "booting\r\nKernel panic - not syncing: no init\r\n");
  VmmProcess vmm = spawn_script("exit 4");
  const auto failure = vmm.wait_ready(std::chrono::seconds(30), console, dir.write("vmm.log", "ppc-kvm-vmm: guest panic\n"));
  ASSERT_TRUE(failure);
  EXPECT_EQ(failure->exit_status, 1);
  EXPECT_NE(failure->message.find("the VMM exited before the container was created (exit status 4)"), std::string::npos)
      << failure->message;
  EXPECT_NE(failure->message.find("Kernel panic - not syncing: no init\n"), std::string::npos) << failure->message;
  EXPECT_NE(failure->message.find("VMM log (last lines):\nppc-kvm-vmm: guest panic\n"), std::string::npos) << failure->message;
}

TEST(shim_vmm_process, TailOfFileReadsOnlyTheEndAndEscapesControlCharacters) {
  TestDir dir;
  EXPECT_EQ(tail_of_file(dir.write("small.log", "one\ntwo\r\nthree\n"), 2), "two\nthree\n");
  // A guest's megabyte line, then a terminal escape sequence: the line's end is not read whole
  // into memory, and the escape reaches the user as text.
  const std::string flood(1 << 20, 'a');
  EXPECT_EQ(tail_of_file(dir.write("flood.log", flood + "\n\x1b[2Jcleared\r\nlast\x07 line\tend\n"), 5),
            "\\x1b[2Jcleared\nlast\\x07 line\tend\n");
  const std::string one_line = tail_of_file(dir.write("one.log", flood), 5);
  EXPECT_EQ(one_line, std::string(kTailBytes, 'a') + "\n");
  EXPECT_EQ(tail_of_file(dir.path() + "/missing.log", 5), "");
}

TEST(shim_vmm_process, SilentVmmTimesOutAndIsKilled) {
  VmmProcess vmm = spawn_script("exec sleep 60");
  const pid_t pid = vmm.pid();
  const auto failure = vmm.wait_ready(std::chrono::seconds(1), "/nonexistent", "/nonexistent");
  ASSERT_TRUE(failure);
  EXPECT_NE(failure->message.find("did not report"), std::string::npos);
  EXPECT_NE(::kill(pid, 0), 0);  // reaped: the pid is gone
}

TEST(shim_vmm_process, MissingProgramIsReported) {
  VmmProcess vmm = VmmProcess::spawn({"/nonexistent/ppc-kvm-vmm"}, VmmStdio{});
  const auto failure = vmm.wait_ready(std::chrono::seconds(30), "/nonexistent", "/nonexistent");
  ASSERT_TRUE(failure);
  EXPECT_NE(failure->message.find("cannot execute the VMM /nonexistent/ppc-kvm-vmm"), std::string::npos) << failure->message;
}

TEST(shim_vmm_process, UnreleasedVmmDiesWithItsOwner) {
  pid_t pid;
  {
    VmmProcess vmm = spawn_script("exec sleep 60");
    pid = vmm.pid();
  }
  EXPECT_NE(::kill(pid, 0), 0);
  EXPECT_EQ(shell_status(9), 137);  // killed by SIGKILL
  EXPECT_EQ(shell_status(3 << 8), 3);
}

// The VMM's jail forks the real VMM below the pid the shim knows; a VMM killed before a cold
// boot is retried must be gone whole (the one below held the taps), not only its top.
TEST(shim_vmm_process, AKilledVmmsWholeTreeIsGoneWhenKillAndReapReturns) {
  TestDir dir;
  const std::string below = dir / "below";
  VmmProcess vmm = spawn_script("sleep 60 & echo $! > " + below + ".tmp; mv " + below + ".tmp " + below + "; wait");
  for (int i = 0; i < 500 && ::access(below.c_str(), F_OK) != 0; ++i) ::usleep(10000);
  const pid_t child = static_cast<pid_t>(std::stol(test::slurp(below)));
  const auto stat = read_proc_stat(child);
  ASSERT_TRUE(stat.has_value());
  vmm.kill_and_reap();
  EXPECT_FALSE(process_running(child, stat->start_time)) << "the process below the VMM outlived it";
}

TEST(shim_vmm_process, VmmRunsInItsOwnSessionWithStdioAndReadyFd) {
  TestDir dir;
  const std::string out = dir / "out";
  VmmProcess vmm = spawn_script("echo sid=$(cut -d' ' -f6 /proc/$$/stat) pid=$$ > " + out + "; ls /proc/$$/fd > " + out +
                                ".fds; echo ok >&3");
  EXPECT_EQ(vmm.wait_ready(std::chrono::seconds(30), "/nonexistent", "/nonexistent"), std::nullopt);
  const pid_t pid = vmm.pid();
  vmm.wait_exit();
  EXPECT_EQ(test::slurp(out), "sid=" + std::to_string(pid) + " pid=" + std::to_string(pid) + "\n");
  // Only stdio and the ready fd reach the VMM (a shell may keep a saved copy at 10 or more).
  std::istringstream fds(test::slurp(out + ".fds"));
  std::set<int> seen;
  for (int fd; fds >> fd;) seen.insert(fd);
  EXPECT_TRUE(seen.count(3)) << "no ready fd";
  for (const int fd : seen) EXPECT_TRUE(fd <= 3 || fd >= 10) << "leaked fd " << fd;
}

}  // namespace
}  // namespace ppc::shim
