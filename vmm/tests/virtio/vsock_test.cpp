#include "virtio/vsock.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <type_traits>
#include <vector>

#include "base/error.h"
#include "base/unique_fd.h"
#include "event_loop.h"
#include "memory/guest_memory.h"
#include "virtio/queue.h"

namespace ppc::vmm {
namespace {

using namespace std::chrono_literals;
using Bytes = std::vector<uint8_t>;

constexpr uint64_t kCid = 42;
constexpr uint16_t kOpRequest = 1, kOpResponse = 2, kOpRst = 3, kOpShutdown = 4, kOpRw = 5, kOpCreditUpdate = 6,
                   kOpCreditRequest = 7;
constexpr auto kWait = 20s;  // generous: the tests also run under qemu-user and sanitizers

// ---- The wire header, written independently of the device's own encoder ----------------

struct Pkt {
  uint64_t src_cid = 0, dst_cid = 0;
  uint32_t src_port = 0, dst_port = 0, len = 0;
  uint16_t type = 1, op = 0;
  uint32_t flags = 0, buf_alloc = 0, fwd_cnt = 0;
  Bytes payload;
};

void le(Bytes& b, size_t at, uint64_t v, int n) {
  for (int i = 0; i < n; ++i) b[at + i] = static_cast<uint8_t>(v >> (8 * i));
}
uint64_t le(const Bytes& b, size_t at, int n) {
  uint64_t v = 0;
  for (int i = 0; i < n; ++i) v |= uint64_t{b[at + i]} << (8 * i);
  return v;
}

Bytes encode_header(const Pkt& p) {
  Bytes b(44);
  le(b, 0, p.src_cid, 8);
  le(b, 8, p.dst_cid, 8);
  le(b, 16, p.src_port, 4);
  le(b, 20, p.dst_port, 4);
  le(b, 24, p.len, 4);
  le(b, 28, p.type, 2);
  le(b, 30, p.op, 2);
  le(b, 32, p.flags, 4);
  le(b, 36, p.buf_alloc, 4);
  le(b, 40, p.fwd_cnt, 4);
  return b;
}

Pkt decode(const Bytes& b) {
  Pkt p;
  p.src_cid = le(b, 0, 8);
  p.dst_cid = le(b, 8, 8);
  p.src_port = static_cast<uint32_t>(le(b, 16, 4));
  p.dst_port = static_cast<uint32_t>(le(b, 20, 4));
  p.len = static_cast<uint32_t>(le(b, 24, 4));
  p.type = static_cast<uint16_t>(le(b, 28, 2));
  p.op = static_cast<uint16_t>(le(b, 30, 2));
  p.flags = static_cast<uint32_t>(le(b, 32, 4));
  p.buf_alloc = static_cast<uint32_t>(le(b, 36, 4));
  p.fwd_cnt = static_cast<uint32_t>(le(b, 40, 4));
  p.payload.assign(b.begin() + 44, b.end());
  return p;
}

// A packet from guest port gport to host port hport.
Pkt from_guest(uint16_t op, uint32_t gport, uint32_t hport, Bytes payload = {}) {
  Pkt p;
  p.src_cid = kCid;
  p.dst_cid = 2;
  p.src_port = gport;
  p.dst_port = hport;
  p.op = op;
  p.buf_alloc = 256 * 1024;
  p.len = static_cast<uint32_t>(payload.size());
  p.payload = std::move(payload);
  return p;
}

Bytes pattern(size_t n, uint64_t seed) {
  Bytes b(n);
  uint64_t x = seed;
  for (auto& byte : b) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    byte = static_cast<uint8_t>(x);
  }
  return b;
}

Bytes bytes(std::string_view s) { return Bytes(s.begin(), s.end()); }

// ---- A fake virtio driver: rings and buffers in guest memory, laid out by hand ----------

class FakeDriver {
 public:
  static constexpr uint16_t kQueueSize = 256;
  static constexpr int kRxSlots = 128;  // two descriptors per chain
  static constexpr int kTxSlots = 128;
  // An rx chain splits even the header over two buffers, as a driver is free to.
  static constexpr uint32_t kRxFirst = 32, kRxSecond = 44 + 4096 - 32;
  static constexpr uint64_t kRxBase = 0x10000, kRxSlot = 0x2000;
  static constexpr uint64_t kTxBase = 0x200000, kTxSlot = 0x10000, kTxSecond = 0x1000;
  static constexpr uint64_t kEventBase = 0xc00000;

  explicit FakeDriver(GuestMemory& mem) : mem_(mem) { init(); }

  // Fresh rings, nothing posted (what a driver does after a device reset).
  void init() {
    queues_.clear();
    for (uint16_t q = 0; q < 3; ++q) {
      const uint64_t base = 0x4000ull * q;
      std::memset(mem_.host_base() + base, 0, 0x4000);
      Virtqueue v(mem_);
      v.set_size(kQueueSize);
      v.set_desc_table(base);
      v.set_avail_ring(base + 0x1000);
      v.set_used_ring(base + 0x2000);
      EXPECT_TRUE(v.enable());
      queues_.push_back(v);
    }
    avail_idx_ = {0, 0, 0};
    rx_used_seen_ = 0;
    rx_posted_.assign(kRxSlots, false);
    tx_next_ = 0;
    // The event queue gets buffers like Linux gives it; the device must leave them alone.
    for (uint16_t i = 0; i < 4; ++i) {
      set_desc(2, i, kEventBase + 0x100 * i, 4, Virtqueue::kDescWrite, 0);
      publish(2, i);
    }
  }

  std::vector<Virtqueue>& queues() { return queues_; }

  // Posts up to count rx chains on free slots; returns how many.
  int post_rx(int count) {
    int posted = 0;
    for (int slot = 0; slot < kRxSlots && posted < count; ++slot) {
      if (rx_posted_[slot]) continue;
      const uint16_t d = static_cast<uint16_t>(2 * slot);
      const uint64_t buf = kRxBase + kRxSlot * slot;
      set_desc(0, d, buf, kRxFirst, Virtqueue::kDescWrite | Virtqueue::kDescNext, d + 1);
      set_desc(0, d + 1, buf + kRxFirst, kRxSecond, Virtqueue::kDescWrite, 0);
      publish(0, d);
      rx_posted_[slot] = true;
      ++posted;
    }
    return posted;
  }

