#include "snapshot/snapshot_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>

#include "base/error.h"
#include "config_error.h"

namespace ppc::vmm {
namespace {

std::string file_in(const std::string& dir, std::string_view name) { return dir + "/" + std::string(name); }

void write_all(int fd, const uint8_t* data, size_t size, const std::string& what) {
  while (size > 0) {
    const ssize_t n = ::write(fd, data, std::min<size_t>(size, 1 << 30));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw_errno("writing " + what);
    data += n;
    size -= static_cast<size_t>(n);
  }
}

void pwrite_all(int fd, const uint8_t* data, size_t size, uint64_t offset, const std::string& what) {
  while (size > 0) {
    const ssize_t n = ::pwrite(fd, data, size, static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw_errno("writing " + what);
    data += n;
    offset += static_cast<uint64_t>(n);
    size -= static_cast<size_t>(n);
  }
}

bool all_zero(const uint8_t* data, size_t size) {
  const auto* words = reinterpret_cast<const uint64_t*>(data);  // RAM and chunks are page aligned
  for (size_t i = 0; i < size / sizeof(uint64_t); ++i)
    if (words[i] != 0) return false;
  return true;
}

std::string partial(std::string_view name) { return std::string(name) + ".partial"; }

// A new file in `dir` (O_EXCL: never one a guest's restore maps, never through a link).
UniqueFd create_in(int dir, const std::string& name, const std::string& where) {
  ::unlinkat(dir, name.c_str(), 0);  // a partial file left by a VMM that was killed
  UniqueFd fd(::openat(dir, name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (!fd.valid()) throw ConfigError("--snapshot-to: creating " + where + "/" + name + ": " + std::strerror(errno));
  return fd;
}

// Root writes the guest's RAM here: the directory must be ours and closed to others.
void check_private_dir(int dir, const std::string& where) {
  struct stat st {};
  if (::fstat(dir, &st) != 0) throw ConfigError("--snapshot-to: " + where + ": " + std::strerror(errno));
  if (st.st_uid != ::geteuid() || (st.st_mode & 077) != 0) {
    throw ConfigError("--snapshot-to: " + where + " must belong to uid " + std::to_string(::geteuid()) +
                      " with no access for others (mode 0700)");
  }
}

}  // namespace

SnapshotFiles create_snapshot_files(const std::string& dir, uint64_t ram_size) {
  const std::filesystem::path path(dir);
  const std::string parent = path.has_parent_path() ? path.parent_path().string() : ".";
  SnapshotFiles files;
  files.parent = UniqueFd(::open(parent.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!files.parent.valid()) throw ConfigError("--snapshot-to: " + parent + ": " + std::strerror(errno));
  if (::mkdir(dir.c_str(), 0700) == 0) files.dir_name = path.filename().string();
  else if (errno != EEXIST) throw ConfigError("--snapshot-to: mkdir " + dir + ": " + std::strerror(errno));
  files.dir = UniqueFd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
  if (!files.dir.valid()) throw ConfigError("--snapshot-to: " + dir + ": " + std::strerror(errno));
  check_private_dir(files.dir.get(), dir);
  files.ram = create_in(files.dir.get(), partial(kSnapshotRamFile), dir);
  files.state = create_in(files.dir.get(), partial(kSnapshotStateFile), dir);
  if (::ftruncate(files.ram.get(), static_cast<off_t>(ram_size)) != 0) {
    throw ConfigError("--snapshot-to: sizing " + dir + "/" + partial(kSnapshotRamFile) + ": " + std::strerror(errno));
  }
  return files;
}

void SnapshotFiles::commit() {
  const std::string ram_name(kSnapshotRamFile), state_name(kSnapshotStateFile);
  if ((::unlinkat(dir.get(), state_name.c_str(), 0) != 0 && errno != ENOENT) ||
      ::renameat(dir.get(), partial(ram_name).c_str(), dir.get(), ram_name.c_str()) != 0 ||
      ::renameat(dir.get(), partial(state_name).c_str(), dir.get(), state_name.c_str()) != 0) {
    throw_errno("putting the snapshot's files in place");
  }
  dir.reset();  // nothing left to discard
}

void SnapshotFiles::discard() {
  if (!dir.valid()) return;
  ram.reset();
  state.reset();
  for (const std::string_view name : {kSnapshotRamFile, kSnapshotStateFile}) ::unlinkat(dir.get(), partial(name).c_str(), 0);
  if (!dir_name.empty()) ::unlinkat(parent.get(), dir_name.c_str(), AT_REMOVEDIR);
  dir.reset();
}

void write_snapshot(SnapshotFiles& files, const GuestMemory& mem, const MachineSnapshot& snapshot) {
  constexpr size_t kChunk = 64 << 10;
  const uint8_t* ram = mem.host_base();
  for (uint64_t at = 0; at < mem.size(); at += kChunk) {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(kChunk, mem.size() - at));
    if (all_zero(ram + at, n)) continue;
    pwrite_all(files.ram.get(), ram + at, n, at, "the snapshot's RAM");
  }
  const std::string state = encode_snapshot(snapshot);
  write_all(files.state.get(), reinterpret_cast<const uint8_t*>(state.data()), state.size(), "the snapshot's state");
  files.commit();
}

MachineSnapshot read_snapshot_state(const std::string& dir) {
  const std::string path = file_in(dir, kSnapshotStateFile);
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) throw ConfigError("--restore-from: " + path + ": " + std::strerror(errno));
  std::string text;
  char buffer[65536];
  for (;;) {
    const ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw ConfigError("--restore-from: reading " + path + ": " + std::strerror(errno));
    if (n == 0) break;
    text.append(buffer, static_cast<size_t>(n));
    if (text.size() > (16u << 20)) throw ConfigError("--restore-from: " + path + ": larger than 16 MiB");
  }
  try {
    return decode_snapshot(text, path);
  } catch (const Error& e) {
    throw ConfigError(std::string("--restore-from: ") + e.what());
  }
}

UniqueFd open_snapshot_ram(const std::string& dir, uint64_t size) {
  const std::string path = file_in(dir, kSnapshotRamFile);
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  struct stat st {};
  if (!fd.valid() || ::fstat(fd.get(), &st) != 0) throw ConfigError("--restore-from: " + path + ": " + std::strerror(errno));
  if (!S_ISREG(st.st_mode) || static_cast<uint64_t>(st.st_size) != size) {
    throw ConfigError("--restore-from: " + path + " holds " + std::to_string(st.st_size) + " bytes, not the " +
                      std::to_string(size) + " of the guest's RAM");
  }
  return fd;
}

}  // namespace ppc::vmm
