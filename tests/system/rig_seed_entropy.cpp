// rig_seed_entropy FILE: credits FILE's bytes (random bytes the rig took from the build
// machine's /dev/urandom for this one L1 boot) to L1's entropy pool (RNDADDENTROPY).
// Run by the rig's L1 /init before a case. Without it, L1's random number generator is
// not ready until ~3.6 s after boot: QEMU's TCG gives L1 no hardware RNG and little jitter.
// Until then the first VMM's getrandom() blocks (it serves the guest's virtio-rng and
// H_RANDOM), and that guest stalls for seconds in its first device's set-up.
// A real host's generator is ready long before a container starts.
#include <fcntl.h>
#include <linux/random.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <vector>

#include "base/unique_fd.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: rig_seed_entropy FILE\n");
    return 2;
  }
  constexpr size_t kMaxBytes = 512;
  const ppc::UniqueFd in(::open(argv[1], O_RDONLY | O_CLOEXEC));
  if (!in.valid()) {
    std::fprintf(stderr, "rig_seed_entropy: open %s: %s\n", argv[1], std::strerror(errno));
    return 1;
  }
  // rand_pool_info ends in a flexible array of 32-bit words: room for kMaxBytes after it.
  std::vector<uint32_t> storage((sizeof(rand_pool_info) + kMaxBytes) / sizeof(uint32_t) + 1);
  auto* info = reinterpret_cast<rand_pool_info*>(storage.data());
  const ssize_t n = ::read(in.get(), info->buf, kMaxBytes);
  if (n <= 0) {
    std::fprintf(stderr, "rig_seed_entropy: %s: no bytes\n", argv[1]);
    return 1;
  }
  info->buf_size = static_cast<int>(n);
  info->entropy_count = static_cast<int>(n * 8);
  const ppc::UniqueFd rnd(::open("/dev/random", O_WRONLY | O_CLOEXEC));
  if (!rnd.valid() || ::ioctl(rnd.get(), RNDADDENTROPY, info) != 0) {
    std::fprintf(stderr, "rig_seed_entropy: RNDADDENTROPY: %s\n", std::strerror(errno));
    return 1;
  }
  std::printf("rig: %zd random bytes from the build machine credited to L1's entropy pool\n", n);
  return 0;
}
