#include "vm/vmm_process.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <algorithm>
#include <deque>
#include <memory>
#include <string_view>
#include <thread>
#include <utility>

#include "base/error.h"
#include "base/printable.h"
#include "base/ready_line.h"
#include "protocol/shared_fs.h"
#include "state/process_info.h"

namespace ppc::shim {

std::vector<std::string> machine_args(const ShimConfig& config, const VmSize& size, const VmmFiles& files) {
  std::vector<std::string> cmd = {config.vmm};
  if (files.restore_from.empty())
    cmd.insert(cmd.end(), {"--kernel", size.kernel, "--initrd", files.initramfs, "--cmdline", config.kernel_cmdline});
  else cmd.insert(cmd.end(), {"--restore-from", files.restore_from});
  cmd.insert(cmd.end(), {"--memory", std::to_string(size.memory_mib) + "M", "--vcpus", std::to_string(size.vcpus)});
  if (size.vm_type != "auto") cmd.insert(cmd.end(), {"--vm-type", size.vm_type});
  if (!files.share.empty())
    cmd.insert(cmd.end(), {"--fs-share", files.share, "--fs-tag", std::string(protocol::kSharedFsTag), "--virtiofsd",
                           config.virtiofsd});
  for (const std::string& nic : files.nics) cmd.insert(cmd.end(), {"--net", config.vhost_net ? nic + ",vhost=on" : nic});
  return cmd;
}

std::vector<std::string> vmm_command(const ShimConfig& config, const VmSize& size, const std::string& state_dir,
                                     const VmmFiles& files) {
  std::vector<std::string> cmd = machine_args(config, size, files);
  cmd.insert(cmd.end(), {"--vsock-uds", state_dir + "/vm/vsock.sock", "--console", state_dir + "/console.log",
                         "--log", state_dir + "/vmm.log", "--container-request", state_dir + "/create.json",
                         "--ready-fd", std::to_string(kReadyFd), "--until-adopted"});
  cmd.insert(cmd.end(), config.vmm_args.begin(), config.vmm_args.end());
  return cmd;
}

std::vector<std::string> member_command(const ShimConfig& config, const std::string& state_dir,
                                        const std::string& vm_socket) {
  return {config.vmm, "--join-vm", vm_socket, "--log", state_dir + "/vmm.log", "--container-request",
          state_dir + "/create.json", "--ready-fd", std::to_string(kReadyFd), "--until-adopted"};
}

int shell_status(int wait_status) {
  if (WIFEXITED(wait_status)) return WEXITSTATUS(wait_status);
  if (WIFSIGNALED(wait_status)) return 128 + WTERMSIG(wait_status);
  return 1;
}

std::string tail_of_file(const std::string& path, size_t lines) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  struct stat st {};
  if (!fd.valid() || ::fstat(fd.get(), &st) != 0) return "";
  const off_t start = st.st_size > static_cast<off_t>(kTailBytes) ? st.st_size - static_cast<off_t>(kTailBytes) : 0;
  std::string data(kTailBytes, '\0');
  const ssize_t n = ::pread(fd.get(), data.data(), data.size(), start);
  if (n < 0) return "";
  data.resize(static_cast<size_t>(n));
  // From the middle of the file the first line is a part of one: dropped, unless it is all.
  size_t pos = 0;
  if (start > 0 && data.find('\n') != std::string::npos) pos = data.find('\n') + 1;
  std::deque<std::string> last;
  while (pos < data.size()) {
    const size_t end = std::min(data.find('\n', pos), data.size());
    last.push_back(printable(std::string_view(data).substr(pos, end - pos)));
    if (last.size() > lines) last.pop_front();
    pos = end + 1;
  }
  std::string out;
  for (const std::string& l : last) out += l + "\n";
  return out;
}