  // The packets the device put in rx chains since the last call; their slots become free.
  std::vector<Pkt> take_rx() {
    std::vector<Pkt> out;
    const uint64_t used = queues_[0].used_ring();
    const uint16_t used_idx = mem_.load_le16(used + 2);
    while (rx_used_seen_ != used_idx) {
      const uint64_t elem = used + 4 + 8ull * (rx_used_seen_ % kQueueSize);
      const uint32_t id = mem_.load_le32(elem);
      const uint32_t len = mem_.load_le32(elem + 4);
      ++rx_used_seen_;
      EXPECT_EQ(id % 2, 0u);
      const int slot = static_cast<int>(id / 2);
      EXPECT_TRUE(slot < kRxSlots && rx_posted_[slot]) << "used id " << id;
      if (slot >= kRxSlots) continue;
      rx_posted_[slot] = false;
      EXPECT_GE(len, 44u);
      EXPECT_LE(len, kRxFirst + kRxSecond);
      Bytes raw(std::min<uint32_t>(len, kRxFirst + kRxSecond));
      const uint64_t buf = kRxBase + kRxSlot * slot;
      // The two buffers are contiguous in our layout, but read them as the chain says.
      const size_t first = std::min<size_t>(raw.size(), kRxFirst);
      mem_.read(buf, std::span(raw.data(), first));
      mem_.read(buf + kRxFirst, std::span(raw.data() + first, raw.size() - first));
      if (raw.size() < 44) continue;
      Pkt p = decode(raw);
      EXPECT_EQ(p.len, p.payload.size()) << "used length disagrees with the header";
      out.push_back(std::move(p));
    }
    return out;
  }

  // Makes one tx chain per entry available; each chain is one or two readable buffers.
  void post_tx(const std::vector<std::vector<Bytes>>& chains) {
    for (const auto& bufs : chains) {
      const int slot = tx_next_++ % kTxSlots;
      const uint16_t d = static_cast<uint16_t>(2 * slot);
      const uint64_t base = kTxBase + kTxSlot * slot;
      EXPECT_TRUE(!bufs.empty() && bufs.size() <= 2);
      EXPECT_LE(bufs[0].size(), kTxSecond);
      if (!bufs[0].empty()) mem_.write(base, bufs[0]);
      const bool two = bufs.size() == 2;
      set_desc(1, d, base, static_cast<uint32_t>(bufs[0].size()), two ? Virtqueue::kDescNext : 0, d + 1);
      if (two) {
        EXPECT_LE(bufs[1].size(), kTxSlot - kTxSecond);
        if (!bufs[1].empty()) mem_.write(base + kTxSecond, bufs[1]);
        set_desc(1, d + 1, base + kTxSecond, static_cast<uint32_t>(bufs[1].size()), 0, 0);
      }
      publish(1, d);
    }
  }

  uint16_t used_idx(uint16_t q) const { return mem_.load_le16(queues_[q].used_ring() + 2); }
  uint16_t avail_idx(uint16_t q) const { return avail_idx_[q]; }
  void set_avail_idx(uint16_t q, uint16_t idx) { mem_.store_le16(queues_[q].avail_ring() + 2, idx); }
  // The driver handled an event and posts its buffer (descriptor d) again, as Linux does.
  void repost_event(uint16_t d) { publish(2, d); }

 private:
  void set_desc(uint16_t q, uint16_t i, uint64_t addr, uint32_t len, uint16_t flags, uint16_t next) {
    const uint64_t at = queues_[q].desc_table() + 16ull * i;
    for (int b = 0; b < 8; ++b) mem_.host_base()[at + b] = static_cast<uint8_t>(addr >> (8 * b));
    mem_.store_le32(at + 8, len);
    mem_.store_le16(at + 12, flags);
    mem_.store_le16(at + 14, next);
  }
  void publish(uint16_t q, uint16_t head) {
    const uint64_t avail = queues_[q].avail_ring();
    mem_.store_le16(avail + 4 + 2ull * (avail_idx_[q] % kQueueSize), head);
    ++avail_idx_[q];
    mem_.store_le16(avail + 2, avail_idx_[q]);
  }

  GuestMemory& mem_;
  std::vector<Virtqueue> queues_;
  std::array<uint16_t, 3> avail_idx_{};
  uint16_t rx_used_seen_ = 0;
  std::vector<bool> rx_posted_;
  int tx_next_ = 0;
};

// ---- Host-side socket helpers (blocking, with timeouts so a bug fails instead of hangs) --

UniqueFd unix_socket() {
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) throw_errno("socket");
  timeval tv{20, 0};
  ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd.get(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  return fd;
}

sockaddr_un address(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
  return addr;
}

UniqueFd host_connect(const std::string& path) {
  UniqueFd fd = unix_socket();
  const sockaddr_un addr = address(path);
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) < 0) throw_errno("connect " + path);
  return fd;
}

UniqueFd host_listen(const std::string& path) {
  UniqueFd fd = unix_socket();
  const sockaddr_un addr = address(path);
  if (::bind(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr) < 0) throw_errno("bind " + path);
  if (::listen(fd.get(), 16) < 0) throw_errno("listen");
  return fd;
}

UniqueFd host_accept(int listener) {
  pollfd p{listener, POLLIN, 0};
  if (::poll(&p, 1, 20000) != 1) return UniqueFd();
  UniqueFd fd(::accept4(listener, nullptr, nullptr, SOCK_CLOEXEC));
  timeval tv{20, 0};
  ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  return fd;
}

bool host_write(int fd, const Bytes& data) {
  size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::send(fd, data.data() + done, data.size() - done, MSG_NOSIGNAL);
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}
bool host_write(int fd, std::string_view s) { return host_write(fd, bytes(s)); }

// Reads exactly n bytes (fewer on EOF, error or timeout).
Bytes host_read(int fd, size_t n) {
  Bytes out(n);
  size_t done = 0;
  while (done < n) {
    const ssize_t r = ::recv(fd, out.data() + done, n - done, 0);
    if (r <= 0) break;
    done += static_cast<size_t>(r);
  }
  out.resize(done);
  return out;
}

