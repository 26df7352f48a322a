#pragma once
// What every container's /dev holds whatever its config.json lists (the runtime-spec's
// "Default Devices", as runc and crun make them), and the symbolic links beside them. The
// agent makes them in the guest; with a read-only root and no /dev mount the shim makes them
// in the bundle's root first, as runc does before it turns the root read-only.
#include <sys/stat.h>

#include <string_view>

namespace ppc::oci {

struct DefaultDevice {
  const char* name;  // below /dev
  unsigned major, minor;
};
// All character devices, mode 0666, owned by root.
inline constexpr DefaultDevice kDefaultDevices[] = {
    {"null", 1, 3}, {"zero", 1, 5}, {"full", 1, 7}, {"random", 1, 8}, {"urandom", 1, 9}, {"tty", 5, 0},
};
inline constexpr mode_t kDefaultDeviceMode = 0666;

struct DevSymlink {
  const char* name;  // below /dev
  const char* target;
};
// ptmx points into the container's own devpts instance.
inline constexpr DevSymlink kDevSymlinks[] = {
    {"fd", "/proc/self/fd"}, {"stdin", "/proc/self/fd/0"}, {"stdout", "/proc/self/fd/1"},
    {"stderr", "/proc/self/fd/2"}, {"ptmx", "pts/ptmx"},
};

// The file type a linux.devices entry's type makes ("c" and "u": character, "b": block, "p":
// a fifo); 0 for any other (the parser refuses those).
inline mode_t device_file_type(std::string_view type) {
  if (type == "c" || type == "u") return S_IFCHR;
  if (type == "b") return S_IFBLK;
  if (type == "p") return S_IFIFO;
  return 0;
}

}  // namespace ppc::oci
