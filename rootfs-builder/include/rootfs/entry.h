#pragma once
// One archive member as planned: its metadata is fixed when the input is scanned, while a
// regular file's data stays on disk until it is streamed into the archive.
#include <cstdint>
#include <string>

#include "rootfs/cpio_writer.h"

namespace ppc::rootfs {

struct Entry {
  std::string name;    // path in the archive without the leading '/', e.g. "rootfs/bin/sh"
  std::string source;  // host path read for a regular file; also what errors name
  bool follow_source = false;  // the agent and extra files may be reached through symlinks

  uint32_t mode = 0;  // st_mode: type and permission bits
  uint32_t uid = 0;
  uint32_t gid = 0;
  int64_t mtime = 0;   // the host's; checked against newc's 32 bits only if no fixed mtime
  uint64_t size = 0;   // regular file: bytes; symlink: target length; else 0
  uint32_t rdev_major = 0;
  uint32_t rdev_minor = 0;
  std::string link_target;

  // The host file's identity: groups hard links, and shows whether a file was replaced
  // between scanning and streaming.
  uint64_t host_dev = 0;
  uint64_t host_ino = 0;
  bool hardlinked = false;  // a rootfs regular file with more than one link on the host

  // Assigned by planning once every entry is known.
  uint32_t ino = 0;
  uint32_t nlink = 1;
  bool carries_data = true;  // false for all but the last link of a hard-link group
};

// The newc header for a planned entry (only the data-carrying link has a size).
CpioHeader header_for(const Entry& entry);

}  // namespace ppc::rootfs
