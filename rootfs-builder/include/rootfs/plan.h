#pragma once
// Building an initramfs in two steps: scan everything into a sorted list of entries (all
// input errors surface here, before any output exists), then stream that list out.
#include <vector>

#include "rootfs/build_spec.h"
#include "rootfs/cpio_writer.h"
#include "rootfs/entry.h"

namespace ppc::rootfs {

struct Plan {
  // Sorted by name in byte order (so parents precede children), with the missing parent
  // directories added, inode numbers and link counts assigned.
  std::vector<Entry> entries;
};

// Throws ppc::Error naming the path and what failed.
Plan plan_initramfs(const BuildSpec& spec);

// Writes every entry and the trailer. Regular files are read in chunks; one that vanished
// or changed since planning is an error naming its path.
void write_plan(const Plan& plan, CpioWriter& writer);

}  // namespace ppc::rootfs