std::string host_read_line(int fd) {
  std::string line;
  char ch;
  while (line.size() < 64 && ::recv(fd, &ch, 1, 0) == 1) {
    line += ch;
    if (ch == '\n') break;
  }
  return line;
}

// True when the peer closed fd (EOF or reset) within timeout; data before that is skipped.
bool host_sees_close(int fd, std::chrono::milliseconds timeout = kWait) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) != 1) return false;
    char buf[4096];
    const ssize_t n = ::recv(fd, buf, sizeof buf, MSG_DONTWAIT);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) return true;
  }
}

// ---- The fixture: device and fake driver on a real event loop ---------------------------

class VsockTest : public ::testing::Test {
 protected:
  // Runs f on the loop thread, where the device and the driver's rings live.
  template <typename F>
  auto on_loop(F&& f) {
    using R = std::invoke_result_t<F&>;
    if constexpr (std::is_void_v<R>) {
      loop_.run_and_wait([&] { f(); });
    } else {
      std::optional<R> r;
      loop_.run_and_wait([&] { r.emplace(f()); });
      return std::move(*r);
    }
  }

  void SetUp() override {
    char tmpl[] = "/tmp/vsock-test-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    uds_ = dir_ + "/v.sock";
    mem_ = std::make_unique<GuestMemory>(16 << 20);
    driver_ = std::make_unique<FakeDriver>(*mem_);
    device_ = std::make_unique<VsockDevice>(loop_, kCid, uds_);
    thread_ = std::thread([this] { loop_.run(); });
    activate(64);
  }

  void TearDown() override {
    on_loop([&] { device_.reset(); });
    loop_.stop();
    thread_.join();
    EXPECT_FALSE(std::filesystem::exists(uds_)) << "the device leaves its socket behind";
    std::filesystem::remove_all(dir_);
  }

  void activate(int rx_buffers) {
    on_loop([&] {
      device_->activate(driver_->queues(), kVirtioFVersion1, [this](uint16_t q) { ++interrupts_[q]; });
      driver_->post_rx(rx_buffers);
      device_->queue_notify(0);
    });
  }

  void guest_send(const std::vector<Pkt>& pkts) {
    std::vector<std::vector<Bytes>> chains;
    for (const Pkt& p : pkts) chains.push_back({encode_header(p), p.payload});
    for (auto& c : chains)
      if (c[1].empty()) c.pop_back();
    guest_send_raw(chains);
  }
  void guest_send(const Pkt& p) { guest_send(std::vector<Pkt>{p}); }

  void guest_send_raw(const std::vector<std::vector<Bytes>>& chains) {
    on_loop([&] {
      const int before = interrupts_[1];
      driver_->post_tx(chains);
      device_->queue_notify(1);
      // Every chain is consumed, and the driver is interrupted once for all of them.
      EXPECT_EQ(driver_->used_idx(1), driver_->avail_idx(1));
      EXPECT_EQ(interrupts_[1], before + 1);
    });
  }

  // Collects what the device sent; reposts the buffers unless told not to.
  void poll_rx(bool repost = true) {
    on_loop([&] {
      for (Pkt& p : driver_->take_rx()) backlog_.push_back(std::move(p));
      if (repost && driver_->post_rx(FakeDriver::kRxSlots) > 0) device_->queue_notify(0);
    });
  }

  std::optional<Pkt> next_rx(std::chrono::milliseconds timeout = kWait, bool repost = true) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (backlog_.empty() && std::chrono::steady_clock::now() < deadline) {
      poll_rx(repost);
      if (backlog_.empty()) std::this_thread::sleep_for(1ms);
    }
    if (backlog_.empty()) return std::nullopt;
    Pkt p = std::move(backlog_.front());
    backlog_.pop_front();
    return p;
  }

  Pkt expect_rx(uint16_t op) {
    auto p = next_rx();
    if (!p) {
      ADD_FAILURE() << "no packet (expected op " << op << ")";
      return Pkt{};
    }
    EXPECT_EQ(p->op, op);
    EXPECT_EQ(p->type, 1);
    return *p;
  }

  // A host client connects through CONNECT and the guest (at guest_port) accepts.
  struct Stream {
    UniqueFd host;
    uint32_t host_port = 0;
    uint32_t guest_port = 0;
    Pkt request;
  };
  Stream connect_from_host(uint32_t guest_port, uint32_t guest_buf_alloc = 256 * 1024, std::string_view extra = {}) {
    Stream s;
    s.guest_port = guest_port;
    s.host = host_connect(uds_);
    EXPECT_TRUE(host_write(s.host.get(), "CONNECT " + std::to_string(guest_port) + "\n" + std::string(extra)));
    s.request = expect_rx(kOpRequest);
    s.host_port = s.request.src_port;
    Pkt resp = from_guest(kOpResponse, guest_port, s.host_port);
    resp.buf_alloc = guest_buf_alloc;
    guest_send(resp);
    EXPECT_EQ(host_read_line(s.host.get()), "OK " + std::to_string(s.host_port) + "\n");
    return s;
  }

  // Guest payload received on a stream until n bytes arrived; other packets fail the test.
  Bytes guest_read(const Stream& s, size_t n) {
    Bytes got;
    while (got.size() < n) {
      auto p = next_rx();
      if (!p) break;
      EXPECT_EQ(p->op, kOpRw);
      EXPECT_EQ(p->src_port, s.host_port);
      EXPECT_EQ(p->dst_port, s.guest_port);
      got.insert(got.end(), p->payload.begin(), p->payload.end());
    }
    return got;
  }

  std::string dir_, uds_;
  EventLoop loop_;
  std::unique_ptr<GuestMemory> mem_;
  std::unique_ptr<FakeDriver> driver_;
  std::unique_ptr<VsockDevice> device_;
  std::thread thread_;
  std::map<uint16_t, int> interrupts_;  // loop thread only
  std::deque<Pkt> backlog_;
};

// ---- Tests -----------------------------------------------------------------------------

