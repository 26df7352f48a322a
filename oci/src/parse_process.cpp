// process: what the container's (or an exec'd) process runs as and with.
#include <string>

#include "oci/capabilities.h"
#include "oci/parse_config.h"
#include "oci/rlimits.h"
#include "parsers.h"

namespace ppc::oci {
namespace detail {

namespace {

User parse_user(const Field& f) {
  User user;
  // The spec makes uid and gid REQUIRED: a user object without them is a mistake, not root.
  user.uid = f.required("uid").u32();
  user.gid = f.required("gid").u32();
  if_present(f, "umask", [&](const Field& v) { user.umask = v.u32(); });
  if_present(f, "additionalGids", [&](const Field& v) { user.additional_gids = v.u32s(); });
  if_present(f, "username", [&](const Field& v) { user.username = v.string(); });
  return user;
}

ConsoleSize parse_console_size(const Field& f) {
  return ConsoleSize{.height = f.required("height").u32(), .width = f.required("width").u32()};
}

std::vector<std::string> parse_capability_set(const Field& f) {
  std::vector<std::string> names;
  for (const Field& element : f.elements()) {
    std::string name = element.string();
    if (!capability_number(name)) {
      element.fail("unknown capability " + Field::describe(element.json()) + " (known: CAP_CHOWN .. " +
                   std::string(*capability_name(kLastCapability)) + ")");
    }
    names.push_back(std::move(name));
  }
  return names;
}

Capabilities parse_capabilities(const Field& f) {
  f.expect_object();
  Capabilities caps;
  if_present(f, "bounding", [&](const Field& v) { caps.bounding = parse_capability_set(v); });
  if_present(f, "effective", [&](const Field& v) { caps.effective = parse_capability_set(v); });
  if_present(f, "inheritable", [&](const Field& v) { caps.inheritable = parse_capability_set(v); });
  if_present(f, "permitted", [&](const Field& v) { caps.permitted = parse_capability_set(v); });
  if_present(f, "ambient", [&](const Field& v) { caps.ambient = parse_capability_set(v); });
  return caps;
}

Rlimit parse_rlimit(const Field& f) {
  Rlimit limit;
  const Field type = f.required("type");
  limit.type = type.string();
  const auto resource = rlimit_resource(limit.type);
  if (!resource) type.fail("unknown rlimit type " + Field::describe(type.json()));
  limit.resource = *resource;
  limit.soft = f.required("soft").u64();
  limit.hard = f.required("hard").u64();
  // setrlimit() refuses this with EINVAL; saying so here names the entry.
  if (limit.soft > limit.hard) {
    f.fail("soft limit " + std::to_string(limit.soft) + " exceeds hard limit " + std::to_string(limit.hard));
  }
  return limit;
}

}  // namespace

std::vector<std::string> parse_env(const Field& env) {
  std::vector<std::string> out;
  for (const Field& element : env.elements()) {
    std::string entry = element.string();
    const size_t equals = entry.find('=');
    if (equals == std::string::npos || equals == 0) {
      element.fail("expected KEY=value, got " + Field::describe(element.json()));
    }
    out.push_back(std::move(entry));
  }
  return out;
}

Process parse_process_object(const Field& f) {
  f.expect_object();
  Process p;
  if_present(f, "terminal", [&](const Field& v) { p.terminal = v.boolean(); });
  if_present(f, "consoleSize", [&](const Field& v) { p.console_size = parse_console_size(v); });
  if_present(f, "user", [&](const Field& v) { p.user = parse_user(v); });

  // The spec: at least one entry, the executable. An empty one cannot be executed.
  const Field args = f.required("args");
  p.args = args.strings();
  if (p.args.empty()) args.fail("must not be empty (the first entry is the executable)");
  if (p.args.front().empty()) args.elements().front().fail("the executable must not be empty");

  if_present(f, "env", [&](const Field& v) { p.env = parse_env(v); });
  p.cwd = f.required("cwd").absolute_path();
  if_present(f, "capabilities", [&](const Field& v) { p.capabilities = parse_capabilities(v); });
  if_present(f, "rlimits", [&](const Field& v) {
    for (const Field& element : v.elements()) p.rlimits.push_back(parse_rlimit(element));
  });
  if_present(f, "noNewPrivileges", [&](const Field& v) { p.no_new_privileges = v.boolean(); });
  if_present(f, "oomScoreAdj", [&](const Field& v) {
    const int adj = v.i32();
    // The kernel's OOM_SCORE_ADJ_MIN..OOM_SCORE_ADJ_MAX.
    if (adj < -1000 || adj > 1000) v.fail("must be between -1000 and 1000, got " + std::to_string(adj));
    p.oom_score_adj = adj;
  });
  if_present(f, "apparmorProfile", [&](const Field& v) { p.apparmor_profile = v.string(); });
  if_present(f, "selinuxLabel", [&](const Field& v) { p.selinux_label = v.string(); });
  return p;
}

}  // namespace detail

Process parse_process(const nlohmann::json& j) { return detail::parse_process_object(detail::Field(j, "")); }

}  // namespace ppc::oci
