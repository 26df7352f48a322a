#include "vm/share_plan.h"

#include <sys/mount.h>
#include <sys/stat.h>

#include "base/error.h"
#include "oci/mount_options.h"
#include "protocol/shared_fs.h"

namespace ppc::shim {
namespace {

bool is_bind(const oci::Mount& m) { return m.type == "bind" || oci::parse_mount_options(m.options).bind; }

// mounts[i]'s bind, or nothing for a device (the guest's own node is bound instead).
std::optional<ShareBind> plan_mount(const oci::Mount& m, size_t index, const std::string& bundle, const SharePlan& plan) {
  if (m.source.empty()) throw Error("source: a bind mount needs a source");
  const std::string source = m.source.front() == '/' ? m.source : bundle + "/" + m.source;
  struct stat st {};
  if (::stat(source.c_str(), &st) != 0) throw_errno("source " + source);
  if (S_ISCHR(st.st_mode) || S_ISBLK(st.st_mode)) return std::nullopt;
  if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))
    throw Error("source " + source + " is neither a file nor a directory: it cannot be passed into a VM");
  const oci::MountOptions options = oci::parse_mount_options(m.options);
  ShareBind bind;
  bind.host_source = source;
  bind.target = plan.share + "/" + plan.id + "/m" + std::to_string(index);
  bind.guest_path = protocol::shared_mount_source_in_guest(plan.id, index);
  bind.directory = S_ISDIR(st.st_mode);
  bind.read_only = (options.flags & MS_RDONLY) != 0;
  // runc binds recursively only for rbind; a plain bind leaves the source's submounts out.
  bind.recursive = options.recursive;
  return bind;
}

}  // namespace

SharePlan plan_share(const oci::Config& config, const std::string& bundle, const std::string& rootfs,
                     const std::string& share, const std::string& id) {
  SharePlan plan;
  plan.share = share;
  plan.id = id;
  plan.root = ShareBind{rootfs, share + "/" + id + "/root", protocol::shared_root_in_guest(id), true,
                        config.root.readonly, true};
  for (size_t i = 0; i < config.mounts.size(); ++i) {
    const oci::Mount& m = config.mounts[i];
    if (!is_bind(m)) continue;
    with_context("mounts[" + std::to_string(i) + "] (" + m.destination + ")", [&] {
      if (auto bind = plan_mount(m, i, bundle, plan)) plan.mounts.emplace_back(i, std::move(*bind));
    });
  }
  return plan;
}

oci::Config guest_config(oci::Config config, const SharePlan& plan) {
  config.root.path = plan.root.guest_path;
  for (const auto& [index, bind] : plan.mounts) config.mounts.at(index).source = bind.guest_path;
  // runc treats type "bind" as a bind mount whatever the options say; the agent goes by the
  // options, so say it there too.
  for (oci::Mount& m : config.mounts) {
    if (m.type == "bind" && !oci::parse_mount_options(m.options).bind) m.options.push_back("bind");
  }
  config.hooks = {};
  config.annotations.clear();
  config.linux.cgroups_path.clear();
  return config;
}

}  // namespace ppc::shim
