#pragma once
// Turns what stat says about a host file into a planned archive entry.
#include <sys/stat.h>

#include <cstdint>
#include <optional>
#include <string>

#include "rootfs/entry.h"

namespace ppc::rootfs {

// Metadata only: a symlink's target is read separately. Throws for a regular file too
// large for newc or a type that cannot be archived; `source` is what errors name.
Entry entry_from_stat(std::string name, std::string source, const struct stat& st);

// A symlink's target, read relative to dir_fd; `path` is what errors name.
std::string read_link_at(int dir_fd, const char* name, const std::string& path);

// The agent or an extra file: a regular file (through symlinks), owned by root in the
// archive, with the given permission bits.
Entry root_owned_file(std::string name, const std::string& source, std::optional<uint32_t> mode);

}  // namespace ppc::rootfs
