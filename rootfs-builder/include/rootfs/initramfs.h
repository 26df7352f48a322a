#pragma once
// The whole job: plan the archive from a BuildSpec and write it to a file that appears
// only when complete.
#include <string>

#include "rootfs/build_spec.h"

namespace ppc::rootfs {

// Writes `output` through "output.tmp" and a rename; on any error the temporary file is
// removed and an existing `output` is left untouched. Throws ppc::Error.
void build_initramfs(const BuildSpec& spec, const std::string& output);

}  // namespace ppc::rootfs
