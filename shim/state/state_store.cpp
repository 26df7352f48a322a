#include "state/state_store.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>

#include "base/read_file.h"
#include "base/tree_removal.h"
#include "state/atomic_file.h"
#include "state/container_id.h"

namespace ppc::shim {
namespace {

constexpr const char* kLockFile = "lock";
constexpr const char* kStateFile = "state.json";

void make_root(const std::string& root) {
  std::error_code ec;
  const std::filesystem::path path(root);
  if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), ec);
  if (::mkdir(root.c_str(), 0700) != 0 && errno != EEXIST) throw_errno("mkdir " + root);
  struct stat st {};
  if (::stat(root.c_str(), &st) != 0) throw_errno("stat " + root);
  if (!S_ISDIR(st.st_mode)) throw Error(root + " is not a directory");
}

void lock(const UniqueFd& fd, const std::string& path) {
  while (::flock(fd.get(), LOCK_EX) != 0) {
    if (errno != EINTR) throw_errno("flock " + path);
  }
}

}  // namespace

ContainerState LockedContainer::read_state() const {
  if (::access(file(kStateFile).c_str(), F_OK) != 0 && errno == ENOENT) throw ContainerNotFound();
  const std::string text = read_file(file(kStateFile));
  try {
    return state_from_json(nlohmann::json::parse(text));
  } catch (const nlohmann::json::exception& e) {
    throw Error(file(kStateFile) + ": " + e.what());
  }
}

std::string LockedContainer::agent_socket(const ContainerState& state) const {
  if (state.sandbox_id.empty()) return vsock_socket();
  // A sibling's directory: the id is checked as dir_of() checks every id.
  validate_container_id(state.sandbox_id);
  const std::string root = std::filesystem::path(dir_).parent_path().string();
  return root + "/" + state.sandbox_id + "/" + kVmDir + "/vsock.sock";
}

void LockedContainer::write_state(const ContainerState& state) const {
  write_file_atomic(file(kStateFile), to_json(state).dump(2) + "\n", 0600);
}

void LockedContainer::remove() const { remove_container_dir(dir_); }

void remove_container_dir(const std::string& dir) { remove_tree_within_mount(dir); }

std::string StateStore::dir_of(const std::string& id) const {
  validate_container_id(id);
  return root_ + "/" + id;
}

LockedContainer StateStore::create(const std::string& id) const {
  make_root(root_);
  const std::string dir = dir_of(id);
  if (::mkdir(dir.c_str(), 0700) != 0) {
    if (errno == EEXIST) throw Error("container with id " + id + " already exists");
    throw_errno("mkdir " + dir);
  }
  const std::string lock_path = dir + "/" + kLockFile;
  UniqueFd fd(::open(lock_path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (!fd.valid()) {
    const int saved = errno;
    ::rmdir(dir.c_str());
    errno = saved;
    throw_errno("create " + lock_path);
  }
  lock(fd, lock_path);
  return LockedContainer(id, dir, std::move(fd));
}

LockedContainer StateStore::open(const std::string& id) const {
  const std::string dir = dir_of(id);
  const std::string lock_path = dir + "/" + kLockFile;
  // No O_CREAT: a directory whose lock file is not there yet is one being created.
  UniqueFd fd(::open(lock_path.c_str(), O_RDWR | O_CLOEXEC));
  if (!fd.valid()) {
    if (errno == ENOENT || errno == ENOTDIR) throw ContainerNotFound();
    throw_errno("open " + lock_path);
  }
  lock(fd, lock_path);
  // A delete may have removed the directory while we waited for its lock.
  struct stat held {}, now {};
  if (::fstat(fd.get(), &held) != 0) throw_errno("fstat " + lock_path);
  if (::stat(lock_path.c_str(), &now) != 0 || now.st_ino != held.st_ino || now.st_dev != held.st_dev) {
    throw ContainerNotFound();
  }
  return LockedContainer(id, dir, std::move(fd));
}

std::vector<std::string> StateStore::ids() const {
  std::vector<std::string> ids;
  DIR* dir = ::opendir(root_.c_str());
  if (dir == nullptr) {
    if (errno == ENOENT) return ids;
    throw_errno("open " + root_);
  }
  while (const dirent* entry = ::readdir(dir)) {
    const std::string name = entry->d_name;
    if (name == "." || name == "..") continue;
    struct stat st {};
    if (::stat((root_ + "/" + name).c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) continue;
    try {
      validate_container_id(name);
      ids.push_back(name);
    } catch (const Error&) {
      // not a container's directory
    }
  }
  ::closedir(dir);
  std::sort(ids.begin(), ids.end());
  return ids;
}

}  // namespace ppc::shim
