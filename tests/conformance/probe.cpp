// conformance_probe: a container's process that prints what it can observe about its own
// set-up, one "key=value" line each, so that the same bundle run by crun and by ppc-kvm-shim
// can be compared line by line (tests/e2e/cases/conformance.sh). Values that differ from
// run to run by nature (pids other than our own, inode numbers, times) are left out or
// normalised; what a VM boundary changes (kernel release, cgroup path) is printed and listed
// in tests/conformance/differences.txt.
#include <fcntl.h>
#include <grp.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <dirent.h>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

extern char** environ;

namespace {

void put(const std::string& key, const std::string& value) { std::printf("%s=%s\n", key.c_str(), value.c_str()); }

std::string errno_name(int e) {
  switch (e) {
    case 0: return "ok";
    case EACCES: return "EACCES";
    case EPERM: return "EPERM";
    case ENOENT: return "ENOENT";
    case EROFS: return "EROFS";
    case EISDIR: return "EISDIR";
    case ENOTDIR: return "ENOTDIR";
    case EINVAL: return "EINVAL";
    case ENXIO: return "ENXIO";
    default: return "errno" + std::to_string(e);
  }
}

std::vector<std::string> lines_of(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> out;
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

std::string first_line(const std::string& path) {
  const auto lines = lines_of(path);
  return lines.empty() ? "<unreadable>" : lines.front();
}

// /proc/self/status: credentials, capabilities, no_new_privs, seccomp, signals, umask.
void status() {
  static const char* kKeys[] = {"Umask", "Uid", "Gid", "Groups", "CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb",
                                "NoNewPrivs", "Seccomp", "SigBlk", "SigIgn"};
  for (const std::string& line : lines_of("/proc/self/status")) {
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    const std::string key = line.substr(0, colon);
    if (std::find(std::begin(kKeys), std::end(kKeys), key) == std::end(kKeys)) continue;
    std::string value = line.substr(colon + 1);
    std::replace(value.begin(), value.end(), '\t', ' ');
    value.erase(0, value.find_first_not_of(' '));
    value.erase(value.find_last_not_of(' ') + 1);
    put("status." + key, value);
  }
}

void limits() {
  struct Named { const char* name; int resource; };
  static const Named kLimits[] = {{"as", RLIMIT_AS}, {"core", RLIMIT_CORE}, {"cpu", RLIMIT_CPU},
                                  {"data", RLIMIT_DATA}, {"fsize", RLIMIT_FSIZE}, {"locks", RLIMIT_LOCKS},
                                  {"memlock", RLIMIT_MEMLOCK}, {"msgqueue", RLIMIT_MSGQUEUE},
                                  {"nice", RLIMIT_NICE}, {"nofile", RLIMIT_NOFILE}, {"nproc", RLIMIT_NPROC},
                                  {"rss", RLIMIT_RSS}, {"rtprio", RLIMIT_RTPRIO}, {"rttime", RLIMIT_RTTIME},
                                  {"sigpending", RLIMIT_SIGPENDING}, {"stack", RLIMIT_STACK}};
  const auto text = [](rlim_t v) { return v == RLIM_INFINITY ? std::string("unlimited") : std::to_string(v); };
  for (const Named& l : kLimits) {
    rlimit r{};
    if (::getrlimit(l.resource, &r) != 0) continue;
    put(std::string("rlimit.") + l.name, text(r.rlim_cur) + " " + text(r.rlim_max));
  }
}

void identity() {
  utsname u{};
  ::uname(&u);
  put("uts.hostname", u.nodename);
  put("uts.domainname", u.domainname);
  put("uts.release", u.release);
  char cwd[PATH_MAX];
  put("cwd", ::getcwd(cwd, sizeof cwd) ? cwd : "<" + errno_name(errno) + ">");
  put("pid", std::to_string(::getpid()));
  put("ppid", std::to_string(::getppid()));
  put("oom_score_adj", first_line("/proc/self/oom_score_adj"));
  put("cgroup", first_line("/proc/self/cgroup"));
  put("uid_map", first_line("/proc/self/uid_map"));
  put("dumpable", std::to_string(::prctl(PR_GET_DUMPABLE)));
  for (int fd = 0; fd <= 2; ++fd) put("isatty." + std::to_string(fd), ::isatty(fd) ? "yes" : "no");
  std::vector<std::string> env;
  for (char** e = environ; *e; ++e) env.emplace_back(*e);
  std::sort(env.begin(), env.end());
  for (const std::string& e : env) put("env", e);
}

// mountinfo, normalised: mount point, file system type, per-mount options; the root's source
// and ids vary by nature.
void mounts() {
  for (const std::string& line : lines_of("/proc/self/mountinfo")) {
    std::istringstream in(line);
    std::string id, parent, devno, root, point, options, field;
    in >> id >> parent >> devno >> root >> point >> options;
    while (in >> field && field != "-") {
    }
    std::string fstype, source, super;
    in >> fstype >> source >> super;
    put("mount." + point, fstype + " " + options);
  }
}

// Whether each path can be opened for reading and for writing (nothing is written), and for
// a directory how many entries it shows.
void access_of(const std::string& path) {
  struct stat st{};
  if (::lstat(path.c_str(), &st) != 0) return put("path." + path, "<" + errno_name(errno) + ">");
  std::string value = S_ISDIR(st.st_mode) ? "dir" : S_ISCHR(st.st_mode) ? "chr" : S_ISREG(st.st_mode) ? "file" : "other";
  if (S_ISDIR(st.st_mode)) {
    int entries = -1;
    if (DIR* d = ::opendir(path.c_str())) {
      entries = 0;
      while (const dirent* e = ::readdir(d)) entries += std::strcmp(e->d_name, ".") && std::strcmp(e->d_name, "..");
      ::closedir(d);
    }
    value += " entries " + (entries < 0 ? "<" + errno_name(errno) + ">" : std::to_string(entries > 0 ? 1 : 0));
  }
  for (const int flags : {O_RDONLY, O_WRONLY}) {
    errno = 0;
    const int fd = ::open(path.c_str(), flags | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    value += std::string(flags == O_RDONLY ? " read " : " write ") + errno_name(fd >= 0 ? 0 : errno);
    if (fd >= 0) ::close(fd);
  }
  put("path." + path, value);
}

void paths() {
  static const char* kPaths[] = {
      "/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list",
      "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi", "/sys/firmware", "/sys/fs/selinux", "/sys/dev/block",
      "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger", "/proc/sys/kernel/hostname",
      "/sys/fs/cgroup", "/sys/kernel", "/etc/hostname", "/etc/hosts", "/etc/resolv.conf", "/tmp", "/",
      "/etc/passwd", "/dev/shm", "/dev/mqueue", "/mnt/data", "/mnt/data/file"};
  for (const char* p : kPaths) access_of(p);
}

void devices() {
  DIR* d = ::opendir("/dev");
  if (!d) return put("dev", "<" + errno_name(errno) + ">");
  std::vector<std::string> found;
  while (const dirent* e = ::readdir(d)) {
    const std::string name = e->d_name;
    struct stat st{};
    if (name == "." || name == ".." || ::lstat(("/dev/" + name).c_str(), &st) != 0) continue;
    char mode[16];
    std::snprintf(mode, sizeof mode, "%04o", st.st_mode & 07777);
    std::string kind = S_ISCHR(st.st_mode) ? "chr " + std::to_string(major(st.st_rdev)) + ":" + std::to_string(minor(st.st_rdev))
                       : S_ISBLK(st.st_mode) ? "blk"
                       : S_ISDIR(st.st_mode) ? "dir"
                       : S_ISLNK(st.st_mode) ? "link"
                                             : "other";
    found.push_back("dev./dev/" + name + "=" + kind + " " + mode + " " + std::to_string(st.st_uid) + ":" +
                    std::to_string(st.st_gid));
  }
  ::closedir(d);
  std::sort(found.begin(), found.end());
  for (const std::string& f : found) std::printf("%s\n", f.c_str());
}

void sysctls() {
  static const char* kKeys[] = {"kernel/shm_rmid_forced", "kernel/msgmax", "kernel/domainname",
                                "net/ipv4/ip_unprivileged_port_start", "net/ipv4/ping_group_range",
                                "net/core/somaxconn"};
  for (const char* k : kKeys) put(std::string("sysctl.") + k, first_line(std::string("/proc/sys/") + k));
}

}  // namespace

int main() {
  status();
  limits();
  identity();
  mounts();
  paths();
  devices();
  sysctls();
  return std::fflush(stdout) == 0 ? 0 : 1;
}
