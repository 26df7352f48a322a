#pragma once
// The loopback interface up, as crun brings it up in a container's new network namespace.
namespace ppc::agent {

// lo up in the calling thread's network namespace. One ioctl: in the guest, a netlink socket's
// first link dump cost 100 to 170 ms in the rig's L1 at boot.
void bring_up_loopback();

}  // namespace ppc::agent
