#pragma once
// The guest's initramfs holds only the agent (as /init): a container's files come through
// the VM's share. It is the same for every container of one agent binary, so it is built
// once, in the state root, and reused while that binary stays the same.
#include <string>

namespace ppc::shim {

// <state root>/agent-initramfs-<key>.cpio, where the key names the agent file as it is now
// (device, inode, size and modification time); built (atomically) when missing. Older
// ones of other keys are removed. Throws Error naming the agent or the output.
std::string agent_initramfs(const std::string& agent, const std::string& state_root);

}  // namespace ppc::shim
