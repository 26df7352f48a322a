#pragma once
// The files of a saved machine (machine_snapshot.h): made and opened before the VMM is
// confined (the main thread may then only write to them), read back before a restored VM exists.
#include <string>

#include "base/unique_fd.h"
#include "memory/guest_memory.h"
#include "snapshot/machine_snapshot.h"

namespace ppc::vmm {

struct SnapshotFiles {
  UniqueFd ram, state;
  // Held so that the files can be removed after the jail hid their paths (discard()).
  UniqueFd dir, parent;
  std::string dir_name;  // in parent; empty: the directory existed before
  // Removes what create_snapshot_files made (a machine that failed to start saves nothing).
  void discard();
};
// Makes the directory (0700; an existing one is reused) and creates or truncates its files,
// the RAM file at `ram_size` bytes (a hole until written).
SnapshotFiles create_snapshot_files(const std::string& dir, uint64_t ram_size);

// The guest's RAM, then the state (last: its presence says the snapshot is whole). The RAM
// file is sparse: made at its full size when created, only pages holding a non-zero byte are
// written (a guest that booted and waits touched a small part of its RAM).
void write_snapshot(SnapshotFiles& files, const GuestMemory& mem, const MachineSnapshot& snapshot);

// state.json, checked (decode_snapshot); ConfigError naming the file when it is unusable.
MachineSnapshot read_snapshot_state(const std::string& dir);
// `ram`, opened for GuestMemory::copy_on_write_of; its size must be `size`.
UniqueFd open_snapshot_ram(const std::string& dir, uint64_t size);

}  // namespace ppc::vmm
