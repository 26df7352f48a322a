#include "container/process_setup.h"

#include <fcntl.h>
#include <grp.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "base/error.h"
#include "base/unique_fd.h"
#include "container/capabilities.h"
#include "container/executable.h"
#include "container/home_env.h"
#include "container/launch_error.h"
#include "container/seccomp_filter.h"

namespace ppc::agent {
namespace {

void apply_rlimits(const oci::Process& process) {
  for (const oci::Rlimit& limit : process.rlimits) {
    rlimit value{limit.soft, limit.hard};
    if (::setrlimit(limit.resource, &value) != 0) throw_errno("process.rlimits " + limit.type);
  }
}

void apply_oom_score_adj(int adj) {
  UniqueFd fd(::open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC));
  const std::string text = std::to_string(adj);
  if (!fd.valid() || ::write(fd.get(), text.data(), text.size()) < 0) throw_errno("process.oomScoreAdj");
}

void apply_user(const oci::User& user) {
  std::vector<gid_t> groups(user.additional_gids.begin(), user.additional_gids.end());
  if (::setgroups(groups.size(), groups.data()) != 0) throw_errno("process.user.additionalGids");
  if (::setresgid(user.gid, user.gid, user.gid) != 0) throw_errno("process.user.gid " + std::to_string(user.gid));
  if (::setresuid(user.uid, user.uid, user.uid) != 0) throw_errno("process.user.uid " + std::to_string(user.uid));
}

std::vector<char*> c_strings(const std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (const std::string& s : strings) out.push_back(const_cast<char*>(s.c_str()));
  out.push_back(nullptr);
  return out;
}

}  // namespace

void exec_process(const oci::Process& process, const std::optional<oci::Seccomp>& seccomp) {
  // Read while the process is still root: the container's /etc/passwd may be root's only.
  const std::vector<std::string> env = with_home(process.env, process.user.uid);
  apply_rlimits(process);
  if (process.oom_score_adj) apply_oom_score_adj(*process.oom_score_adj);
  ::umask(process.user.umask.value_or(022));

  if (process.capabilities) apply_bounding_set(*process.capabilities);
  // Keep the permitted set across the uid change; the configured sets replace it next.
  if (::prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0) throw_errno("prctl PR_SET_KEEPCAPS");
  // Without no_new_privs the filter must go in while CAP_SYS_ADMIN is still held; the
  // profile then has to allow what follows (as with runc).
  const bool early_seccomp = seccomp && !process.no_new_privileges;
  if (early_seccomp) load_seccomp_filter(*seccomp);
  apply_user(process.user);
  if (::prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) != 0) throw_errno("prctl PR_SET_KEEPCAPS");
  if (process.capabilities) apply_process_capabilities(*process.capabilities);

  const std::string cwd = process.cwd.empty() ? "/" : process.cwd;
  if (::chdir(cwd.c_str()) != 0) throw_errno("process.cwd " + cwd);
  const std::string path = find_executable(process.args.at(0), process.env);
  if (process.no_new_privileges && ::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
    throw_errno("process.noNewPrivileges");
  }
  if (seccomp && !early_seccomp) load_seccomp_filter(*seccomp);

  std::vector<char*> argv = c_strings(process.args);
  std::vector<char*> envp = c_strings(env);
  ::execve(path.c_str(), argv.data(), envp.data());
  const int error = errno;
  const std::string message = "exec: \"" + process.args[0] + "\": " + std::strerror(error);
  throw LaunchError(message, error == ENOENT ? 127 : 126);
}

}  // namespace ppc::agent
