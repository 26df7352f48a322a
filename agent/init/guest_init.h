#pragma once
// What the agent does first as the guest's PID 1, before any container exists: the kernel's
// file systems, the loopback interface, and power-off at the end.
namespace ppc::agent {

// Mounts /proc, /sys, /dev (devtmpfs), /dev/pts, /dev/shm, /run and /tmp, keeps RCU grace
// periods expedited, and brings up lo.
void prepare_guest();

// Ends every other process, syncs only when the guest may hold data not yet written
// (power_off_sync.h), and powers the guest off; the VMM then exits. Never returns.
[[noreturn]] void power_off();

}  // namespace ppc::agent
