#include "rootfs/entry.h"

namespace ppc::rootfs {

CpioHeader header_for(const Entry& e) {
  CpioHeader h;
  h.ino = e.ino;
  h.mode = e.mode;
  h.uid = e.uid;
  h.gid = e.gid;
  h.nlink = e.nlink;
  h.mtime = static_cast<uint32_t>(e.mtime);  // planning checked the range
  h.filesize = e.carries_data ? static_cast<uint32_t>(e.size) : 0;
  h.rdev_major = e.rdev_major;
  h.rdev_minor = e.rdev_minor;
  return h;
}

}  // namespace ppc::rootfs
