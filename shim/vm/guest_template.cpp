#include "vm/guest_template.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>

#include "base/error.h"
#include "base/tree_removal.h"
#include "log/logger.h"
#include "state/atomic_file.h"
#include "vm/file_identity.h"

namespace ppc::shim {
namespace {

constexpr const char* kKeyFile = "key";
constexpr const char* kRamFile = "ram";           // the VMM's names (vmm/snapshot/machine_snapshot.h)
constexpr const char* kStateFile = "state.json";
constexpr std::string_view kMaking = ".making-";

// FNV-1a: a directory name, not a check (the key's text inside is compared).
std::string short_hash(const std::string& text) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (const unsigned char c : text) h = (h ^ c) * 0x100000001b3ull;
  char out[17];
  std::snprintf(out, sizeof out, "%016llx", static_cast<unsigned long long>(h));
  return out;
}

std::string read_small_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return "";
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void fsync_path(const std::string& path, int flags) {
  const UniqueFd fd(::open(path.c_str(), flags | O_CLOEXEC));
  if (!fd.valid() || ::fsync(fd.get()) != 0) throw_errno("fsync " + path);
}

struct Entry {
  std::string name;
  timespec used{};
};

}  // namespace

std::string template_key(const TemplateShape& shape) {
  std::ostringstream key;
  key << "vmm " << shape.vmm << " " << file_identity(shape.vmm, "the VMM") << "\n"
      << "kernel " << shape.kernel << " " << file_identity(shape.kernel, "the guest kernel") << "\n"
      << "initramfs " << shape.initramfs << " " << file_identity(shape.initramfs, "the agent's initramfs") << "\n"
      << "memory_mib " << shape.memory_mib << "\nvcpus " << shape.vcpus << "\nvm_type " << shape.vm_type << "\n"
      << "cmdline " << shape.cmdline << "\n";
  for (const std::string& arg : shape.vmm_args) key << "vmm_arg " << arg << "\n";
  key << "share " << (shape.share ? "yes" : "no") << "\n";
  for (const unsigned mtu : shape.nic_mtus) key << "nic mtu=" << mtu << "\n";
  key << "vhost_net " << (shape.vhost_net ? "yes" : "no") << "\n";
  return key.str();
}

TemplateStore::TemplateStore(std::string root, unsigned limit) : root_(std::move(root)), limit_(limit) {
  // Its parents as mkdir -p makes them (a host without /var/lib/ppc-kvm-shim yet).
  for (size_t at = root_.find('/', 1); at != std::string::npos; at = root_.find('/', at + 1)) {
    const std::string up = root_.substr(0, at);
    if (::mkdir(up.c_str(), 0755) != 0 && errno != EEXIST) throw_errno("template_dir: mkdir " + up);
  }
  if (::mkdir(root_.c_str(), 0700) != 0 && errno != EEXIST) throw_errno("template_dir: mkdir " + root_);
  struct stat st {};
  if (::lstat(root_.c_str(), &st) != 0) throw_errno("template_dir: " + root_);
  if (!S_ISDIR(st.st_mode) || st.st_uid != ::geteuid() || (st.st_mode & 077) != 0) {
    throw Error("template_dir: " + root_ + " must be a directory of uid " + std::to_string(::geteuid()) +
                " closed to others (mode 0700): a template holds a guest's memory");
  }
}

std::string TemplateStore::dir_for(const std::string& key) const { return root_ + "/" + short_hash(key); }

std::optional<std::string> TemplateStore::find(const std::string& key, uint64_t memory_mib) const {
  const std::string dir = dir_for(key);
  if (read_small_file(dir + "/" + kKeyFile) != key) return std::nullopt;
  struct stat ram {}, state {};
  if (::stat((dir + "/" + kRamFile).c_str(), &ram) != 0 || ::stat((dir + "/" + kStateFile).c_str(), &state) != 0 ||
      static_cast<uint64_t>(ram.st_size) != (memory_mib << 20) || state.st_size == 0) {
    logger().warning("the guest template in " + dir + " is incomplete or of another size: made again");
    return std::nullopt;
  }
  ::utimensat(AT_FDCWD, (dir + "/" + kKeyFile).c_str(), nullptr, 0);  // used now
  return dir;
}

