#include "vm/bind_mounts.h"

#include <sys/stat.h>

#include <filesystem>

#include "base/error.h"
#include "oci/mount_options.h"

namespace ppc::shim {
namespace {

namespace fs = std::filesystem;

bool is_bind(const oci::Mount& m) { return m.type == "bind" || oci::parse_mount_options(m.options).bind; }

// Total bytes of the regular files below `dir`, stopping early once past `limit`.
uint64_t directory_bytes(const std::string& dir, uint64_t limit) {
  uint64_t total = 0;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, fs::directory_options::none, ec); !ec && it != fs::end(it);
       it.increment(ec)) {
    struct stat st {};
    if (::lstat(it->path().c_str(), &st) == 0 && S_ISREG(st.st_mode)) total += static_cast<uint64_t>(st.st_size);
    if (total > limit) break;
  }
  if (ec) throw Error("reading " + dir + ": " + ec.message());
  return total;
}

}  // namespace

std::vector<BindCopy> plan_bind_copies(const oci::Config& config, const std::string& bundle, uint64_t max_directory_bytes) {
  std::vector<BindCopy> copies;
  for (size_t i = 0; i < config.mounts.size(); ++i) {
    const oci::Mount& m = config.mounts[i];
    if (!is_bind(m)) continue;
    with_context("mounts[" + std::to_string(i) + "] (" + m.destination + ")", [&] {
      if (m.source.empty()) throw Error("source: a bind mount needs a source");
      const std::string source = m.source.front() == '/' ? m.source : bundle + "/" + m.source;
      struct stat st {};
      if (::stat(source.c_str(), &st) != 0) throw_errno("source " + source);
      BindCopy copy{i, source, std::string(kGuestBindDir) + "/" + std::to_string(i), false};
      if (S_ISREG(st.st_mode)) {
        copies.push_back(copy);
      } else if (S_ISDIR(st.st_mode)) {
        const uint64_t bytes = directory_bytes(source, max_directory_bytes);
        if (bytes > max_directory_bytes) {
          throw Error("source " + source + " is a directory of more than " + std::to_string(max_directory_bytes >> 20) +
                      " MiB: too large to copy into the guest (a VM cannot share host directories here)");
        }
        copy.directory = true;
        copies.push_back(copy);
      } else if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) {
        // The guest has its own device nodes: binding the guest's node of the same path.
      } else {
        throw Error("source " + source + " is neither a file nor a directory: it cannot be passed into a VM");
      }
    });
  }
  return copies;
}

void apply_bind_copies(oci::Config& config, const std::vector<BindCopy>& copies) {
  for (const BindCopy& c : copies) config.mounts.at(c.mount_index).source = c.guest_path;
  // runc treats type "bind" as a bind mount whatever the options say; the agent goes by the
  // options, so say it there too.
  for (oci::Mount& m : config.mounts) {
    if (m.type == "bind" && !oci::parse_mount_options(m.options).bind) m.options.push_back("bind");
  }
}

}  // namespace ppc::shim