TEST_F(VsockTest, IdentityAndConfigSpaceHoldTheCid) {
  EXPECT_EQ(device_->device_id(), 19u);
  EXPECT_EQ(device_->queue_count(), 3u);
  EXPECT_EQ(device_->features(), 0u);
  EXPECT_EQ(device_->name(), "vsock");
  std::array<uint8_t, 12> cfg;
  cfg.fill(0xff);
  device_->read_config(0, cfg);
  EXPECT_EQ(cfg, (std::array<uint8_t, 12>{42, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}));
  std::array<uint8_t, 4> tail{1, 1, 1, 1};
  device_->read_config(UINT64_MAX - 1, tail);
  EXPECT_EQ(tail, (std::array<uint8_t, 4>{}));
  EXPECT_TRUE(std::filesystem::is_socket(uds_));
}

TEST_F(VsockTest, ReservedCidAndSquattedPathAreRefused) {
  EXPECT_THROW(VsockDevice(loop_, 2, dir_ + "/x.sock"), Error);
  const std::string file = dir_ + "/plain";
  { std::ofstream(file) << "not a socket"; }
  on_loop([&] { EXPECT_THROW(VsockDevice(loop_, 3, file), Error); });
  EXPECT_TRUE(std::filesystem::is_regular_file(file));
}

TEST_F(VsockTest, StaleSocketFileIsReplaced) {
  on_loop([&] { device_.reset(); });
  { UniqueFd stale = host_listen(uds_); }  // bound then closed: a stale socket file
  on_loop([&] {
    device_ = std::make_unique<VsockDevice>(loop_, kCid, uds_);
    device_->activate(driver_->queues(), kVirtioFVersion1, [](uint16_t) {});
  });
  UniqueFd host = host_connect(uds_);
  EXPECT_TRUE(host_write(host.get(), "CONNECT 7\n"));
  EXPECT_EQ(expect_rx(kOpRequest).dst_port, 7u);
}

TEST_F(VsockTest, HostConnectBecomesGuestRequest) {
  UniqueFd host = host_connect(uds_);
  ASSERT_TRUE(host_write(host.get(), "CONNECT 52\n"));
  const Pkt req = expect_rx(kOpRequest);
  EXPECT_EQ(req.src_cid, 2u);
  EXPECT_EQ(req.dst_cid, kCid);
  EXPECT_EQ(req.dst_port, 52u);
  EXPECT_GE(req.src_port, 1024u);
  EXPECT_EQ(req.len, 0u);
  EXPECT_EQ(req.buf_alloc, VsockDevice::kBufAlloc);
  EXPECT_EQ(req.fwd_cnt, 0u);
}

TEST_F(VsockTest, GuestResponseAnswersOkAndRelaysBothWays) {
  Stream s = connect_from_host(52);
  ASSERT_TRUE(host_write(s.host.get(), "ping"));
  EXPECT_EQ(guest_read(s, 4), bytes("ping"));
  guest_send(from_guest(kOpRw, 52, s.host_port, bytes("pong")));
  EXPECT_EQ(host_read(s.host.get(), 4), bytes("pong"));
  EXPECT_EQ(on_loop([&] { return device_->connection_count(); }), 1u);
}

TEST_F(VsockTest, BytesAfterTheConnectLineReachTheGuest) {
  Stream s = connect_from_host(52, 256 * 1024, "early");
  EXPECT_EQ(guest_read(s, 5), bytes("early"));
}

TEST_F(VsockTest, MebibyteEachWayConcurrentlyIntactAndWithinCredit) {
  constexpr size_t kSize = 1 << 20;
  constexpr uint32_t kGuestWindow = 64 * 1024;
  const Bytes to_guest = pattern(kSize, 1), to_host = pattern(kSize, 2);
  Stream s = connect_from_host(52, kGuestWindow);

  std::thread writer([&] {
    EXPECT_TRUE(host_write(s.host.get(), to_guest));
    ::shutdown(s.host.get(), SHUT_WR);
  });
  Bytes host_got;
  std::thread reader([&] { host_got = host_read(s.host.get(), kSize); });

  Bytes guest_got;
  uint32_t consumed = 0, consumed_told = 0;   // our window, as the guest
  uint32_t dev_buf = s.request.buf_alloc, dev_fwd = s.request.fwd_cnt;
  uint32_t sent = 0;
  bool shutdown_seen = false;
  const auto deadline = std::chrono::steady_clock::now() + 120s;
  while ((guest_got.size() < kSize || sent < kSize || !shutdown_seen) && std::chrono::steady_clock::now() < deadline) {
    poll_rx();
    bool progress = !backlog_.empty();
    for (; !backlog_.empty(); backlog_.pop_front()) {
      const Pkt& p = backlog_.front();
      ASSERT_EQ(p.src_port, s.host_port);
      ASSERT_EQ(p.dst_port, 52u);
      dev_buf = p.buf_alloc;
      dev_fwd = p.fwd_cnt;
      if (p.op == kOpRw) {
        ASSERT_FALSE(shutdown_seen) << "data after SHUTDOWN";
        guest_got.insert(guest_got.end(), p.payload.begin(), p.payload.end());
        ASSERT_LE(guest_got.size() - consumed_told, kGuestWindow) << "device overran the guest's credit";
        consumed += p.len;
      } else if (p.op == kOpShutdown) {
        EXPECT_EQ(p.flags, 2u);
        shutdown_seen = true;
      } else {
        ASSERT_EQ(p.op, kOpCreditUpdate);
      }
    }
    std::vector<Pkt> batch;
    if (consumed - consumed_told >= kGuestWindow / 2) {
      Pkt u = from_guest(kOpCreditUpdate, 52, s.host_port);
      u.buf_alloc = kGuestWindow;
      u.fwd_cnt = consumed_told = consumed;
      batch.push_back(u);
    }
    while (sent < kSize && batch.size() < 32) {
      const int64_t credit = int64_t{dev_buf} - int64_t{sent - dev_fwd};
      if (credit <= 0) break;
      const size_t n = std::min<size_t>({16 * 1024, static_cast<size_t>(credit), kSize - sent});
      Pkt rw = from_guest(kOpRw, 52, s.host_port, Bytes(to_host.begin() + sent, to_host.begin() + sent + n));
      rw.buf_alloc = kGuestWindow;
      rw.fwd_cnt = consumed_told = consumed;
      batch.push_back(std::move(rw));
      sent += static_cast<uint32_t>(n);
    }
    if (!batch.empty()) {
      guest_send(batch);
      progress = true;
    }
    if (!progress) std::this_thread::sleep_for(1ms);
  }
  writer.join();
  reader.join();
  EXPECT_EQ(guest_got.size(), kSize);
  EXPECT_TRUE(guest_got == to_guest) << "host to guest data corrupted";
  EXPECT_EQ(host_got.size(), kSize);
  EXPECT_TRUE(host_got == to_host) << "guest to host data corrupted";
  EXPECT_TRUE(shutdown_seen);

  // The guest closes too: the device answers RST and the host sees the end.
  Pkt close = from_guest(kOpShutdown, 52, s.host_port);
  close.flags = 3;
  guest_send(close);
  EXPECT_EQ(expect_rx(kOpRst).dst_port, 52u);
  EXPECT_TRUE(host_sees_close(s.host.get()));
  EXPECT_EQ(on_loop([&] { return device_->connection_count(); }), 0u);
}

