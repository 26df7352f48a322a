#pragma once
// The files of a saved machine (machine_snapshot.h): made and opened before the VMM is
// confined (the main thread may then only write to them), read back before a restored VM exists.
#include <string>

#include "base/unique_fd.h"
#include "memory/guest_memory.h"
#include "snapshot/machine_snapshot.h"

namespace ppc::vmm {

// The files being written: "ram.partial" and "state.json.partial" beside any earlier snapshot,
// which stays whole (and keeps serving restored guests that map its RAM) until commit()
// renames the new ones over it. Held by fds made before the jail hid the directory's path.
struct SnapshotFiles {
  UniqueFd ram, state;
  UniqueFd dir, parent;
  std::string dir_name;  // in parent; empty: the directory existed before
  // The written files in place: state.json goes first (a reader finds no snapshot rather than
  // the new RAM with the old state), then ram, then the new state.json.
  void commit();
  // Removes the partial files (and the directory when it was made for them): a machine that
  // failed to start, or ended without being saved, saves nothing.
  void discard();
};
// Makes the directory (0700) or checks an existing one (ours, 0700 or stricter), and creates
// the partial files, the RAM file at `ram_size` bytes (a hole until written).
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
