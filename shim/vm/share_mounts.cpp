#include "vm/share_mounts.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

#include "base/error.h"
#include "base/tree_removal.h"

namespace ppc::shim {
namespace {

void mount_or_throw(const std::string& source, const std::string& target, unsigned long flags, const std::string& what) {
  if (::mount(source.c_str(), target.c_str(), nullptr, flags, nullptr) != 0) throw_errno(what + " " + target);
}

// Without mount_setattr (user-mode emulation has none): a remount of each mount at or below
// `target`, keeping the flags it has and adding ours (a bind's remount replaces them all).
void remount_each(const std::string& target, uint64_t set) {
  unsigned long add = 0;
  if (set & MOUNT_ATTR_RDONLY) add |= MS_RDONLY;
  if (set & MOUNT_ATTR_NOSUID) add |= MS_NOSUID;
  if (set & MOUNT_ATTR_NODEV) add |= MS_NODEV;
  for (const std::string& mount : mounts_below(target)) {
    struct statvfs now {};
    if (::statvfs(mount.c_str(), &now) != 0) throw_errno("statvfs " + mount);
    unsigned long kept = 0;
    for (const auto& [st, ms] : {std::pair{ST_RDONLY, MS_RDONLY}, {ST_NOSUID, MS_NOSUID}, {ST_NODEV, MS_NODEV},
                                {ST_NOEXEC, MS_NOEXEC}, {ST_NOATIME, MS_NOATIME}, {ST_NODIRATIME, MS_NODIRATIME},
                                {ST_RELATIME, MS_RELATIME}}) {
      if (now.f_flag & st) kept |= ms;
    }
    mount_or_throw("", mount, MS_BIND | MS_REMOUNT | kept | add, "remount of");
  }
}

// Attributes for a mount and everything below it (mount_setattr(2), Linux 5.12).
void set_attributes(const std::string& target, uint64_t set) {
  with_context("setting nosuid,nodev" + std::string(set & MOUNT_ATTR_RDONLY ? ",ro" : "") + " on " + target, [&] {
    mount_attr attr{};
    attr.attr_set = set;
    if (::mount_setattr(AT_FDCWD, target.c_str(), AT_RECURSIVE, &attr, sizeof attr) == 0) return;
    if (errno != ENOSYS) throw_errno("mount_setattr");
    remount_each(target, set);
  });
}

}  // namespace

void mount_share(const std::string& share) {
  if (::mkdir(share.c_str(), 0711) != 0 && errno != EEXIST) throw_errno("mkdir " + share);
  mount_or_throw(share, share, MS_BIND, "bind mount of the share on itself at");
  // Private first: a peer group of its own, whatever the parent's propagation.
  mount_or_throw("", share, MS_PRIVATE, "making the share private at");
  mount_or_throw("", share, MS_SHARED, "making the share shared at");
  set_attributes(share, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV);
}

void bind_into_share(const std::string& source, const std::string& target, const BindAttributes& attributes) {
  with_context("binding " + source + " into the share", [&] {
    mount_or_throw(source, target, MS_BIND | (attributes.recursive ? MS_REC : 0), "bind mount at");
    set_attributes(target, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | (attributes.read_only ? MOUNT_ATTR_RDONLY : 0));
  });
}

void unmount_share(const std::string& path) {
  // A path may be mounted on more than once (a retried create): unmount until it is not.
  for (int round = 0; round < 64; ++round) {
    bool mounted = false;
    for (const std::string& mount : mounts_below(path)) mounted |= mount == path;
    if (!mounted) return;
    if (::umount2(path.c_str(), MNT_DETACH | UMOUNT_NOFOLLOW) != 0 && errno != EINVAL && errno != ENOENT)
      throw_errno("unmount " + path);
  }
  throw Error("unmount " + path + ": still mounted after 64 unmounts");
}

}  // namespace ppc::shim