TEST_F(VsockTest, GuestRstClosesTheHostSocketPromptly) {
  UniqueFd host = host_connect(uds_);
  ASSERT_TRUE(host_write(host.get(), "CONNECT 99\n"));
  const Pkt req = expect_rx(kOpRequest);
  const auto start = std::chrono::steady_clock::now();
  guest_send(from_guest(kOpRst, 99, req.src_port));
  EXPECT_TRUE(host_sees_close(host.get()));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 3s);  // well before the connect timeout
  EXPECT_EQ(on_loop([&] { return device_->connection_count(); }), 0u);
}

TEST_F(VsockTest, UnansweredRequestTimesOut) {
  on_loop([&] { device_->set_connect_timeout(200ms); });
  UniqueFd host = host_connect(uds_);
  ASSERT_TRUE(host_write(host.get(), "CONNECT 52\n"));
  const Pkt req = expect_rx(kOpRequest);
  EXPECT_TRUE(host_sees_close(host.get()));
  const Pkt rst = expect_rx(kOpRst);
  EXPECT_EQ(rst.src_port, req.src_port);
  EXPECT_EQ(rst.dst_port, 52u);
  // A late answer finds no connection.
  guest_send(from_guest(kOpResponse, 52, req.src_port));
  expect_rx(kOpRst);
}

TEST_F(VsockTest, SilentClientTimesOut) {
  on_loop([&] { device_->set_connect_timeout(200ms); });
  UniqueFd host = host_connect(uds_);
  ASSERT_TRUE(host_write(host.get(), "CONN"));
  EXPECT_TRUE(host_sees_close(host.get()));
}

TEST_F(VsockTest, BadConnectLinesCloseTheSocket) {
  for (const std::string& line : std::vector<std::string>{"HELLO 52\n", "CONNECT\n", "CONNECT \n", "CONNECT 5x\n", "connect 52\n",
                                 "CONNECT 4294967296\n", "CONNECT  52\n", std::string(40, 'C')}) {
    UniqueFd host = host_connect(uds_);
    ASSERT_TRUE(host_write(host.get(), line));
    EXPECT_TRUE(host_sees_close(host.get())) << line;
  }
  UniqueFd eof = host_connect(uds_);
  ::shutdown(eof.get(), SHUT_WR);
  EXPECT_TRUE(host_sees_close(eof.get()));
  // None reached the guest: the first packet it sees is for a good line.
  UniqueFd good = host_connect(uds_);
  ASSERT_TRUE(host_write(good.get(), "CONNECT 4294967295\n"));
  EXPECT_EQ(expect_rx(kOpRequest).dst_port, 4294967295u);
}

TEST_F(VsockTest, ConnectLineMayArriveInPieces) {
  UniqueFd host = host_connect(uds_);
  for (const char* piece : {"CON", "NECT 1", "2", "3\n"}) {
    ASSERT_TRUE(host_write(host.get(), piece));
    poll_rx();
  }
  EXPECT_EQ(expect_rx(kOpRequest).dst_port, 123u);
}

TEST_F(VsockTest, GuestConnectsToHostListener) {
  UniqueFd listener = host_listen(uds_ + "_1234");
  guest_send(from_guest(kOpRequest, 5000, 1234));
  const Pkt resp = expect_rx(kOpResponse);
  EXPECT_EQ(resp.src_cid, 2u);
  EXPECT_EQ(resp.dst_cid, kCid);
  EXPECT_EQ(resp.src_port, 1234u);
  EXPECT_EQ(resp.dst_port, 5000u);
  UniqueFd host = host_accept(listener.get());
  ASSERT_TRUE(host.valid());

  guest_send(from_guest(kOpRw, 5000, 1234, bytes("hello host")));
  EXPECT_EQ(host_read(host.get(), 10), bytes("hello host"));
  ASSERT_TRUE(host_write(host.get(), "hello guest"));
  Stream s;
  s.host_port = 1234;
  s.guest_port = 5000;
  EXPECT_EQ(guest_read(s, 11), bytes("hello guest"));

  // Guest close(): SHUTDOWN with both flags; Linux then waits for our RST.
  Pkt close = from_guest(kOpShutdown, 5000, 1234);
  close.flags = 3;
  guest_send(close);
  EXPECT_TRUE(host_sees_close(host.get()));
  const Pkt rst = expect_rx(kOpRst);
  EXPECT_EQ(rst.src_port, 1234u);
  EXPECT_EQ(rst.dst_port, 5000u);
}

TEST_F(VsockTest, GuestConnectWithoutListenerIsReset) {
  guest_send(from_guest(kOpRequest, 5000, 4321));
  const Pkt rst = expect_rx(kOpRst);
  EXPECT_EQ(rst.src_cid, 2u);
  EXPECT_EQ(rst.dst_cid, kCid);
  EXPECT_EQ(rst.src_port, 4321u);
  EXPECT_EQ(rst.dst_port, 5000u);
  EXPECT_EQ(on_loop([&] { return device_->connection_count(); }), 0u);
}

