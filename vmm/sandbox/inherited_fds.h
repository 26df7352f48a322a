#pragma once
// The file descriptors the VMM inherited from whoever started it. They are listed at
// start-up, before the VMM opens anything of its own, and closed when it enters the jail,
// except those passed on purpose (stdio, --kvm-fd, --keep-fd).
#include <vector>

namespace ppc::vmm {

// Open fds other than 0-2 and `keep`. Throws Error when they cannot be listed.
std::vector<int> list_inherited_fds(const std::vector<int>& keep);

void close_fds(const std::vector<int>& fds);

}  // namespace ppc::vmm
