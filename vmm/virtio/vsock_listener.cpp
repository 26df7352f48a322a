#include "virtio/vsock_listener.h"

#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "base/error.h"

namespace ppc::vmm {

namespace vsock {

std::optional<uint32_t> parse_connect_line(std::string_view line) {
  static constexpr std::string_view kVerb = "CONNECT ";
  if (line.size() <= kVerb.size() || line.substr(0, kVerb.size()) != kVerb) return std::nullopt;
  const std::string_view digits = line.substr(kVerb.size());
  if (digits.size() > 10) return std::nullopt;
  uint64_t port = 0;
  for (const char ch : digits) {
    if (ch < '0' || ch > '9') return std::nullopt;
    port = port * 10 + static_cast<uint64_t>(ch - '0');
  }
  if (port > 0xffffffffull) return std::nullopt;
  return static_cast<uint32_t>(port);
}

bool unix_address(const std::string& path, sockaddr_un& addr) {
  addr = {};
  addr.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof addr.sun_path) return false;
  std::memcpy(addr.sun_path, path.data(), path.size());
  return true;
}

}  // namespace vsock

namespace {

bool would_block(int err) { return err == EAGAIN || err == EWOULDBLOCK; }

// Replaces a socket left behind by an earlier run, but never some other kind of file.
void remove_stale_socket(const std::string& path) {
  struct stat st;
  if (::lstat(path.c_str(), &st) != 0) return;
  if (!S_ISSOCK(st.st_mode)) throw Error("vsock socket path '" + path + "' exists and is not a socket");
  if (::unlink(path.c_str()) < 0) throw_errno("unlink stale vsock socket " + path);
}

}  // namespace

VsockListener::VsockListener(EventLoop& loop, std::string uds_path, Guard guard, Callbacks callbacks)
    : loop_(loop), uds_path_(std::move(uds_path)), guard_(std::move(guard)), callbacks_(std::move(callbacks)) {
  sockaddr_un addr;
  if (!vsock::unix_address(uds_path_, addr))
    throw Error("vsock socket path '" + uds_path_ + "' is empty or too long");
  remove_stale_socket(uds_path_);
  listen_fd_.reset(::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!listen_fd_.valid()) throw_errno("vsock: socket");
  if (::bind(listen_fd_.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) < 0)
    throw_errno("vsock: bind " + uds_path_);
  try {
    if (::listen(listen_fd_.get(), 128) < 0) throw_errno("vsock: listen " + uds_path_);
    loop_.add(listen_fd_.get(), EPOLLIN, [this](uint32_t) { guard_([this] { on_listen_ready(); }); });
  } catch (...) {
    loop_.remove(listen_fd_.get());
    ::unlink(uds_path_.c_str());
    throw;
  }
}

VsockListener::~VsockListener() {
  for (auto& [id, client] : clients_) loop_.remove(client->fd.get());
  loop_.remove(listen_fd_.get());
  ::unlink(uds_path_.c_str());
}

std::optional<VsockListener::Clock::time_point> VsockListener::earliest_deadline() const {
  std::optional<Clock::time_point> first;
  for (const auto& [id, client] : clients_)
    if (!first || client->deadline < *first) first = client->deadline;
  return first;
}

void VsockListener::expire(Clock::time_point now) {
  for (auto it = clients_.begin(); it != clients_.end();) {
    if (it->second->deadline <= now) {
      loop_.remove(it->second->fd.get());
      it = clients_.erase(it);
    } else {
      ++it;
    }
  }
}

void VsockListener::on_listen_ready() {
  for (;;) {
    UniqueFd fd(::accept4(listen_fd_.get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
    if (!fd.valid()) {
      if (errno == EINTR || errno == ECONNABORTED) continue;
      break;  // EAGAIN, or out of descriptors: the client waits in the backlog
    }
    const uint64_t id = next_client_id_++;
    auto client = std::make_unique<Client>();
    client->deadline = Clock::now() + timeout_;
    const int raw = fd.get();
    client->fd = std::move(fd);
    clients_[id] = std::move(client);
    try {
      loop_.add(raw, EPOLLIN, [this, id](uint32_t) { guard_([this, id] { on_client_readable(id); }); });
    } catch (const Error&) {
      clients_.erase(id);  // cannot watch it (epoll out of memory): the client sees EOF
    }
  }
  callbacks_.on_accepted();
}

void VsockListener::on_client_readable(uint64_t id) {
  const auto it = clients_.find(id);
  if (it == clients_.end()) return;
  Client& client = *it->second;
  // Peek, then consume no further than the newline: whatever follows is the client's first
  // stream data and must stay in the socket for the guest.
  char buf[vsock::kMaxConnectLine];
  const ssize_t n = ::recv(client.fd.get(), buf, vsock::kMaxConnectLine - client.line.size(), MSG_PEEK);
  if (n < 0 && (would_block(errno) || errno == EINTR)) return;
  if (n <= 0) return drop(id);
  const char* nl = static_cast<const char*>(std::memchr(buf, '\n', static_cast<size_t>(n)));
  const size_t take = nl ? static_cast<size_t>(nl - buf) + 1 : static_cast<size_t>(n);
  if (::recv(client.fd.get(), buf, take, 0) != static_cast<ssize_t>(take)) return drop(id);
  client.line.append(buf, nl ? take - 1 : take);
  if (!nl) {
    if (client.line.size() >= vsock::kMaxConnectLine) drop(id);
    return;
  }
  const auto port = vsock::parse_connect_line(client.line);
  if (!port) return drop(id);
  loop_.remove(client.fd.get());
  UniqueFd fd = std::move(client.fd);
  clients_.erase(it);
  callbacks_.on_connect(std::move(fd), *port);
}

void VsockListener::drop(uint64_t id) {
  const auto it = clients_.find(id);
  if (it == clients_.end()) return;
  loop_.remove(it->second->fd.get());
  clients_.erase(it);
}

}  // namespace ppc::vmm