TEST_F(VsockTest, StreamsBeyondTheLimitAreRefusedEitherWay) {
  on_loop([&] { device_->set_max_streams(2); });
  UniqueFd listener = host_listen(uds_ + "_1234");
  guest_send(from_guest(kOpRequest, 5000, 1234));
  expect_rx(kOpResponse);
  guest_send(from_guest(kOpRequest, 5001, 1234));
  expect_rx(kOpResponse);
  // A third the guest opens is reset, though the listener would take it.
  guest_send(from_guest(kOpRequest, 5002, 1234));
  const Pkt rst = expect_rx(kOpRst);
  EXPECT_EQ(rst.dst_port, 5002u);
  EXPECT_EQ(on_loop([&] { return device_->connection_count(); }), 2u);
  // A host client's CONNECT is closed without a request to the guest.
  UniqueFd host = host_connect(uds_);
  ASSERT_TRUE(host_write(host.get(), "CONNECT 77\n"));
  EXPECT_TRUE(host_sees_close(host.get()));
  EXPECT_EQ(on_loop([&] { return device_->connection_count(); }), 2u);
  // Once one closes, there is room again.
  guest_send(from_guest(kOpRst, 5000, 1234));
  guest_send(from_guest(kOpRequest, 5003, 1234));
  expect_rx(kOpResponse);
}

TEST_F(VsockTest, HalfClosesPropagateBothWays) {
  Stream s = connect_from_host(52);
  // Guest shutdown(SHUT_WR) after data: the host reads the data, then EOF.
  guest_send(from_guest(kOpRw, 52, s.host_port, bytes("last words")));
  Pkt shut = from_guest(kOpShutdown, 52, s.host_port);
  shut.flags = 2;
  guest_send(shut);
  EXPECT_EQ(host_read(s.host.get(), 10), bytes("last words"));
  EXPECT_TRUE(host_sees_close(s.host.get()));
  // The host can still talk; its EOF reaches the guest as SHUTDOWN(send) after the data,
  // and then both directions are done: RST.
  ASSERT_TRUE(host_write(s.host.get(), "reply"));
  ::shutdown(s.host.get(), SHUT_WR);
  EXPECT_EQ(guest_read(s, 5), bytes("reply"));
  EXPECT_EQ(expect_rx(kOpShutdown).flags, 2u);
  expect_rx(kOpRst);
  EXPECT_EQ(on_loop([&] { return device_->connection_count(); }), 0u);
}

TEST_F(VsockTest, HostHangupEndsTheStreamAfterItsData) {
  Stream s = connect_from_host(52);
  ASSERT_TRUE(host_write(s.host.get(), "bye"));
  s.host.reset();
  EXPECT_EQ(guest_read(s, 3), bytes("bye"));
  EXPECT_EQ(expect_rx(kOpShutdown).flags, 2u);
  // The guest writes anyway: the host is gone, so the stream is reset.
  guest_send(from_guest(kOpRw, 52, s.host_port, bytes("anyone?")));
  expect_rx(kOpRst);
  EXPECT_EQ(on_loop([&] { return device_->connection_count(); }), 0u);
}

TEST_F(VsockTest, CreditRequestIsAnswered) {
  Stream s = connect_from_host(52);
  guest_send(from_guest(kOpRw, 52, s.host_port, bytes("abc")));
  EXPECT_EQ(host_read(s.host.get(), 3), bytes("abc"));
  guest_send(from_guest(kOpCreditRequest, 52, s.host_port));
  const Pkt u = expect_rx(kOpCreditUpdate);
  EXPECT_EQ(u.buf_alloc, VsockDevice::kBufAlloc);
  EXPECT_EQ(u.fwd_cnt, 3u);
}

TEST_F(VsockTest, NoDataBeyondTheGuestsWindow) {
  Stream s = connect_from_host(52, 1000);
  ASSERT_TRUE(host_write(s.host.get(), Bytes(3000, 'x')));
  EXPECT_EQ(guest_read(s, 1000).size(), 1000u);
  // Nothing more until the guest frees its window (the probe's reply comes first).
  Pkt request = from_guest(kOpCreditRequest, 52, s.host_port);
  request.buf_alloc = 1000;  // every header restates the window
  guest_send(request);
  expect_rx(kOpCreditUpdate);
  Pkt u = from_guest(kOpCreditUpdate, 52, s.host_port);
  u.buf_alloc = 1000;
  u.fwd_cnt = 1000;
  guest_send(u);
  EXPECT_EQ(guest_read(s, 1000).size(), 1000u);
  u.buf_alloc = 5000;  // a bigger window takes effect at once
  guest_send(u);
  EXPECT_EQ(guest_read(s, 1000).size(), 1000u);
}

TEST_F(VsockTest, GuestOverrunningOurCreditIsReset) {
  UniqueFd listener = host_listen(uds_ + "_80");
  guest_send(from_guest(kOpRequest, 6000, 80));
  expect_rx(kOpResponse);
  UniqueFd host = host_accept(listener.get());  // and never reads
  std::optional<Pkt> reply;
  for (int i = 0; i < 256 && !reply; ++i) {  // far beyond socket buffers plus our window
    guest_send(from_guest(kOpRw, 6000, 80, Bytes(16 * 1024, 'y')));
    poll_rx();
    for (; !backlog_.empty() && !reply; backlog_.pop_front())
      if (backlog_.front().op == kOpRst) reply = backlog_.front();
  }
  ASSERT_TRUE(reply.has_value());
  EXPECT_EQ(reply->dst_port, 6000u);
  EXPECT_TRUE(host_sees_close(host.get()));
}