std::optional<std::string> TemplateStore::refusal(const std::string& key) const {
  const std::string path = dir_for(key) + ".refused";
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return std::nullopt;
  const auto age = std::chrono::system_clock::now() - std::chrono::system_clock::from_time_t(st.st_mtime);
  const std::string text = read_small_file(path);
  // The key first, then the reason: another key's marker (a hash shared) says nothing.
  if (age > kRetryRefusedAfter || text.rfind(key, 0) != 0) return std::nullopt;
  return text.substr(key.size());
}

void TemplateStore::record_refusal(const std::string& key, const std::string& reason) const {
  write_file_atomic(dir_for(key) + ".refused", key + reason, 0600);
}

bool TemplateStore::discard(const std::string& key, ino_t inode, int held) const {
  if (::flock(held, LOCK_EX | LOCK_NB) != 0) return false;  // another create restores from it now
  const std::string dir = dir_for(key);
  struct stat st {};
  if (::lstat(dir.c_str(), &st) != 0 || st.st_ino != inode) return false;  // made again meanwhile
  remove_tree_within_mount(dir);
  return true;
}

UniqueFd TemplateStore::lock(const std::string& key, int how) const {
  const std::string path = dir_for(key) + ".lock";
  UniqueFd fd(::open(path.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600));
  if (!fd.valid()) throw_errno("open " + path);
  while (::flock(fd.get(), how) != 0) {
    if (errno != EINTR) throw_errno("flock " + path);
  }
  return fd;
}

std::string TemplateStore::making_dir(const std::string& key) const {
  const std::string dir = dir_for(key) + std::string(kMaking) + std::to_string(::getpid());
  remove_tree_within_mount(dir);  // this pid's predecessor's
  if (::mkdir(dir.c_str(), 0700) != 0) throw_errno("mkdir " + dir);
  return dir;
}

void TemplateStore::publish(const std::string& making, const std::string& key) const {
  write_file_atomic(making + "/" + kKeyFile, key, 0600);
  // On disk before it is used: a template cut short by a crash must not restore as zeros.
  fsync_path(making + "/" + kRamFile, O_RDONLY);
  fsync_path(making + "/" + kStateFile, O_RDONLY);
  const std::string dir = dir_for(key);
  remove_tree_within_mount(dir);  // one the checks turned down
  if (::rename(making.c_str(), dir.c_str()) != 0) throw_errno("rename " + making + " to " + dir);
  fsync_path(root_, O_RDONLY | O_DIRECTORY);
}

void TemplateStore::evict() const {
  std::vector<Entry> templates;
  std::vector<std::string> stale;
  {
    const std::unique_ptr<DIR, int (*)(DIR*)> d(::opendir(root_.c_str()), ::closedir);
    if (!d) return;
    while (const dirent* e = ::readdir(d.get())) {
      const std::string name = e->d_name;
      if (name.find(kMaking) != std::string::npos) stale.push_back(name);  // removed if its maker is gone
      if (name.find('.') != std::string::npos) continue;                  // ., .., locks, refusals
      struct stat st {};
      if (::stat((root_ + "/" + name + "/" + kKeyFile).c_str(), &st) == 0) templates.push_back({name, st.st_mtim});
    }
  }
  std::sort(templates.begin(), templates.end(), [](const Entry& a, const Entry& b) {
    return a.used.tv_sec != b.used.tv_sec ? a.used.tv_sec > b.used.tv_sec : a.used.tv_nsec > b.used.tv_nsec;
  });
  for (size_t i = limit_; i < templates.size(); ++i) stale.push_back(templates[i].name);
  for (const std::string& name : stale) {
    // A maker holds its key's lock exclusively, a restore shared: either way, not now.
    const std::string lock_path = root_ + "/" + name.substr(0, name.find('.')) + ".lock";
    const UniqueFd lock(::open(lock_path.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600));
    if (!lock.valid() || ::flock(lock.get(), LOCK_EX | LOCK_NB) != 0) continue;
    try {
      remove_tree_within_mount(root_ + "/" + name);
    } catch (const Error& e) {
      logger().warning("guest templates: " + std::string(e.what()));
    }
  }
}

}  // namespace ppc::shim
