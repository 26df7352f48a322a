// The top level of config.json: version, root, process, names, mounts, hooks, annotations
// and the linux section.
#include "oci/parse_config.h"

#include <string>

#include "parsers.h"

namespace ppc::oci {
namespace detail {

namespace {

Root parse_root(const Field& f) {
  Root root;
  // Relative paths are fine (the bundle's "rootfs"); an empty one names nothing.
  const Field path = f.required("path");
  root.path = path.string();
  if (root.path.empty()) path.fail("must not be empty");
  if_present(f, "readonly", [&](const Field& v) { root.readonly = v.boolean(); });
  return root;
}

Mount parse_mount(const Field& f) {
  Mount m;
  m.destination = f.required("destination").absolute_path();
  if_present(f, "type", [&](const Field& v) { m.type = v.string(); });
  if_present(f, "source", [&](const Field& v) { m.source = v.string(); });
  if_present(f, "options", [&](const Field& v) { m.options = v.strings(); });
  return m;
}

Hook parse_hook(const Field& f) {
  Hook h;
  h.path = f.required("path").absolute_path();
  if_present(f, "args", [&](const Field& v) { h.args = v.strings(); });
  if_present(f, "env", [&](const Field& v) { h.env = parse_env(v); });
  if_present(f, "timeout", [&](const Field& v) {
    const int seconds = v.i32();
    if (seconds <= 0) v.fail("must be a positive number of seconds, got " + std::to_string(seconds));
    h.timeout = seconds;
  });
  return h;
}

std::vector<Hook> parse_hook_list(const Field& f) {
  std::vector<Hook> out;
  for (const Field& element : f.elements()) out.push_back(parse_hook(element));
  return out;
}

Hooks parse_hooks(const Field& f) {
  f.expect_object();
  Hooks h;
  if_present(f, "prestart", [&](const Field& v) { h.prestart = parse_hook_list(v); });
  if_present(f, "createRuntime", [&](const Field& v) { h.create_runtime = parse_hook_list(v); });
  if_present(f, "createContainer", [&](const Field& v) { h.create_container = parse_hook_list(v); });
  if_present(f, "startContainer", [&](const Field& v) { h.start_container = parse_hook_list(v); });
  if_present(f, "poststart", [&](const Field& v) { h.poststart = parse_hook_list(v); });
  if_present(f, "poststop", [&](const Field& v) { h.poststop = parse_hook_list(v); });
  return h;
}

}  // namespace

}  // namespace detail

Config parse_config(const nlohmann::json& j) {
  using detail::Field;
  using detail::if_present;
  const Field top(j, "");
  top.expect_object();

  Config c;
  c.oci_version = top.required("ociVersion").string();
  c.root = detail::parse_root(top.required("root"));
  if_present(top, "process", [&](const Field& v) { c.process = detail::parse_process_object(v); });
  if_present(top, "hostname", [&](const Field& v) { c.hostname = v.string(); });
  if_present(top, "domainname", [&](const Field& v) { c.domainname = v.string(); });
  if_present(top, "mounts", [&](const Field& v) {
    for (const Field& element : v.elements()) c.mounts.push_back(detail::parse_mount(element));
  });
  if_present(top, "hooks", [&](const Field& v) { c.hooks = detail::parse_hooks(v); });
  if_present(top, "annotations", [&](const Field& v) {
    for (const auto& [key, value] : v.members()) c.annotations[key] = value.string();
  });
  if_present(top, "linux", [&](const Field& v) { c.linux = detail::parse_linux_object(v); });
  return c;
}

}  // namespace ppc::oci
