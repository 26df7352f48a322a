#pragma once
// Network namespaces. A thread's network namespace is its own (setns changes only the calling
// thread's), so everything that must happen inside one runs on a thread made for it, which
// joins the namespace, does the work and ends; the caller's thread never changes namespace.
#include <functional>
#include <optional>
#include <string>
#include <type_traits>

#include "base/error.h"
#include "base/unique_fd.h"

namespace ppc::netconf {

// The namespace file is not there (any more), or what is there is not a namespace (a bind
// mount undone leaves the plain file behind): whatever was in that namespace is gone too.
class NetnsGone : public Error {
 public:
  using Error::Error;
};

// An fd of the network namespace at `path` (/run/netns/x, /proc/<pid>/ns/net, a bind mount).
// Throws NetnsGone (see above), Error for anything else.
UniqueFd open_netns(const std::string& path);

// Runs fn on a new thread inside the network namespace `netns_fd` and waits for it; what fn
// throws is rethrown here. NetnsGone when the fd is not a network namespace.
void run_in_netns(int netns_fd, const std::function<void()>& fn);

// The same, with fn's result.
template <typename Fn>
auto in_netns(int netns_fd, Fn&& fn) -> std::invoke_result_t<Fn&> {
  using Result = std::invoke_result_t<Fn&>;
  if constexpr (std::is_void_v<Result>) {
    run_in_netns(netns_fd, fn);
  } else {
    std::optional<Result> result;
    run_in_netns(netns_fd, [&] { result.emplace(fn()); });
    return std::move(*result);
  }
}

// A new network namespace, bound at `path` (created; it must not exist), so that it lives
// until remove_netns and can be named by its path. It holds only a loopback device, down.
void create_netns(const std::string& path);

// A new network namespace held only by the returned fd: nothing names it, and it ends (with
// every device in it) when the fd and whatever joined it are gone, however this process ends.
UniqueFd scratch_netns();

// Undoes create_netns: unmounts and removes `path`. Nothing there is fine. The namespace
// itself ends when nothing else (a process, an open fd) holds it any more.
void remove_netns(const std::string& path);

}  // namespace ppc::netconf