TEST_F(VsockTest, MalformedPacketsAreAnsweredOrDropped) {
  // A header claiming more payload than the chain carries.
  Pkt liar = from_guest(kOpRw, 7000, 7001, bytes("short"));
  liar.len = 100000;
  guest_send(liar);
  expect_rx(kOpRst);
  // Shorter than a header: dropped without reply (the next reply belongs to the probe).
  guest_send_raw({{Bytes(20, 0xab)}, {Bytes(43, 0), Bytes{}}});
  // Wrong addresses and types, unknown connections, unknown ops: reset.
  Pkt wrong_dst = from_guest(kOpRequest, 1, 2);
  wrong_dst.dst_cid = 7;
  Pkt wrong_src = from_guest(kOpRequest, 3, 4);
  wrong_src.src_cid = 9;
  Pkt seqpacket = from_guest(kOpRequest, 5, 6);
  seqpacket.type = 2;
  Pkt rst_unknown = from_guest(kOpRst, 8, 9);  // never answered
  guest_send({wrong_dst, wrong_src, seqpacket, rst_unknown, from_guest(kOpRw, 10, 11, bytes("?")),
              from_guest(99, 12, 13), from_guest(kOpShutdown, 14, 15)});
  Pkt r = expect_rx(kOpRst);
  EXPECT_EQ(r.src_cid, 7u);  // replies go back to the sender as addressed
  EXPECT_EQ(r.dst_port, 1u);
  r = expect_rx(kOpRst);
  EXPECT_EQ(r.dst_cid, 9u);
  EXPECT_EQ(r.dst_port, 3u);
  r = *next_rx();
  EXPECT_EQ(r.op, kOpRst);
  EXPECT_EQ(r.type, 2);  // the reply keeps the sender's type
  EXPECT_EQ(r.dst_port, 5u);
  EXPECT_EQ(expect_rx(kOpRst).dst_port, 10u);
  EXPECT_EQ(expect_rx(kOpRst).dst_port, 12u);
  EXPECT_EQ(expect_rx(kOpRst).dst_port, 14u);
  poll_rx();
  EXPECT_TRUE(backlog_.empty());
  EXPECT_EQ(on_loop([&] { return driver_->used_idx(2); }), 0) << "event queue touched";
}

TEST_F(VsockTest, BadPacketOnAnOpenStreamResetsIt) {
  Stream a = connect_from_host(52);
  Pkt liar = from_guest(kOpRw, 52, a.host_port, bytes("abc"));
  liar.len = 4;
  guest_send(liar);
  EXPECT_EQ(expect_rx(kOpRst).dst_port, 52u);
  EXPECT_TRUE(host_sees_close(a.host.get()));

  Stream b = connect_from_host(53);
  guest_send(from_guest(kOpRequest, 53, b.host_port));  // REQUEST on an open stream
  EXPECT_EQ(expect_rx(kOpRst).dst_port, 53u);
  EXPECT_TRUE(host_sees_close(b.host.get()));
  EXPECT_EQ(on_loop([&] { return device_->connection_count(); }), 0u);
}

TEST_F(VsockTest, RxStarvationPausesTheDeviceUntilNotified) {
  // After a reset, the driver posts no rx buffers: the request waits for them.
  on_loop([&] {
    device_->reset();
    driver_->init();
  });
  activate(0);
  UniqueFd host = host_connect(uds_);
  ASSERT_TRUE(host_write(host.get(), "CONNECT 52\n"));
  // Nothing can arrive yet; give the device ample time to try.
  const auto deadline = std::chrono::steady_clock::now() + 200ms;
  while (std::chrono::steady_clock::now() < deadline) {
    poll_rx(false);
    std::this_thread::sleep_for(5ms);
  }
  EXPECT_TRUE(backlog_.empty());
  on_loop([&] {
    driver_->post_rx(1);
    device_->queue_notify(0);
  });
  const auto got_req = next_rx(kWait, false);
  ASSERT_TRUE(got_req.has_value());
  const Pkt req = *got_req;
  ASSERT_EQ(req.op, kOpRequest);
  guest_send(from_guest(kOpResponse, 52, req.src_port));
  EXPECT_EQ(host_read_line(host.get()), "OK " + std::to_string(req.src_port) + "\n");

  // Data stops with the buffers and resumes on each notification, intact: two buffers at
  // a time carry it all.
  ASSERT_TRUE(backlog_.empty());  // and no buffers left
  const Bytes data = pattern(64 * 1024, 3);
  ASSERT_TRUE(host_write(host.get(), data));
  Bytes got;
  while (got.size() < data.size()) {
    ASSERT_EQ(on_loop([&] {
                const int posted = driver_->post_rx(2);
                device_->queue_notify(0);
                return posted;
              }),
              2);
    for (int i = 0; i < 2 && got.size() < data.size(); ++i) {
      auto p = next_rx(kWait, false);
      ASSERT_TRUE(p.has_value());
      ASSERT_EQ(p->op, kOpRw);
      got.insert(got.end(), p->payload.begin(), p->payload.end());
    }
  }
  EXPECT_TRUE(got == data);
}

TEST_F(VsockTest, ResetClosesStreamsButKeepsListening) {
  Stream s = connect_from_host(52);
  on_loop([&] {
    device_->reset();
    EXPECT_EQ(device_->connection_count(), 0u);
  });
  EXPECT_TRUE(host_sees_close(s.host.get()));
  // Before the driver is back, a CONNECT is refused at once.
  UniqueFd early = host_connect(uds_);
  ASSERT_TRUE(host_write(early.get(), "CONNECT 52\n"));
  EXPECT_TRUE(host_sees_close(early.get()));
  on_loop([&] { driver_->init(); });
  backlog_.clear();
  activate(64);
  Stream again = connect_from_host(52);
  EXPECT_GE(again.host_port, 1024u);
}

// A restored device (--restore-from) kept none of its connections: it tells the driver with a
// transport reset event in the first event buffer, once.
TEST_F(VsockTest, ARestoredDeviceSendsOneTransportResetEvent) {
  std::array<uint8_t, 8> before;
  before.fill(0xff);
  on_loop([&] {
    for (uint64_t i = 0; i < 4; ++i) mem_->write(FakeDriver::kEventBase + 0x100 * i, before);
    device_->after_restore();
  });
  on_loop([&] {
    EXPECT_EQ(driver_->used_idx(2), 1);
    const uint64_t used = driver_->queues()[2].used_ring();
    EXPECT_EQ(mem_->load_le32(used + 4), 0u);      // the first buffer
    EXPECT_EQ(mem_->load_le32(used + 8), 4u);      // struct virtio_vsock_event
    EXPECT_EQ(mem_->load_le32(FakeDriver::kEventBase), 0u);  // VIRTIO_VSOCK_EVENT_TRANSPORT_RESET
    EXPECT_EQ(mem_->load_le32(FakeDriver::kEventBase + 0x100), 0xffffffffu);  // the others untouched
    EXPECT_EQ(interrupts_[2], 1);
    device_->queue_notify(2);  // nothing more to say
    EXPECT_EQ(driver_->used_idx(2), 1);
    driver_->repost_event(0);  // the driver handled it
    device_->queue_notify(2);
    EXPECT_EQ(driver_->used_idx(2), 1);
  });
  connect_from_host(52);  // and it serves streams as before
}

