#include "sandbox/rlimits.h"

#include <sys/resource.h>

#include <charconv>
#include <string>

#include "base/error.h"
#include "config_error.h"

namespace ppc::vmm {
namespace {

struct Named {
  std::string_view name;
  int resource;
};
constexpr Named kNames[] = {
    {"core", RLIMIT_CORE},       {"fsize", RLIMIT_FSIZE},     {"nofile", RLIMIT_NOFILE}, {"no-file", RLIMIT_NOFILE},
    {"nproc", RLIMIT_NPROC},     {"memlock", RLIMIT_MEMLOCK}, {"as", RLIMIT_AS},
};

std::string_view name_of(int resource) {
  for (const auto& n : kNames)
    if (n.resource == resource) return n.name;
  return "?";
}

}  // namespace

RlimitSetting parse_rlimit(std::string_view text) {
  const auto eq = text.find('=');
  if (eq == std::string_view::npos) throw ConfigError("--rlimit " + std::string(text) + ": expected NAME=VALUE");
  const std::string_view name = text.substr(0, eq), value = text.substr(eq + 1);
  const Named* found = nullptr;
  for (const auto& n : kNames)
    if (n.name == name) found = &n;
  if (!found)
    throw ConfigError("--rlimit " + std::string(text) + ": unknown resource '" + std::string(name) +
                      "' (core, fsize, nofile, nproc, memlock, as)");
  if (value == "unlimited") return {found->resource, RLIM_INFINITY};
  uint64_t v = 0;
  const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
  if (value.empty() || ec != std::errc() || end != value.data() + value.size())
    throw ConfigError("--rlimit " + std::string(text) + ": '" + std::string(value) + "' is not a number or 'unlimited'");
  return {found->resource, static_cast<rlim_t>(v)};
}

std::vector<RlimitSetting> jail_rlimits(const std::vector<RlimitSetting>& extra, uint64_t file_size_limit) {
  std::vector<RlimitSetting> limits = {
      {RLIMIT_CORE, 0}, {RLIMIT_NOFILE, 4096}, {RLIMIT_FSIZE, static_cast<rlim_t>(file_size_limit)}};
  for (const auto& e : extra) {
    bool replaced = false;
    for (auto& l : limits)
      if (l.resource == e.resource) l = e, replaced = true;
    if (!replaced) limits.push_back(e);
  }
  return limits;
}

void apply_rlimits(const std::vector<RlimitSetting>& limits) {
  for (const auto& l : limits) {
    const rlimit r{l.value, l.value};
    if (::setrlimit(l.resource, &r) < 0) throw_errno("setrlimit " + std::string(name_of(l.resource)));
  }
}

}  // namespace ppc::vmm
