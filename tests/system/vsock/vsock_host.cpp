// Host side of the vsock system tests and benchmark (runs in the rig's L1 next to the VMM):
// talks to the guest through the VMM's hybrid Unix socket ("CONNECT <port>\n" -> "OK <port>\n").
//   vsock_host bulk UDS PORT UP DOWN        one connection: UP bytes up, DOWN down, checksums
//   vsock_host parallel UDS PORT N BYTES    N bulk connections at once, BYTES each way
//   vsock_host refused UDS PORT             nobody listens there: the connection must fail fast
//   vsock_host accept PATH BYTES            accept one guest-initiated connection on PATH
//   vsock_host control UDS PORT COMMAND     send one line to the guest's control port, print the answer
//   vsock_host rtt UDS PORT N               N one-byte round trips (echo), prints the median
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "common.h"

using namespace vsock_test;

namespace {

double now_s() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "vsock_host: FAIL: %s\n", what.c_str());
  std::exit(1);
}

int unix_connect(const std::string& path) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path.c_str());
  if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0) die("connect " + path + ": " + std::strerror(errno));
  return fd;
}

// The hybrid handshake. Returns the fd, or -1 when the VMM closed it (nobody listens).
int vsock_connect(const std::string& uds, unsigned port, std::string* reply = nullptr) {
  const int fd = unix_connect(uds);
  const std::string line = "CONNECT " + std::to_string(port) + "\n";
  if (!write_all(fd, line.data(), line.size())) die("write CONNECT");
  std::string got;
  char c;
  while (got.size() < 64 && ::read(fd, &c, 1) == 1 && c != '\n') got.push_back(c);
  if (reply) *reply = got;
  if (got.rfind("OK ", 0) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

struct BulkResult {
  bool ok = false;
  std::string error;
  double up_s = 0, down_s = 0;
};

BulkResult bulk(const std::string& uds, unsigned port, uint64_t up, uint64_t down, uint64_t seed) {
  BulkResult r;
  const int fd = vsock_connect(uds, port);
  if (fd < 0) return r.error = "handshake refused", r;
  const Request req{0, up, down, seed};
  write_all(fd, &req, sizeof req);
  std::vector<uint8_t> buf(1 << 16);
  Fnv sent;
  double t0 = now_s();
  for (uint64_t done = 0; done < up;) {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(buf.size(), up - done));
    for (size_t i = 0; i < n; ++i) buf[i] = pattern_byte(seed, done + i);
    sent.add(buf.data(), n);
    if (!write_all(fd, buf.data(), n)) return ::close(fd), r.error = "write failed after " + std::to_string(done), r;
    done += n;
  }
  double t1 = now_s();
  for (uint64_t done = 0; done < down;) {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(buf.size(), down - done));
    if (!read_all(fd, buf.data(), n)) return ::close(fd), r.error = "short read after " + std::to_string(done), r;
    for (size_t i = 0; i < n; ++i)
      if (buf[i] != pattern_byte(seed + 1, done + i)) return ::close(fd), r.error = "corrupt byte at " + std::to_string(done + i), r;
    done += n;
  }
  double t2 = now_s();
  uint64_t guest_sum = 0;
  if (!read_all(fd, &guest_sum, sizeof guest_sum)) return ::close(fd), r.error = "no checksum", r;
  ::close(fd);
  if (guest_sum != sent.h) return r.error = "checksum mismatch: the guest got other bytes", r;
  // The upload time ends when the guest has read everything: the download cannot start earlier.
  r.ok = true;
  r.up_s = t1 - t0;
  r.down_s = t2 - t1;
  return r;
}

using Args = std::vector<std::string>;

unsigned long long num(const Args& a, size_t i) { return std::strtoull(a.at(i).c_str(), nullptr, 10); }

int run_bulk(const Args& a) {
  const BulkResult r = bulk(a[1], static_cast<unsigned>(num(a, 2)), num(a, 3), num(a, 4), 42);
  if (!r.ok) die(r.error);
  std::printf("bulk ok: %llu bytes up (%.1f MB/s), %llu down (%.1f MB/s), checksums match\n", num(a, 3),
              r.up_s > 0 ? num(a, 3) / r.up_s / 1e6 : 0.0, num(a, 4), r.down_s > 0 ? num(a, 4) / r.down_s / 1e6 : 0.0);
  return 0;
}