namespace {

// Whether a thread of the process still runs: its leader turns zombie first while its other
// threads (a VMM's vCPUs) still hold the process's files, a tap among them.
bool any_thread_alive(pid_t pid, uint64_t start_time) {
  const auto stat = read_proc_stat(pid);
  if (!stat || stat->start_time != start_time) return false;
  if (stat->state != 'Z' && stat->state != 'X') return true;
  const std::unique_ptr<DIR, int (*)(DIR*)> tasks(::opendir(("/proc/" + std::to_string(pid) + "/task").c_str()), ::closedir);
  if (!tasks) return false;
  int threads = 0;
  while (const dirent* entry = ::readdir(tasks.get())) threads += entry->d_name[0] != '.';
  return threads > 1;
}

// The child's report of a failure before exec, "error 1 <what><detail>: <reason>" on the
// ready fd (only async-signal-safe calls).
[[noreturn]] void child_failed(const char* what, const char* detail, int error) {
  const char prefix[] = "error 1 ";
  [[maybe_unused]] ssize_t n = ::write(kReadyFd, prefix, sizeof prefix - 1);
  n = ::write(kReadyFd, what, std::strlen(what));
  n = ::write(kReadyFd, detail, std::strlen(detail));
  n = ::write(kReadyFd, ": ", 2);
  const char* reason = ::strerror(error);
  n = ::write(kReadyFd, reason, std::strlen(reason));
  n = ::write(kReadyFd, "\n", 1);
  ::_exit(127);
}

// Runs in the forked child: only async-signal-safe calls until exec.
[[noreturn]] void exec_child(const std::vector<char*>& argv, const VmmStdio& stdio, int ready_write, int netns,
                             pid_t parent) {
  ::setsid();
  if (parent > 0 && (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || ::getppid() != parent)) ::_exit(127);
  // Move every fd we keep above the stdio range first, so that dup2 never clobbers one.
  const int in = ::fcntl(stdio.in, F_DUPFD_CLOEXEC, 10);
  const int out = ::fcntl(stdio.out, F_DUPFD_CLOEXEC, 10);
  const int err = ::fcntl(stdio.err, F_DUPFD_CLOEXEC, 10);
  const int ready = ::fcntl(ready_write, F_DUPFD_CLOEXEC, 10);
  const int ns = netns >= 0 ? ::fcntl(netns, F_DUPFD_CLOEXEC, 10) : -1;
  if (in < 0 || out < 0 || err < 0 || ready < 0 || (netns >= 0 && ns < 0) || ::dup2(in, 0) < 0 ||
      ::dup2(out, 1) < 0 || ::dup2(err, 2) < 0 || ::dup2(ready, kReadyFd) < 0) {
    ::_exit(127);
  }
  if (stdio.controlling_terminal) ::ioctl(0, TIOCSCTTY, 0);
  // Before close_range, which closes the namespace's fd.
  if (ns >= 0 && ::setns(ns, CLONE_NEWNET) != 0) child_failed("joining the container's network namespace", "", errno);
  ::close_range(kReadyFd + 1, ~0U, 0);
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  for (int sig = 1; sig < NSIG; ++sig) ::signal(sig, SIG_DFL);
  ::execv(argv[0], argv.data());
  child_failed("cannot execute the VMM ", argv[0], errno);
}

}  // namespace

VmmProcess VmmProcess::spawn(const std::vector<std::string>& command, const VmmStdio& stdio, int netns,
                             bool die_with_parent) {
  // A socket, not a pipe: after "ok" the VMM waits on it for "adopted" (adopt()), and takes
  // its closing before that for this process's death (--until-adopted).
  int fds[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) throw_errno("socketpair");
  UniqueFd read_end(fds[0]), write_end(fds[1]);
  std::vector<char*> argv;
  for (const std::string& a : command) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  const pid_t parent = die_with_parent ? ::getpid() : 0;
  const pid_t pid = ::fork();
  if (pid < 0) throw_errno("fork");
  if (pid == 0) exec_child(argv, stdio, write_end.get(), netns, parent);
  return VmmProcess(pid, std::move(read_end));
}

VmmProcess::VmmProcess(VmmProcess&& other) noexcept : pid_(other.pid_), ready_(std::move(other.ready_)) {
  other.pid_ = -1;
}