// Until the driver has handled the reset it answers from the CID it had when saved (a clone
// may have another), which the device would refuse: a host client's CONNECT waits for it.
TEST_F(VsockTest, HostConnectsWaitUntilTheDriverHandledTheTransportReset) {
  on_loop([&] { device_->after_restore(); });
  UniqueFd host = host_connect(uds_);
  ASSERT_TRUE(host_write(host.get(), "CONNECT 52\n"));
  EXPECT_FALSE(next_rx(200ms));
  on_loop([&] { device_->queue_notify(2); });  // a notification, but the buffer is not back
  EXPECT_FALSE(next_rx(100ms));
  on_loop([&] {
    driver_->repost_event(0);
    device_->queue_notify(2);
  });
  const Pkt req = expect_rx(kOpRequest);
  EXPECT_EQ(req.dst_port, 52u);
  guest_send(from_guest(kOpResponse, 52, req.src_port));
  EXPECT_EQ(host_read_line(host.get()), "OK " + std::to_string(req.src_port) + "\n");
}

// A driver that never handles the reset: the waiting client is closed at the connect timeout
// and its request never reaches the guest, even if the driver catches up later.
TEST_F(VsockTest, AHeldConnectTimesOutWhenTheResetIsNeverHandled) {
  on_loop([&] {
    device_->set_connect_timeout(200ms);
    device_->after_restore();
  });
  UniqueFd host = host_connect(uds_);
  ASSERT_TRUE(host_write(host.get(), "CONNECT 52\n"));
  EXPECT_TRUE(host_sees_close(host.get()));
  on_loop([&] {
    driver_->repost_event(0);
    device_->queue_notify(2);
  });
  EXPECT_FALSE(next_rx(100ms));
  connect_from_host(53);
}

TEST_F(VsockTest, ATransportResetWaitsForAnEventBuffer) {
  on_loop([&] {
    driver_->set_avail_idx(2, 0);  // the driver has posted no event buffer yet
    device_->after_restore();
    EXPECT_EQ(driver_->used_idx(2), 0);
    EXPECT_EQ(interrupts_[2], 0);
    driver_->set_avail_idx(2, 1);
    device_->queue_notify(2);
    EXPECT_EQ(driver_->used_idx(2), 1);
    EXPECT_EQ(interrupts_[2], 1);
    EXPECT_EQ(mem_->load_le32(FakeDriver::kEventBase), 0u);
  });
}

TEST_F(VsockTest, QueueErrorPropagatesFromQueueNotify) {
  Stream s = connect_from_host(52);
  bool threw = false;
  on_loop([&] {
    driver_->set_avail_idx(1, 1000);  // runs far ahead of a 256-entry ring
    try {
      device_->queue_notify(1);
    } catch (const QueueError&) {
      threw = true;
    }
  });
  EXPECT_TRUE(threw);
  EXPECT_TRUE(host_sees_close(s.host.get()));  // a broken device drops its streams
  on_loop([&] {
    device_->reset();
    driver_->init();
  });
  activate(64);
  backlog_.clear();
  connect_from_host(52);
}

TEST_F(VsockTest, ManyStreamsAtOnce) {
  constexpr int kStreams = 16;
  std::vector<UniqueFd> hosts;
  for (int i = 0; i < kStreams; ++i) {
    hosts.push_back(host_connect(uds_));
    ASSERT_TRUE(host_write(hosts.back().get(), "CONNECT " + std::to_string(100 + i) + "\n"));
  }
  std::map<uint32_t, uint32_t> host_port_of;  // guest port -> host port
  std::set<uint32_t> host_ports;
  for (int i = 0; i < kStreams; ++i) {
    const Pkt req = expect_rx(kOpRequest);
    host_port_of[req.dst_port] = req.src_port;
    host_ports.insert(req.src_port);
  }
  ASSERT_EQ(host_port_of.size(), size_t{kStreams});
  EXPECT_EQ(host_ports.size(), size_t{kStreams});
  std::vector<Pkt> responses;
  for (auto [g, h] : host_port_of) responses.push_back(from_guest(kOpResponse, g, h));
  guest_send(responses);
  for (int i = 0; i < kStreams; ++i) {
    EXPECT_EQ(host_read_line(hosts[i].get()), "OK " + std::to_string(host_port_of[100 + i]) + "\n");
    ASSERT_TRUE(host_write(hosts[i].get(), "from host " + std::to_string(i)));
  }
  std::map<uint32_t, std::string> got;
  size_t total = 0, expected = 0;
  for (int i = 0; i < kStreams; ++i) expected += ("from host " + std::to_string(i)).size();
  while (total < expected) {
    auto p = next_rx();
    ASSERT_TRUE(p.has_value());
    ASSERT_EQ(p->op, kOpRw);
    EXPECT_EQ(host_port_of[p->dst_port], p->src_port);
    got[p->dst_port].append(p->payload.begin(), p->payload.end());
    total += p->len;
  }
  std::vector<Pkt> replies;
  for (int i = 0; i < kStreams; ++i) {
    EXPECT_EQ(got[100 + i], "from host " + std::to_string(i));
    replies.push_back(from_guest(kOpRw, 100 + i, host_port_of[100 + i], bytes("to " + std::to_string(i))));
  }
  guest_send(replies);
  for (int i = 0; i < kStreams; ++i) {
    const std::string want = "to " + std::to_string(i);
    EXPECT_EQ(host_read(hosts[i].get(), want.size()), bytes(want));
  }
  EXPECT_EQ(on_loop([&] { return device_->connection_count(); }), size_t{kStreams});
}

}  // namespace
}  // namespace ppc::vmm
