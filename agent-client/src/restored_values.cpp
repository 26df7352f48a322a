#include "agent_client/restored_values.h"

#include <sys/random.h>

#include <cerrno>
#include <ctime>

#include "base/error.h"

namespace ppc::agent_client {

static_assert(kRestoreEntropyBytes >= protocol::kMinRestoreEntropy && kRestoreEntropyBytes <= protocol::kMaxRestoreEntropy);

protocol::Restored restored_values_now() {
  protocol::Restored restored;
  restored.entropy.resize(kRestoreEntropyBytes);
  // Up to 256 bytes come whole from an initialized pool; EINTR is the only short read.
  size_t got = 0;
  while (got < restored.entropy.size()) {
    const ssize_t n = ::getrandom(restored.entropy.data() + got, restored.entropy.size() - got, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw_errno("getrandom for a restored guest");
    got += static_cast<size_t>(n);
  }
  timespec now{};
  ::clock_gettime(CLOCK_REALTIME, &now);
  restored.realtime_ns = static_cast<int64_t>(now.tv_sec) * 1000000000 + now.tv_nsec;
  return restored;
}

}  // namespace ppc::agent_client
