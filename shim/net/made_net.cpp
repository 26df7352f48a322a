#include "net/made_net.h"

#include <sys/stat.h>

#include <optional>

#include "base/error.h"
#include "netconf/links.h"
#include "netconf/netns.h"
#include "netconf/tc_redirect.h"

namespace ppc::shim {
namespace {

constexpr const char* kTapPrefix = "tap";
constexpr const char* kTapSuffix = "_kvm";

// The namespace if it is still the one recorded; nullopt when it is gone or another one.
std::optional<UniqueFd> same_netns(const NetnsId& id) {
  try {
    UniqueFd fd = netconf::open_netns(id.path);
    if (netns_inode(fd.get()) != id.inode) return std::nullopt;
    return fd;
  } catch (const netconf::NetnsGone&) {
    return std::nullopt;
  }
}

}  // namespace

uint64_t netns_inode(int netns_fd) {
  struct stat st {};
  if (::fstat(netns_fd, &st) != 0) throw_errno("a network namespace (fstat)");
  return st.st_ino;
}

std::string tap_name(size_t index) { return kTapPrefix + std::to_string(index) + kTapSuffix; }

bool is_tap_name(const std::string& name) {
  const std::string prefix = kTapPrefix, suffix = kTapSuffix;
  if (name.size() <= prefix.size() + suffix.size() || name.compare(0, prefix.size(), prefix) != 0 ||
      name.compare(name.size() - suffix.size(), suffix.size(), suffix) != 0) {
    return false;
  }
  const std::string digits = name.substr(prefix.size(), name.size() - prefix.size() - suffix.size());
  return digits.size() <= 2 && digits.find_first_not_of("0123456789") == std::string::npos;
}

void undo_made(const MadeNetns& thing) { netconf::remove_netns(thing.path); }

void undo_made(const MadeTap& thing) {
  const std::optional<UniqueFd> netns = same_netns(thing.netns);
  if (!netns) return;
  netconf::run_in_netns(netns->get(), [&] {
    netconf::Netlink nl;
    const std::optional<netconf::Link> tap = netconf::find_link(nl, thing.name);
    if (!tap) return;
    if (tap->kind != "tun") throw Error("interface " + thing.name + " is a " + tap->kind + ", not our tap: left alone");
    netconf::delete_link(nl, thing.name);
  });
}

void undo_made(const MadeIngress& thing) {
  const std::optional<UniqueFd> netns = same_netns(thing.netns);
  if (!netns) return;
  netconf::run_in_netns(netns->get(), [&] {
    netconf::Netlink nl;
    netconf::remove_ingress(nl, thing.interface);
  });
}

}  // namespace ppc::shim
