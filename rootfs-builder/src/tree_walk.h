#pragma once
// Scans a container's root filesystem into archive entries.
#include <functional>
#include <string>
#include <vector>

#include "rootfs/entry.h"

namespace ppc::rootfs {

using WarnFn = std::function<void(const std::string&)>;

// Appends an entry for everything below `root` (not `root` itself), named under `prefix`
// ("" for the archive's top). Symlinks are archived, never followed; sockets are skipped
// with a warning. Throws ppc::Error naming the path that could not be read.
void walk_tree(const std::string& root, const std::string& prefix, const WarnFn& warn, std::vector<Entry>& out);

}  // namespace ppc::rootfs
