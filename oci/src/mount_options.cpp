#include "oci/mount_options.h"

#include <sys/mount.h>

#include <array>
#include <string_view>

// Linux 5.10 and glibc 2.34; spelled out for older C library headers.
#ifndef MS_NOSYMFOLLOW
#define MS_NOSYMFOLLOW 256
#endif

namespace ppc::oci {

namespace {

struct FlagWord {
  std::string_view word;
  bool clear;  // the word turns the flag off ("rw" clears MS_RDONLY)
  unsigned long flag;
};

// runc's mountFlags table (libcontainer/specconv), as facts: which word means which flag.
// bind/rbind are handled separately because they also set MountOptions::bind.
constexpr std::array<FlagWord, 31> kFlagWords = {{
    {"async", true, MS_SYNCHRONOUS},
    {"atime", true, MS_NOATIME},
    {"dev", true, MS_NODEV},
    {"diratime", true, MS_NODIRATIME},
    {"dirsync", false, MS_DIRSYNC},
    {"exec", true, MS_NOEXEC},
    {"iversion", false, MS_I_VERSION},
    {"lazytime", false, MS_LAZYTIME},
    {"loud", true, MS_SILENT},
    {"mand", false, MS_MANDLOCK},
    {"noatime", false, MS_NOATIME},
    {"nodev", false, MS_NODEV},
    {"nodiratime", false, MS_NODIRATIME},
    {"noexec", false, MS_NOEXEC},
    {"noiversion", true, MS_I_VERSION},
    {"nolazytime", true, MS_LAZYTIME},
    {"nomand", true, MS_MANDLOCK},
    {"norelatime", true, MS_RELATIME},
    {"nostrictatime", true, MS_STRICTATIME},
    {"nosuid", false, MS_NOSUID},
    {"nosymfollow", false, MS_NOSYMFOLLOW},
    {"relatime", false, MS_RELATIME},
    {"remount", false, MS_REMOUNT},
    {"ro", false, MS_RDONLY},
    {"rw", true, MS_RDONLY},
    {"silent", false, MS_SILENT},
    {"strictatime", false, MS_STRICTATIME},
    {"suid", true, MS_NOSUID},
    {"sync", false, MS_SYNCHRONOUS},
    {"symfollow", true, MS_NOSYMFOLLOW},
    {"bind", false, MS_BIND},
}};

struct PropagationWord {
  std::string_view word;
  unsigned long propagation;
};

constexpr std::array<PropagationWord, 8> kPropagationWords = {{
    {"private", MS_PRIVATE},
    {"rprivate", MS_PRIVATE | MS_REC},
    {"slave", MS_SLAVE},
    {"rslave", MS_SLAVE | MS_REC},
    {"shared", MS_SHARED},
    {"rshared", MS_SHARED | MS_REC},
    {"unbindable", MS_UNBINDABLE},
    {"runbindable", MS_UNBINDABLE | MS_REC},
}};

struct AttrWord {
  std::string_view word;
  bool clear;
  uint64_t attr;
};

constexpr std::array<AttrWord, 18> kRecursiveAttrWords = {{
    {"rro", false, kMountAttrRdonly},
    {"rrw", true, kMountAttrRdonly},
    {"rnosuid", false, kMountAttrNosuid},
    {"rsuid", true, kMountAttrNosuid},
    {"rnodev", false, kMountAttrNodev},
    {"rdev", true, kMountAttrNodev},
    {"rnoexec", false, kMountAttrNoexec},
    {"rexec", true, kMountAttrNoexec},
    {"rnodiratime", false, kMountAttrNodiratime},
    {"rdiratime", true, kMountAttrNodiratime},
    {"rrelatime", false, kMountAttrRelatime},
    {"rnorelatime", true, kMountAttrRelatime},
    {"rnoatime", false, kMountAttrNoatime},
    {"ratime", true, kMountAttrNoatime},
    {"rstrictatime", false, kMountAttrStrictatime},
    {"rnostrictatime", true, kMountAttrStrictatime},
    {"rnosymfollow", false, kMountAttrNosymfollow},
    {"rsymfollow", true, kMountAttrNosymfollow},
}};

// Words for the runtime itself, not for mount(2): nothing this runtime does with them yet,
// and as data they would make the mount fail.
constexpr std::array<std::string_view, 7> kIgnoredWords = {
    "defaults", "tmpcopyup", "notmpcopyup", "copy", "nocopy", "idmap", "ridmap",
};

bool ignored(std::string_view word) {
  if (word.empty() || word.starts_with("idmap=") || word.starts_with("ridmap=")) return true;
  for (std::string_view known : kIgnoredWords) {
    if (known == word) return true;
  }
  return false;
}

// Later words override earlier ones, so each one also undoes the opposite request.
void apply_flag(MountOptions& out, bool clear, unsigned long flag) {
  if (clear) {
    out.flags &= ~flag;
    out.clear_flags |= flag;
  } else {
    out.flags |= flag;
    out.clear_flags &= ~flag;
  }
}

void apply_attr(MountOptions& out, bool clear, uint64_t attr) {
  if (clear) {
    out.rec_attr_clear |= attr;
    out.rec_attr_set &= ~attr;
    return;
  }
  out.rec_attr_set |= attr;
  out.rec_attr_clear &= ~attr;
  // mount_setattr(2): an access-time mode in attr_set needs MOUNT_ATTR__ATIME in attr_clr.
  if ((attr & kMountAttrAtimeMask) == attr) out.rec_attr_clear |= kMountAttrAtimeMask;
}

bool apply_known(MountOptions& out, std::string_view word) {
  if (word == "rbind") {
    apply_flag(out, false, MS_BIND | MS_REC);
    out.bind = out.recursive = true;
    return true;
  }
  for (const FlagWord& f : kFlagWords) {
    if (f.word == word) {
      apply_flag(out, f.clear, f.flag);
      if (word == "bind") out.bind = true;
      return true;
    }
  }
  for (const PropagationWord& p : kPropagationWords) {
    if (p.word == word) {
      out.propagation = p.propagation;
      return true;
    }
  }
  for (const AttrWord& a : kRecursiveAttrWords) {
    if (a.word == word) {
      apply_attr(out, a.clear, a.attr);
      return true;
    }
  }
  return false;
}

}  // namespace

MountOptions parse_mount_options(const std::vector<std::string>& options) {
  MountOptions out;
  for (const std::string& word : options) {
    if (ignored(word) || apply_known(out, word)) continue;
    if (!out.data.empty()) out.data += ',';
    out.data += word;
  }
  return out;
}

}  // namespace ppc::oci
