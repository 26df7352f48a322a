#pragma once
// A file's identity for caches keyed by it (the agent's initramfs, guest templates): device,
// inode, size and mtime, so that a file rebuilt or replaced has another.
#include <string>

namespace ppc::shim {

// "dev-inode-size-mtime" in hex (mtime to the nanosecond). Throws Error naming `what` and the
// path when it cannot be read, or when it is not a regular file.
std::string file_identity(const std::string& path, const std::string& what);

}  // namespace ppc::shim
