// mmap_write FILE TEXT: makes FILE hold TEXT, written through a shared mapping only, prints
// "written" and waits, the mapping held, until it is killed: no msync(), and no close or unmap
// after the write (FUSE writes a file's dirty pages back at both). The bytes reach FILE's file
// system only when the kernel writes the dirty pages back. Still running in a guest's container
// on the share when the guest ends, it leaves pages the power-off must not lose.
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "base/unique_fd.h"

namespace {

// FILE, TEXT's size, mapped shared; its descriptor already closed, so that no close-time flush
// (FUSE's FLUSH writes the file's dirty pages back) follows the write.
void* map_file(const char* path, size_t size) {
  const ppc::UniqueFd fd(::open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (!fd.valid() || ::ftruncate(fd.get(), static_cast<off_t>(size)) != 0) return MAP_FAILED;
  return ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd.get(), 0);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3 || argv[2][0] == '\0') {
    std::fprintf(stderr, "usage: mmap_write FILE TEXT (TEXT not empty)\n");
    return 2;
  }
  const size_t size = std::strlen(argv[2]);
  void* map = map_file(argv[1], size);
  if (map == MAP_FAILED) {
    std::fprintf(stderr, "mmap_write: %s: %s\n", argv[1], std::strerror(errno));
    return 1;
  }
  std::memcpy(map, argv[2], size);
  std::printf("written\n");
  std::fflush(stdout);
  for (;;) ::pause();
}
