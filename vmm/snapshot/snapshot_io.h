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
// Makes the directory (0700; an existing one is reused) and creates or truncates its files.
SnapshotFiles create_snapshot_files(const std::string& dir);

// The guest's RAM, then the state (last: its presence says the snapshot is whole).
void write_snapshot(SnapshotFiles& files, const GuestMemory& mem, const MachineSnapshot& snapshot);

// state.json, checked (decode_snapshot); ConfigError naming the file when it is unusable.
MachineSnapshot read_snapshot_state(const std::string& dir);
// `ram` into guest memory; its size must be the memory's.
void read_snapshot_ram(const std::string& dir, const GuestMemory& mem);

}  // namespace ppc::vmm
