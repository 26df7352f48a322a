// Streams a planned archive: headers from the plan, file data straight from disk in
// fixed-size chunks, so memory use does not grow with file size.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include "base/error.h"
#include "base/unique_fd.h"
#include "rootfs/plan.h"

namespace ppc::rootfs {
namespace {

constexpr size_t kChunkSize = 256 * 1024;

void stream_file(const Entry& e, CpioWriter& writer, std::vector<char>& buffer) {
  const int nofollow = e.follow_source ? 0 : O_NOFOLLOW;
  UniqueFd fd(::open(e.source.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | nofollow));
  if (!fd.valid()) throw_errno("open " + e.source);
  // The header was planned from an earlier stat: a different file now would not match it.
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) throw_errno("stat " + e.source);
  if (!S_ISREG(st.st_mode) || st.st_dev != e.host_dev || st.st_ino != e.host_ino || static_cast<uint64_t>(st.st_size) != e.size) {
    throw Error(e.source + " changed while the archive was being built");
  }
  writer.begin_entry(e.name, header_for(e));
  uint64_t left = e.size;
  while (left > 0) {
    const ssize_t n = ::read(fd.get(), buffer.data(), left < buffer.size() ? left : buffer.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_errno("read " + e.source);
    }
    if (n == 0) throw Error(e.source + " shrank while the archive was being built");
    writer.write_data(buffer.data(), static_cast<size_t>(n));
    left -= static_cast<uint64_t>(n);
  }
  writer.end_entry();
}

}  // namespace

void write_plan(const Plan& plan, CpioWriter& writer) {
  std::vector<char> buffer(kChunkSize);
  for (const Entry& e : plan.entries) {
    if (S_ISREG(e.mode) && e.carries_data && e.size > 0) {
      stream_file(e, writer, buffer);
    } else if (S_ISLNK(e.mode)) {
      writer.add_entry(e.name, header_for(e), e.link_target);
    } else {
      writer.add_entry(e.name, header_for(e));
    }
  }
  writer.finish();
}

}  // namespace ppc::rootfs
