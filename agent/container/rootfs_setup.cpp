#include "container/rootfs_setup.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <string>

#include "base/error.h"
#include "base/unique_fd.h"
#include "container/open_or_create.h"
#include "container/devices.h"
#include "init/shared_fs.h"
#include "log.h"
#include "oci/mount_options.h"

namespace ppc::agent {
namespace {

namespace fs = std::filesystem;

std::string in_root(const std::string& container_path) { return std::string(kContainerRoot) + container_path; }

// A directory bound from the share, held open (setup_container_root's result).
UniqueFd hold_shared_mount(const std::string& target) {
  UniqueFd fd(::open(target.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC));
  if (!fd.valid()) throw_errno("holding the shared mount at " + target);
  return fd;
}

void mkdir_all(const std::string& path) {
  std::error_code ec;
  fs::create_directories(path, ec);
  if (ec) throw Error("mkdir " + path + ": " + ec.message());
}

// A bind mount of a file needs a file to mount over; of a directory, a directory.
void make_mount_point(const std::string& target, bool file) {
  if (!file) return mkdir_all(target);
  mkdir_all(fs::path(target).parent_path());
  // Read-only: one that exists (a read-only root's, made by the host) is taken as it is.
  UniqueFd fd = open_or_create(target, O_RDONLY | O_CLOEXEC, 0644);
  if (!fd.valid() && errno != EISDIR) throw_errno("creating mount point " + target);
}

void do_mount(const std::string& source, const std::string& target, const std::string& type, unsigned long flags,
              const std::string& data) {
  if (::mount(source.c_str(), target.c_str(), type.empty() ? nullptr : type.c_str(), flags,
              data.empty() ? nullptr : data.c_str()) != 0) {
    throw_errno("mount " + (type.empty() ? std::string("bind") : type) + " " + source + " on " + target);
  }
}

// Flags such as ro or nosuid only apply to a bind mount on a remount, which replaces all of
// them: the mount's own are kept (as crun and runc keep them) unless `clear` turns one off.
void remount_bind(const std::string& target, unsigned long add, unsigned long clear) {
  struct statvfs current {};
  if (::statvfs(target.c_str(), &current) != 0) throw_errno("statvfs " + target);
  unsigned long kept = 0;
  for (auto [st, ms] : {std::pair{ST_NOSUID, MS_NOSUID}, {ST_NODEV, MS_NODEV}, {ST_NOEXEC, MS_NOEXEC},
                        {ST_RDONLY, MS_RDONLY}}) {
    if ((current.f_flag & st) != 0) kept |= ms;
  }
  do_mount("", target, "", MS_BIND | MS_REMOUNT | add | (kept & ~clear), "");
}

// rro, rnosuid and friends: attributes for the mount and everything below it, which only
// mount_setattr(2) can set (glibc 2.36 has no wrapper).
void set_recursive_attributes(const std::string& target, const oci::MountOptions& options) {
  struct {
    uint64_t attr_set, attr_clr, propagation, userns_fd;
  } attr{options.rec_attr_set, options.rec_attr_clear, 0, 0};
  constexpr unsigned kAtRecursive = 0x8000;
  if (::syscall(SYS_mount_setattr, AT_FDCWD, target.c_str(), kAtRecursive, &attr, sizeof attr) != 0) {
    throw_errno("mount_setattr (recursive options) on " + target);
  }
}

// A directory bound from the share joins `held`.
void mount_one(const oci::Mount& m, std::vector<UniqueFd>& held) {
  const oci::MountOptions options = oci::parse_mount_options(m.options);
  const std::string target = in_root(m.destination);
  if (options.bind) {
    struct stat st {};
    if (::stat(m.source.c_str(), &st) != 0) throw_errno("bind source " + m.source);
    make_mount_point(target, !S_ISDIR(st.st_mode));
    do_mount(m.source, target, "", MS_BIND | (options.recursive ? MS_REC : 0), "");
    const unsigned long extra = options.flags & ~(MS_BIND | MS_REC);
    if (extra != 0) remount_bind(target, extra, options.clear_flags);
    if (S_ISDIR(st.st_mode) && in_shared_fs(m.source)) held.push_back(hold_shared_mount(target));
  } else {
    make_mount_point(target, false);
    std::string type = m.type;
    std::string data = options.data;
    // The guest kernel has the unified hierarchy only: a v1 "cgroup" mount becomes cgroup2.
    if (type == "cgroup") {
      type = "cgroup2";
      data.clear();
    }
    try {
      do_mount(m.source.empty() ? type : m.source, target, type, options.flags, data);
    } catch (const Error& e) {
      if (type != "cgroup2") throw;
      log_line(std::string("warning: ") + e.what() + " (skipped: the guest has no such cgroup mount)");
      return;
    }
  }
  if (options.propagation != 0) do_mount("", target, "", options.propagation, "");
  if (options.rec_attr_set != 0 || options.rec_attr_clear != 0) set_recursive_attributes(target, options);
}

void mask_path(const std::string& container_path) {
  const std::string target = in_root(container_path);
  struct stat st {};
  if (::lstat(target.c_str(), &st) != 0) return;  // nothing there to hide
  if (S_ISDIR(st.st_mode)) {
    do_mount("tmpfs", target, "tmpfs", MS_RDONLY, "size=0");
  } else {
    do_mount("/dev/null", target, "", MS_BIND, "");
    remount_bind(target, MS_RDONLY, 0);  // as crun binds it (a device on it still takes writes)
  }
}

void make_read_only(const std::string& container_path) {
  const std::string target = in_root(container_path);
  struct stat st {};
  if (::lstat(target.c_str(), &st) != 0) return;
  do_mount(target, target, "", MS_BIND | MS_REC, "");
  remount_bind(target, MS_RDONLY, 0);
}

void write_sysctl(const std::string& key, const std::string& value) {
  std::string path = "/proc/sys/" + key;
  for (size_t i = 10; i < path.size(); ++i) {
    if (path[i] == '.') path[i] = '/';
  }
  if (key.find("..") != std::string::npos || key.find('/') != std::string::npos) {
    throw Error("linux.sysctl: invalid key \"" + key + "\"");
  }
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CLOEXEC));
  if (!fd.valid()) throw_errno("linux.sysctl: " + key);
  if (::write(fd.get(), value.data(), value.size()) != static_cast<ssize_t>(value.size())) {
    throw_errno("linux.sysctl: " + key + " = " + value);
  }
}

