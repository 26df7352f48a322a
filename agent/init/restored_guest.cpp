#include "init/restored_guest.h"

#include <fcntl.h>
#include <linux/random.h>
#include <sys/ioctl.h>

#include <cstring>
#include <ctime>
#include <vector>

#include "base/error.h"
#include "base/unique_fd.h"

namespace ppc::agent {

void make_restored_guest_its_own(const protocol::Restored& restored) {
  UniqueFd random(::open("/dev/urandom", O_WRONLY | O_CLOEXEC));
  if (!random.valid()) throw_errno("restored guest: open /dev/urandom");
  // struct rand_pool_info { int entropy_count; int buf_size; __u32 buf[]; }, the bytes after it.
  std::vector<uint32_t> info(2 + (restored.entropy.size() + 3) / 4);
  auto* pool = reinterpret_cast<rand_pool_info*>(info.data());
  pool->entropy_count = static_cast<int>(8 * restored.entropy.size());  // bits: they are the host's getrandom()
  pool->buf_size = static_cast<int>(restored.entropy.size());
  std::memcpy(pool->buf, restored.entropy.data(), restored.entropy.size());
  if (::ioctl(random.get(), RNDADDENTROPY, pool) != 0) throw_errno("restored guest: RNDADDENTROPY");
  // Crediting alone reseeds the CRNG only at its next interval; every clone's is the same.
  if (::ioctl(random.get(), RNDRESEEDCRNG) != 0) throw_errno("restored guest: RNDRESEEDCRNG");

  const timespec now{static_cast<time_t>(restored.realtime_ns / 1000000000),
                     static_cast<long>(restored.realtime_ns % 1000000000)};
  if (::clock_settime(CLOCK_REALTIME, &now) != 0) throw_errno("restored guest: clock_settime");
}

}  // namespace ppc::agent
