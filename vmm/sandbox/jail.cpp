#include "sandbox/jail.h"

#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>

#include "base/error.h"
#include "base/unique_fd.h"

namespace ppc::vmm {
namespace {

constexpr uint64_t kLockedDown = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC;

void set_attributes(int dirfd, const char* path, unsigned flags, uint64_t attrs, const std::string& what) {
  mount_attr attr{};
  attr.attr_set = attrs;
  if (::mount_setattr(dirfd, path, flags, &attr, sizeof attr) < 0) throw_errno("jail: mount_setattr " + what);
}

// A detached tmpfs: at most 64 KiB and 64 inodes, as it only ever holds mount points.
UniqueFd make_root_tmpfs() {
  UniqueFd fs(::fsopen("tmpfs", FSOPEN_CLOEXEC));
  if (!fs.valid()) throw_errno("jail: fsopen tmpfs");
  for (const auto& [key, value] : {std::pair{"size", "64k"}, {"nr_inodes", "64"}, {"mode", "0755"}})
    if (::fsconfig(fs.get(), FSCONFIG_SET_STRING, key, value, 0) < 0) throw_errno(std::string("jail: tmpfs option ") + key);
  if (::fsconfig(fs.get(), FSCONFIG_CMD_CREATE, nullptr, nullptr, 0) < 0) throw_errno("jail: creating the tmpfs");
  UniqueFd mnt(::fsmount(fs.get(), FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC));
  if (!mnt.valid()) throw_errno("jail: fsmount tmpfs");
  return mnt;
}

// mkdir -p of `relative` below dirfd.
void make_dirs(int dirfd, const std::filesystem::path& relative) {
  std::filesystem::path sofar;
  for (const auto& part : relative) {
    sofar /= part;
    if (::mkdirat(dirfd, sofar.c_str(), 0755) < 0 && errno != EEXIST) throw_errno("jail: mkdir " + sofar.string());
  }
}

}  // namespace

std::string absolute_path(const std::string& path) {
  return std::filesystem::absolute(path).lexically_normal().string();
}

std::string parent_dir(const std::string& absolute) {
  return std::filesystem::path(absolute).parent_path().lexically_normal().string();
}

std::string build_jail(const JailLayout& layout) {
  if (::unshare(CLONE_NEWNS | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWNET) < 0)
    throw_errno(errno == EINVAL ? "jail: unshare mount, IPC, UTS and network namespaces (are CONFIG_IPC_NS, "
                                  "CONFIG_UTS_NS and CONFIG_NET_NS on in this kernel?)"
                                : "jail: unshare mount, IPC, UTS and network namespaces");
  // Nothing we mount from here on may propagate back to the host, nor the host's mounts to us.
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) < 0) throw_errno("jail: making / private");
  static constexpr char kHostname[] = "ppc-kvm-vmm";
  if (::sethostname(kHostname, sizeof kHostname - 1) < 0) throw_errno("jail: sethostname");

  // Detached read-only copies of the directories that stay reachable, taken while the host's
  // tree is still in view.
  std::vector<std::pair<std::filesystem::path, UniqueFd>> binds;
  for (const auto& dir : layout.reachable_dirs) {
    const std::filesystem::path p(dir);
    if (!p.is_absolute() || p.lexically_normal() != p || p == p.root_path())
      throw Error("jail: '" + dir + "' must be an absolute, normalized directory other than /");
    UniqueFd tree(::open_tree(AT_FDCWD, dir.c_str(), OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC));
    if (!tree.valid()) throw_errno("jail: open_tree " + dir);
    set_attributes(tree.get(), "", AT_EMPTY_PATH, kLockedDown, dir);
    binds.emplace_back(p.relative_path(), std::move(tree));
  }

  // The new root goes on top of the old "/" (a mount point that always exists); our cwd moves
  // onto it through its fd, and the bind mounts go in relative to it.
  const UniqueFd root = make_root_tmpfs();
  if (::move_mount(root.get(), "", AT_FDCWD, "/", MOVE_MOUNT_F_EMPTY_PATH) < 0) throw_errno("jail: attaching the root tmpfs");
  for (auto& [relative, tree] : binds) {
    make_dirs(root.get(), relative);
    if (::move_mount(tree.get(), "", root.get(), relative.c_str(), MOVE_MOUNT_F_EMPTY_PATH) < 0)
      throw_errno("jail: mounting /" + relative.string());
  }
  if (::fchdir(root.get()) < 0) throw_errno("jail: fchdir to the new root");

  // pivot_root(".", ".") stacks the old root on the new one; detaching "." then drops it.
  std::string how = "pivot_root";
  if (::syscall(SYS_pivot_root, ".", ".") == 0) {
    if (::umount2(".", MNT_DETACH) < 0) throw_errno("jail: detaching the old root");
  } else if (errno == EINVAL) {
    how = "chroot: pivot_root refused, as from an initramfs root";
    // The old root is the initramfs (rootfs), which has no parent mount and can never be
    // pivoted away (as in the test rig's L1). Our tmpfs already hides it at "/"; chroot makes
    // the tmpfs our root. The old tree then stays in this private namespace, out of reach:
    // no fd refers to it, and chroot, mount and pivot_root are outside every seccomp role
    // (and need capabilities the VMM no longer has).
    if (::chroot(".") < 0) throw_errno("jail: chroot into the new root");
  } else {
    throw_errno("jail: pivot_root");
  }
  if (::chdir("/") < 0) throw_errno("jail: chdir /");
  set_attributes(root.get(), "", AT_EMPTY_PATH, MOUNT_ATTR_RDONLY, "/");
  return how;
}

}  // namespace ppc::vmm
