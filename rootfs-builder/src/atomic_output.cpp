#include "rootfs/atomic_output.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <utility>

#include "base/error.h"

namespace ppc::rootfs {

AtomicOutput::AtomicOutput(std::string path) : path_(std::move(path)), temp_path_(path_ + ".tmp") {
  // O_TRUNC rather than O_EXCL: a temp file left by a killed build must not block the next.
  // O_NOFOLLOW: a symlink planted at the temp name must not redirect the write.
  fd_.reset(::open(temp_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644));
  if (!fd_.valid()) throw_errno("create " + temp_path_);
}

AtomicOutput::~AtomicOutput() {
  if (!committed_) {
    fd_.reset();
    ::unlink(temp_path_.c_str());
  }
}

void AtomicOutput::commit() {
  // close() is where some filesystems (NFS) report a failed write. No fsync: an initramfs
  // is rebuilt for every container start and is worthless after a host crash anyway.
  if (::close(fd_.release()) != 0) throw_errno("close " + temp_path_);
  if (::rename(temp_path_.c_str(), path_.c_str()) != 0) throw_errno("rename " + temp_path_ + " to " + path_);
  committed_ = true;
}

}  // namespace ppc::rootfs
