#include "rootfs/byte_sink.h"

#include <unistd.h>

#include <cerrno>

#include "base/error.h"

namespace ppc::rootfs {

void FdSink::write(const void* data, size_t size) {
  const char* p = static_cast<const char*>(data);
  // write() may be partial (a full disk shows up as a short write first, then ENOSPC).
  while (size > 0) {
    const ssize_t n = ::write(fd_, p, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_errno("write " + name_);
    }
    p += n;
    size -= static_cast<size_t>(n);
  }
}

}  // namespace ppc::rootfs