int run_parallel(const Args& a) {
  const unsigned n = static_cast<unsigned>(num(a, 3));
  std::vector<BulkResult> results(n);
  std::vector<std::thread> threads;
  for (unsigned i = 0; i < n; ++i)
    threads.emplace_back([&, i] { results[i] = bulk(a[1], static_cast<unsigned>(num(a, 2)), num(a, 4), num(a, 4), 100 + i); });
  for (auto& t : threads) t.join();
  unsigned ok = 0;
  for (unsigned i = 0; i < n; ++i) {
    if (results[i].ok) ++ok;
    else std::printf("connection %u: %s\n", i, results[i].error.c_str());
  }
  std::printf("parallel: %u of %u connections complete with matching checksums\n", ok, n);
  return ok == n ? 0 : 1;
}

int run_refused(const Args& a) {
  const double t0 = now_s();
  std::string reply;
  const int fd = vsock_connect(a[1], static_cast<unsigned>(num(a, 2)), &reply);
  const double ms = (now_s() - t0) * 1e3;
  if (fd >= 0) die("connected to port " + a[2] + " where nobody listens (reply '" + reply + "')");
  std::printf("refused ok: port %s closed after %.0f ms\n", a[2].c_str(), ms);
  // The VMM closes a connection the guest never answers after its 5 s connect timeout: a
  // close well before that is the guest's RST (a loaded rig can take a few seconds for it).
  return ms < 4000 ? 0 : 1;
}

int run_accept(const Args& a) {
  const int lfd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::snprintf(addr.sun_path, sizeof addr.sun_path, "%s", a[1].c_str());
  ::unlink(a[1].c_str());
  if (::bind(lfd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) < 0 || ::listen(lfd, 4) < 0) die("listen " + a[1]);
  std::printf("accept: listening on %s\n", a[1].c_str());
  std::fflush(stdout);  // the case waits for this line before the guest connects
  pollfd p{lfd, POLLIN, 0};
  if (::poll(&p, 1, 60000) != 1) die("no connection from the guest within 60 s");
  const int fd = ::accept(lfd, nullptr, nullptr);
  uint8_t buf[65536];
  uint64_t total = 0;
  for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0; total += static_cast<uint64_t>(n))
    for (ssize_t i = 0; i < n; ++i)
      if (buf[i] != pattern_byte(7, total + static_cast<uint64_t>(i))) die("corrupt byte at " + std::to_string(total + i));
  if (total != num(a, 2)) die("got " + std::to_string(total) + " bytes, expected " + a[2]);
  std::printf("accept ok: %llu bytes from the guest, intact\n", static_cast<unsigned long long>(total));
  return 0;
}

int run_control(const Args& a) {
  const int fd = vsock_connect(a[1], static_cast<unsigned>(num(a, 2)));
  if (fd < 0) die("control port refused");
  const std::string line = a[3] + "\n";
  write_all(fd, line.data(), line.size());
  char reply[128] = {};
  const ssize_t n = ::read(fd, reply, sizeof reply - 1);
  std::printf("control reply: %s", n > 0 ? reply : "(none)\n");
  // The guest answers "done 0" to a connect that worked and "bye" to shutdown.
  const std::string answer(reply);
  return answer == "done 0\n" || answer == "bye\n" ? 0 : 1;
}

int run_rtt(const Args& a) {
  const int fd = vsock_connect(a[1], static_cast<unsigned>(num(a, 2)));
  if (fd < 0) die("echo port refused");
  const Request req{1, 0, 0, 0};
  write_all(fd, &req, sizeof req);
  std::vector<double> us;
  for (uint64_t i = 0; i < num(a, 3); ++i) {
    const double t0 = now_s();
    uint8_t c = static_cast<uint8_t>(i);
    if (!write_all(fd, &c, 1) || !read_all(fd, &c, 1)) die("echo failed");
    us.push_back((now_s() - t0) * 1e6);
  }
  std::sort(us.begin(), us.end());
  std::printf("rtt: %zu round trips, median %.0f us, p90 %.0f us\n", us.size(), us[us.size() / 2], us[us.size() * 9 / 10]);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);
  const Args a(argv + 1, argv + argc);
  // Each subcommand with its number of words (its name included).
  static const struct {
    const char* name;
    size_t words;
    int (*run)(const Args&);
  } kCommands[] = {
      {"bulk", 5, run_bulk},
      {"parallel", 5, run_parallel},
      {"refused", 3, run_refused},
      {"accept", 3, run_accept},
      {"control", 4, run_control},
      {"rtt", 4, run_rtt},
  };
  for (const auto& c : kCommands)
    if (!a.empty() && a[0] == c.name && a.size() == c.words) return c.run(a);
  std::fprintf(stderr, "usage: see the comment at the top of vsock_host.cpp\n");
  return 2;
}
