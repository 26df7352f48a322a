#include "init/container_disk.h"

#include <sys/mount.h>
#include <sys/stat.h>

#include "base/error.h"
#include "container/rootfs_setup.h"

namespace ppc::agent {
namespace {

constexpr const char* kLower = "/run/container-disk";
constexpr const char* kWritable = "/run/container-rw";

void make_dir(const std::string& path) {
  if (::mkdir(path.c_str(), 0755) != 0 && errno != EEXIST) throw_errno("mkdir " + path);
}

}  // namespace

void mount_container_disk(const std::string& device) {
  make_dir(kLower);
  if (::mount(device.c_str(), kLower, "ext4", MS_RDONLY | MS_NODEV, nullptr) != 0) {
    throw_errno("mounting the container disk " + device + " (ext4) on " + kLower);
  }
  make_dir(kWritable);
  if (::mount("tmpfs", kWritable, "tmpfs", MS_NODEV, "mode=0755") != 0) throw_errno(std::string("tmpfs on ") + kWritable);
  const std::string upper = std::string(kWritable) + "/upper", work = std::string(kWritable) + "/work";
  make_dir(upper);
  make_dir(work);
  make_dir(kContainerRoot);
  const std::string options = std::string("lowerdir=") + kLower + ",upperdir=" + upper + ",workdir=" + work;
  if (::mount("overlay", kContainerRoot, "overlay", 0, options.c_str()) != 0) {
    throw_errno("overlay on " + std::string(kContainerRoot) + " (" + options + ")");
  }
}

}  // namespace ppc::agent
