#pragma once
// What the agent does first as the guest's PID 1, before any container exists: the kernel's
// file systems, the loopback interface, and power-off at the end.
#include "init/child_reaper.h"

namespace ppc::agent {

// Mounts /proc, /sys (with the FUSE connections' list), /dev (devtmpfs), /dev/pts, /dev/shm,
// /run and /tmp, keeps RCU grace periods expedited, and brings up lo.
void prepare_guest();

// Starts no process any more (`reaper` refuses them), ends every other one, syncs only when
// the guest may hold data not yet written (power_off_sync.h), and powers the guest off; the
// VMM then exits. Never returns; a second caller waits for the first's power-off.
[[noreturn]] void power_off(ChildReaper& reaper);

}  // namespace ppc::agent