unsigned long root_propagation(const std::string& name) {
  if (name.empty() || name == "rslave" || name == "slave") return MS_SLAVE | MS_REC;
  if (name == "rprivate" || name == "private") return MS_PRIVATE | MS_REC;
  if (name == "rshared" || name == "shared") return MS_SHARED | MS_REC;
  if (name == "runbindable" || name == "unbindable") return MS_UNBINDABLE | MS_REC;
  throw Error("linux.rootfsPropagation: unknown value \"" + name + "\"");
}

}  // namespace

std::vector<UniqueFd> setup_container_root(const oci::Config& config) {
  // Mounts made below must not reach the agent's namespace; "/" (the initramfs) is shared
  // by default.
  do_mount("", "/", "", MS_PRIVATE | MS_REC, "");
  // The container root becomes a mount of its own, which it must be to move onto "/": the
  // host's, from the shared file system, or the one the initramfs holds.
  const bool shared_root = in_shared_fs(config.root.path);
  const std::string root = shared_root ? config.root.path : std::string(kContainerRoot);
  mkdir_all(kContainerRoot);
  do_mount(root, kContainerRoot, "", MS_BIND | MS_REC, "");
  std::vector<UniqueFd> held;
  if (shared_root) held.push_back(hold_shared_mount(kContainerRoot));

  for (size_t i = 0; i < config.mounts.size(); ++i) {
    with_context("mounts[" + std::to_string(i) + "] (" + config.mounts[i].destination + ")",
                 [&] { mount_one(config.mounts[i], held); });
  }
  create_default_devices(kContainerRoot, config.linux.devices);
  for (const auto& [key, value] : config.linux.sysctl) write_sysctl(key, value);
  for (const std::string& path : config.linux.masked_paths) {
    with_context("linux.maskedPaths " + path, [&] { mask_path(path); });
  }
  for (const std::string& path : config.linux.readonly_paths) {
    with_context("linux.readonlyPaths " + path, [&] { make_read_only(path); });
  }

  // The initramfs is the rootfs mount, which pivot_root refuses to move: the container root
  // is moved over "/" and chrooted into instead (runc's --no-pivot). The agent and the
  // initramfs stay below, out of the container's sight.
  if (::chdir(kContainerRoot) != 0) throw_errno(std::string("chdir ") + kContainerRoot);
  do_mount(".", "/", "", MS_MOVE, "");
  if (::chroot(".") != 0) throw_errno("chroot into the container root");
  if (::chdir("/") != 0) throw_errno("chdir /");
  do_mount("", "/", "", root_propagation(config.linux.rootfs_propagation), "");
  // A missing process.cwd is made, as crun and runc make it: inside the root now, so that a
  // symlink on the way resolves there, and before the root turns read-only.
  if (config.process && !config.process->cwd.empty()) {
    with_context("process.cwd", [&] { mkdir_all(config.process->cwd); });
  }
  if (config.root.readonly) remount_bind("/", MS_RDONLY, 0);  // still nodev, as the share is
  return held;
}

}  // namespace ppc::agent