VmmProcess::~VmmProcess() {
  if (pid_ > 0) kill_and_reap();
}

void VmmProcess::kill_and_reap() {
  if (pid_ > 0) kill_tree_and_reap();
}

int VmmProcess::kill_tree_and_reap() {
  // The whole tree, found while the root still holds it: the jailed VMM below would end only
  // later (PDEATHSIG), still holding the taps a VMM started next must open.
  std::vector<std::pair<pid_t, uint64_t>> below;
  for (const pid_t pid : process_tree(pid_)) {
    const auto stat = read_proc_stat(pid);
    if (pid != pid_ && stat) below.emplace_back(pid, stat->start_time);
    ::kill(pid, SIGKILL);
  }
  ::kill(pid_, SIGKILL);
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  pid_ = -1;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  for (const auto& [pid, start] : below) {
    while (any_thread_alive(pid, start) && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return status;
}

void VmmProcess::adopt() {
  static constexpr char kAdopted[] = "adopted\n";
  if (ready_.valid()) [[maybe_unused]] ssize_t n = ::send(ready_.get(), kAdopted, sizeof kAdopted - 1, MSG_NOSIGNAL);
  ready_.reset();
}

int VmmProcess::wait_exit() {
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0) {
    if (errno != EINTR) throw_errno("waitpid " + std::to_string(pid_));
  }
  pid_ = -1;
  return shell_status(status);
}

std::optional<int> VmmProcess::try_wait() {
  int status = 0;
  const pid_t r = ::waitpid(pid_, &status, WNOHANG);
  if (r < 0 && errno != EINTR) throw_errno("waitpid " + std::to_string(pid_));
  if (r != pid_) return std::nullopt;
  pid_ = -1;
  return shell_status(status);
}

std::optional<VmmFailure> VmmProcess::wait_ready(std::chrono::seconds timeout, const std::string& console_log,
                                                 const std::string& vmm_log) {
  // What the VMM and the guest said last: the reason, when the report is missing.
  auto logs = [&] {
    std::string out;
    const std::string vmm = tail_of_file(vmm_log, 10);
    if (!vmm.empty()) out += "\nVMM log (last lines):\n" + vmm;
    const std::string console = tail_of_file(console_log, 20);
    if (!console.empty()) out += "\nguest console (last lines):\n" + console;
    return out;
  };
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string line;
  bool eof = false;
  while (line.find('\n') == std::string::npos && !eof) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      kill_and_reap();
      return VmmFailure{1,
                        "the guest did not report its container created within " + std::to_string(timeout.count()) + " s" +
                            logs(),
                        VmmFailure::kTimedOut};
    }
    pollfd p{ready_.get(), POLLIN, 0};
    const int r = ::poll(&p, 1, static_cast<int>(std::min<int64_t>(left.count(), 1000)));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) throw_errno("poll the VMM's ready pipe");
    if (r == 0) continue;
    char buf[512];
    const ssize_t n = ::read(ready_.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) eof = true;
    else line.append(buf, static_cast<size_t>(n));
    if (line.size() > 65536) break;
  }
  line = line.substr(0, line.find('\n'));
  const std::optional<ReadyReport> report = decode_ready_line(line);
  if (report && report->ok) return std::nullopt;
  if (report) {
    kill_and_reap();
    return VmmFailure{report->status, report->message};
  }
  // No (or a garbled) report: the VMM died or broke the contract.
  const int status = kill_tree_and_reap();
  std::string why = line.empty() ? "the VMM exited before the container was created"
                                  : "the VMM reported \"" + line + "\" instead of ok or error";
  if (WIFEXITED(status)) why += " (exit status " + std::to_string(WEXITSTATUS(status)) + ")";
  else if (WIFSIGNALED(status) && WTERMSIG(status) != SIGKILL) why += " (killed by signal " + std::to_string(WTERMSIG(status)) + ")";
  return VmmFailure{1, why + logs(), VmmFailure::kNoReport};
}

}  // namespace ppc::shim
