#pragma once
// Opening a file that may not exist yet, on the shared root, without O_CREAT lacking O_EXCL.
// Debian 12's virtiofsd (QEMU 7.2's C daemon) aborts on a FUSE CREATE without O_EXCL whose name
// appeared on the host between the guest's lookup and its create (another guest sharing the
// directory made it): it retries the open with O_CREAT still set and no mode, which glibc's
// fortify check kills ("invalid openat64 call"). Upstream never fixed it. So: open; if missing,
// create exclusively (EEXIST is then a clean answer); if someone else won, open theirs.
#include <fcntl.h>

#include <string>

#include "base/unique_fd.h"

namespace ppc::agent {

// `flags` without O_CREAT or O_EXCL. Returns an invalid fd with errno set on failure. A dangling
// symlink is followed and its target created, as open(O_CREAT) does.
UniqueFd open_or_create(const std::string& path, int flags, mode_t mode);

}  // namespace ppc::agent
