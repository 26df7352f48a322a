#pragma once
// The VMM's exit status, one meaning each.
namespace ppc::vmm::exit_code {

constexpr int kPowerOff = 0;      // the guest powered off
constexpr int kVmmError = 1;      // the VMM failed after the VM existed (message on stderr)
constexpr int kUsage = 2;         // bad arguments, files or sizes; no VM was created
constexpr int kGuestReboot = 3;   // the guest asked for a reboot (a container VM never reboots)
constexpr int kGuestPanic = 4;    // guest kernel panic or ibm,os-term; the reason is logged
// A signal that stops the VMM (SIGTERM, SIGINT): 128 + its number, after the guest is stopped.
// Container mode: the container's own status; this when the guest ended without reporting one.
constexpr int kContainerLost = 255;

}  // namespace ppc::vmm::exit_code
