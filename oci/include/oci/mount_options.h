#pragma once
// A mount's OCI option words turned into what mount(2) and mount_setattr(2) take, with
// runc's table: each known word sets or clears a MS_* flag, propagation words choose a
// propagation type, "r"-prefixed attribute words (rro, rnosuid, ...) become recursive
// mount attributes, and every other word is filesystem data, comma-joined in order.
#include <cstdint>
#include <string>
#include <vector>

namespace ppc::oci {

// MOUNT_ATTR_* of <linux/mount.h> (kernel 5.12+), spelled here because that header
// conflicts with glibc's <sys/mount.h>.
inline constexpr uint64_t kMountAttrRdonly = 0x1;
inline constexpr uint64_t kMountAttrNosuid = 0x2;
inline constexpr uint64_t kMountAttrNodev = 0x4;
inline constexpr uint64_t kMountAttrNoexec = 0x8;
inline constexpr uint64_t kMountAttrAtimeMask = 0x70;  // MOUNT_ATTR__ATIME
inline constexpr uint64_t kMountAttrRelatime = 0x0;
inline constexpr uint64_t kMountAttrNoatime = 0x10;
inline constexpr uint64_t kMountAttrStrictatime = 0x20;
inline constexpr uint64_t kMountAttrNodiratime = 0x80;
inline constexpr uint64_t kMountAttrNosymfollow = 0x200000;

struct MountOptions {
  // MS_* flags for the mount(2) call, including MS_BIND (and MS_REC for rbind).
  unsigned long flags = 0;
  // MS_* flags the options explicitly turned off ("rw", "suid", "exec", ...): for a
  // remount of a bind mount, which otherwise keeps the flags it inherited.
  unsigned long clear_flags = 0;
  // MS_PRIVATE/MS_SLAVE/MS_SHARED/MS_UNBINDABLE, with MS_REC for the r-forms; 0 for none.
  // When several are given the last one wins.
  unsigned long propagation = 0;
  bool bind = false;       // "bind" or "rbind"
  bool recursive = false;  // "rbind"
  std::string data;        // filesystem options ("mode=755,size=65536k"), comma-joined
  // Recursive attributes (mount_setattr(2) with AT_RECURSIVE): rro rrw rnosuid rsuid rnodev
  // rdev rnoexec rexec rnodiratime rdiratime rrelatime rnorelatime rnoatime ratime
  // rstrictatime rnostrictatime rnosymfollow rsymfollow. Setting an atime mode also puts
  // kMountAttrAtimeMask in rec_attr_clear, as the kernel requires.
  uint64_t rec_attr_set = 0;
  uint64_t rec_attr_clear = 0;
  friend bool operator==(const MountOptions&, const MountOptions&) = default;
};

// Never fails: unknown words are filesystem data (the kernel judges them). Ignored, because
// they are no mount(2) input: "" and "defaults" (runc would pass "defaults" on as data,
// which tmpfs and others then refuse), and the runtime extensions "tmpcopyup",
// "notmpcopyup", "copy", "nocopy", "idmap", "ridmap" and "idmap=..."/"ridmap=...".
MountOptions parse_mount_options(const std::vector<std::string>& options);

}  // namespace ppc::oci
