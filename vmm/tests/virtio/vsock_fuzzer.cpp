// libFuzzer target for virtio-vsock: a hostile guest sends tx packets of any op, flags, type,
// CIDs, ports, length, window and credit, in chains of any shape, and posts rx buffers of any
// size, interleaved with host-side events: clients that connect to the hybrid socket (with a
// CONNECT line or garbage), write, read, shut down or close, host services that accept the
// guest's connections, connect timeouts, device resets, a snapshot's save (the rx buffer held
// back given back) and restore (the transport reset event, into the event ring as it is).
//
// Input: an operation count, then operations; the second half of the rest also fills the tx
// payload area. Each input gets a fresh event loop and device, and runs its operations as
// posted work on this thread (no threads), so host events are dispatched between operations
// as on the device thread. Must hold: no crash; a malformed ring only raises QueueError from
// queue_notify; every packet the device puts in an rx buffer fits it, says its length right,
// and RW data never exceeds the window the guest advertised for that stream; host memory the
// guest can grow stays within the device's stated bounds (each stream buffers at most
// kBufAlloc of guest data; at most 4096 control packets wait), measured as heap growth; no fd
// outlives the input. Work per input is bounded (operations, 64 KiB per packet, 16 clients).
#include <sanitizer/allocator_interface.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "base/error.h"
#include "base/unique_fd.h"
#include "event_loop.h"
#include "memory/guest_memory.h"
#include "virtio/fake_driver_ring.h"
#include "virtio/fuzz_driver.h"
#include "virtio/queue.h"
#include "virtio/vsock.h"

namespace {

using namespace ppc::vmm;
using ppc::UniqueFd;
using ppc::vmm::fuzz::Input;

constexpr uint64_t kCid = 3;
constexpr uint64_t kRam = 1 << 20;
constexpr size_t kMaxOps = 64;
constexpr size_t kMaxClients = 16;
constexpr uint16_t kRxSize = 128, kTxSize = 64, kEventSize = 8;
constexpr int kRxSlots = 64;                         // two descriptors each
constexpr uint64_t kRxBase = 0x10000, kRxSlot = 0x1100;
constexpr int kTxSlots = 16;                         // four descriptors each
constexpr uint64_t kTxHeaders = 0x60000, kPayload = 0x80000;
constexpr uint32_t kServicePorts[] = {5000, 5001};   // guest connect()s reach host services here
constexpr uint32_t kMaxPayload = 64 * 1024;
constexpr size_t kMaxPendingControl = 4096;          // vsock.cpp's stated bound

[[noreturn]] void fail(const char* what) { fuzz::fail("vsock_fuzzer", what); }

// A directory for the hybrid socket and the host services' sockets, made once.
const std::string& socket_dir() {
  static const std::string dir = [] {
    char tmpl[] = "/tmp/vsock-fuzz-XXXXXX";
    if (!::mkdtemp(tmpl)) fail("mkdtemp");
    return std::string(tmpl);
  }();
  return dir;
}
std::string uds_path() { return socket_dir() + "/v.sock"; }

sockaddr_un address(const std::string& path) {
  sockaddr_un a{};
  a.sun_family = AF_UNIX;
  std::strncpy(a.sun_path, path.c_str(), sizeof a.sun_path - 1);
  return a;
}

// Host services listening at "<uds>_<port>", kept across inputs; whatever a guest connected
// and nobody accepted is accepted and closed at the end of each input.
struct Services {
  std::vector<UniqueFd> fds;
  Services() {
    for (uint32_t port : kServicePorts) {
      const std::string path = uds_path() + "_" + std::to_string(port);
      ::unlink(path.c_str());
      UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
      const sockaddr_un a = address(path);
      if (!fd.valid() || ::bind(fd.get(), reinterpret_cast<const sockaddr*>(&a), sizeof a) < 0 || ::listen(fd.get(), 64) < 0)
        fail("cannot make a host service");
      fds.push_back(std::move(fd));
    }
  }
  void drain() {
    for (auto& fd : fds)
      for (;;) {
        UniqueFd c(::accept4(fd.get(), nullptr, nullptr, SOCK_CLOEXEC));
        if (!c.valid()) break;
      }
  }
};

// ---- The wire header, written down independently of vsock_packet.cpp -------------------

struct Header {
  uint64_t src_cid = 0, dst_cid = 0;
  uint32_t src_port = 0, dst_port = 0, len = 0;
  uint16_t type = 0, op = 0;
  uint32_t flags = 0, buf_alloc = 0, fwd_cnt = 0;
};

void put(uint8_t* p, uint64_t v, int n) {
  for (int i = 0; i < n; ++i) p[i] = static_cast<uint8_t>(v >> (8 * i));
}
uint64_t get(const uint8_t* p, int n) {
  uint64_t v = 0;
  for (int i = 0; i < n; ++i) v |= uint64_t{p[i]} << (8 * i);
  return v;
}
std::array<uint8_t, 44> encode(const Header& h) {
  std::array<uint8_t, 44> b{};
  put(&b[0], h.src_cid, 8), put(&b[8], h.dst_cid, 8), put(&b[16], h.src_port, 4), put(&b[20], h.dst_port, 4);
  put(&b[24], h.len, 4), put(&b[28], h.type, 2), put(&b[30], h.op, 2), put(&b[32], h.flags, 4);
  put(&b[36], h.buf_alloc, 4), put(&b[40], h.fwd_cnt, 4);
  return b;
}
Header decode(const uint8_t* b) {
  Header h;
  h.src_cid = get(b, 8), h.dst_cid = get(b + 8, 8), h.src_port = static_cast<uint32_t>(get(b + 16, 4));
  h.dst_port = static_cast<uint32_t>(get(b + 20, 4)), h.len = static_cast<uint32_t>(get(b + 24, 4));
  h.type = static_cast<uint16_t>(get(b + 28, 2)), h.op = static_cast<uint16_t>(get(b + 30, 2));
  h.flags = static_cast<uint32_t>(get(b + 32, 4)), h.buf_alloc = static_cast<uint32_t>(get(b + 36, 4));
  h.fwd_cnt = static_cast<uint32_t>(get(b + 40, 4));
  return h;
}

// ---- The guest's window per stream, as the device must honour it ------------------------

// (host port, guest port): the guest's last advertised window and the data the device sent.
struct Window {
  uint32_t buf_alloc = 0, fwd_cnt = 0, tx_cnt = 0;
};

class Rig {
 public:
  explicit Rig(GuestMemory& mem) : mem_(mem) {}

  void init(VsockDevice& dev) {
    std::memset(mem_.host_base(), 0, kRxBase);
    queues_.assign(3, Virtqueue(mem_));
    const uint16_t sizes[3] = {kRxSize, kTxSize, kEventSize};
    for (int q = 0; q < 3; ++q)
      if (!ring(q).enable(queues_[q], sizes[q])) fail("a valid ring was refused");
    rx_posted_.fill(0);
    given_back_empty_ = 0;
    rx_seen_ = 0;
    tx_next_ = tx_pending_ = 0;
    events_posted_ = 0;
    pending_.clear();
    scribbled = false;
    dev.activate(queues_, kVirtioFVersion1, [](uint16_t) {});
  }

  // Queue q at 0x2000 * q: descriptors (up to 128), then the avail and used rings.
  FakeDriverRing ring(int q) const { return {mem_, 0x2000ull * q, 0x2000ull * q + 0x800, 0x2000ull * q + 0x1000}; }

  // The driver posts an event buffer of 0 to 7 bytes (4 hold a struct virtio_vsock_event).
  void post_event(Input& in) {
    FakeDriverRing r = ring(2);
    if (static_cast<uint16_t>(events_posted_ - r.used_idx()) >= kEventSize) return;  // all posted, none used
    const uint16_t d = static_cast<uint16_t>(events_posted_++ % kEventSize);
    r.set_desc(d, 0x5800 + 8ull * d, in.u8() % 8, Virtqueue::kDescWrite);
    r.make_available(d, kEventSize);
  }

  // The driver posts rx chains of 1 or 2 writable buffers in free slots.
  void post_rx(Input& in) {
    const unsigned count = 1 + in.u8() % 32;
    const uint8_t shape = in.u8();
    unsigned posted = 0;
    for (int slot = 0; slot < kRxSlots && posted < count; ++slot) {
      if (rx_posted_[slot]) continue;
      const uint16_t d = static_cast<uint16_t>(2 * slot);
      const uint64_t buf = kRxBase + kRxSlot * slot;
      uint32_t total = (shape & 1) ? kRxSlot : 44 + (uint32_t{shape} * 37 + slot) % (kRxSlot - 44);
      if (shape & 2) total = shape % 48;  // too small for a header
      const uint32_t first = (shape & 4) ? std::min<uint32_t>(total, 20) : total;
      FakeDriverRing r = ring(0);
      if (first < total) {
        r.set_desc(d, buf, first, Virtqueue::kDescWrite | Virtqueue::kDescNext, d + 1);
        r.set_desc(d + 1, buf + first, total - first, Virtqueue::kDescWrite);
      } else {
        r.set_desc(d, buf, total, Virtqueue::kDescWrite);
      }
      r.make_available(d, kRxSize);
      rx_posted_[slot] = total + 1;
      ++posted;
    }
  }

  // A guest packet on tx: header fields from the input, a payload of any length in 0 to 2
  // descriptors, the header whole or split, sometimes a writable buffer at the end.
  void post_tx(Input& in, const uint8_t* noise) {
    if (tx_pending_ >= kTxSlots) return;  // the driver waits for its descriptors back
    const uint8_t pick = in.u8(), pick2 = in.u8();
    Header h;
    h.src_cid = (pick & 0x80) ? in.u8() : kCid;
    h.dst_cid = (pick & 0x40) ? in.u8() : vsock::kHostCid;
    h.type = (pick2 & 0x80) ? in.u8() : vsock::kTypeStream;
    h.op = (pick & 0x20) ? in.u16() : 1 + in.u8() % 7;
    h.flags = (pick2 & 0x40) ? in.u32() : in.u8() % 4;
    const uint8_t ports = in.u8();
    h.src_port = (ports & 0x80) ? in.u32() : 1000 + ports % 8;
    const uint32_t host_ports[] = {kServicePorts[0], kServicePorts[1], 1024, 1025, 1026, 7};
    h.dst_port = (ports & 0x40) ? in.u32() : host_ports[(ports >> 3) % 6];
    const uint8_t credit = in.u8();
    const uint32_t windows[] = {VsockDevice::kBufAlloc, 0, 4096, 65536, in.u32()};
    h.buf_alloc = windows[credit % 5];
    h.fwd_cnt = (credit & 0x80) ? in.u32() : 0;
    const uint32_t payload = (pick2 & 0x20) ? in.u16() % (kMaxPayload + 1) : in.u8();
    h.len = (pick2 & 0x10) ? in.u32() : (pick2 & 8) ? payload + 1 : payload;
    if (h.op != vsock::kOpRw && !(pick2 & 4)) h.len = 0;

    const int slot = tx_next_++ % kTxSlots;
    const uint16_t d = static_cast<uint16_t>(4 * slot);
    const uint64_t header_at = kTxHeaders + 64ull * slot;
    const auto bytes = encode(h);
    mem_.write(header_at, bytes);
    const uint64_t payload_at = kPayload + (uint64_t{noise[0]} * 512) % (kRam - kPayload - kMaxPayload);
    std::vector<DriverBuffer> bufs;
    if (pick2 & 2) bufs = {{header_at, 20, false}, {header_at + 20, 24, false}};
    else bufs = {{header_at, (pick & 0x10) ? uint32_t{in.u8()} % 64 : 44, false}};
    if (payload) {
      const uint32_t half = (pick & 8) ? payload / 2 : payload;
      bufs.push_back({payload_at, half, false});
      if (half < payload) bufs.push_back({payload_at + half, payload - half, false});
    }
    if ((pick2 & 1) && bufs.size() < 4) bufs.push_back({payload_at, 64, true});
    // The header the device reads is the chain's first 44 readable bytes: after a short header
    // buffer, some of the payload's. The windows the model keeps are the ones it sees.
    std::array<uint8_t, 44> seen{};
    size_t got = 0;
    for (const DriverBuffer& b : bufs) {
      if (b.device_writes || got == seen.size()) continue;
      const size_t n = std::min<size_t>(b.len, seen.size() - got);
      mem_.read(b.gpa, std::span(seen.data() + got, n));
      got += n;
    }
    ring(1).post_chain(d, bufs, kTxSize);
    if (got == seen.size()) pending_.push_back(decode(seen.data()));  // shorter: dropped unread
    ++tx_pending_;
  }

  // The device took every posted tx chain: the windows the guest told it are now its.
  void tx_done() {
    for (const Header& h : pending_) {
      if (h.src_cid != kCid || h.dst_cid != vsock::kHostCid || h.type != vsock::kTypeStream || h.op == vsock::kOpRst)
        continue;
      Window& w = windows_[{h.dst_port, h.src_port}];
      if (h.op == vsock::kOpRequest) w.tx_cnt = 0;  // a new stream (or the end of one)
      w.buf_alloc = h.buf_alloc;
      w.fwd_cnt = h.fwd_cnt;
    }
    pending_.clear();
    tx_pending_ = 0;
    if (ring(1).used_idx() != ring(1).avail_idx()) fail("tx chains left unused");
  }

  // What the device put in rx buffers since the last look.
  void collect_rx() {
    const FakeDriverRing r = ring(0);
    while (rx_seen_ != r.used_idx()) {
      const uint16_t slot_at = static_cast<uint16_t>(rx_seen_ % kRxSize);
      const uint32_t id = r.used_id(slot_at), len = r.used_len(slot_at);
      ++rx_seen_;
      // A driver that scribbled on its rx ring gets buffers back it never posted: the
      // statements below are about a driver that keeps to the rules.
      if (scribbled) continue;
      if (id % 2 || id / 2 >= kRxSlots || !rx_posted_[id / 2]) fail("rx used id not a posted chain");
      const int slot = static_cast<int>(id / 2);
      const uint32_t capacity = rx_posted_[slot] - 1;
      rx_posted_[slot] = 0;
      if (len > capacity) fail("rx used length beyond the buffer");
      if (len == 0) {
        if (capacity > 44 && given_back_empty_ == 0) fail("an rx buffer with room for data came back empty");
        if (capacity > 44) --given_back_empty_;
        continue;
      }
      if (len < 44) fail("rx packet shorter than a header");
      const Header h = decode(mem_.host_base() + kRxBase + kRxSlot * slot);
      if (h.len != len - 44) fail("rx header length disagrees with the used length");
      if (h.len > kMaxPayload) fail("rx payload larger than 64 KiB");
      if (h.op == vsock::kOpRst) continue;  // may answer a foreign CID's packet
      if (h.src_cid != vsock::kHostCid || h.dst_cid != kCid || h.type != vsock::kTypeStream) fail("rx packet misaddressed");
      if (h.op < vsock::kOpRequest || h.op > vsock::kOpCreditUpdate) fail("rx packet with an op the host never sends");
      if (h.op != vsock::kOpRw && h.len) fail("payload on a control packet");
      if (h.buf_alloc != VsockDevice::kBufAlloc) fail("our window changed");
      const std::pair<uint32_t, uint32_t> key{h.src_port, h.dst_port};
      if (h.op == vsock::kOpRequest) windows_[key].tx_cnt = 0;
      if (h.op != vsock::kOpRw) continue;
      const auto it = windows_.find(key);
      if (it == windows_.end()) fail("data on a stream nobody opened");
      Window& w = it->second;
      w.tx_cnt += h.len;
      if (static_cast<uint32_t>(w.tx_cnt - w.fwd_cnt) > w.buf_alloc) fail("data beyond the guest's window");
    }
  }

  std::vector<Virtqueue>& queues() { return queues_; }
  bool scribbled = false;  // on the rx ring, since init()
  void forget_windows() { windows_.clear(); }
  // A save gave back unused the rx chains it held (VsockDevice::before_save): they come back empty.
  void allow_given_back(uint16_t chains) { given_back_empty_ += chains; }
  size_t rx_free() const { return static_cast<size_t>(std::count(rx_posted_.begin(), rx_posted_.end(), 0u)); }

 private:
  GuestMemory& mem_;
  std::vector<Virtqueue> queues_;
  std::array<uint32_t, kRxSlots> rx_posted_{};  // capacity + 1 while posted
  uint16_t rx_seen_ = 0;
  int tx_next_ = 0, tx_pending_ = 0;
  uint16_t events_posted_ = 0;
  std::vector<Header> pending_;
  std::map<std::pair<uint32_t, uint32_t>, Window> windows_;
  size_t given_back_empty_ = 0;  // empty rx chains a save may still hand back (allow_given_back)
};

// Host clients of this input: hybrid-socket clients and accepted service connections.
struct Clients {
  std::vector<UniqueFd> fds;
  UniqueFd* pick(uint8_t i) { return fds.empty() ? nullptr : &fds[i % fds.size()]; }
  void add(UniqueFd fd) {
    if (fd.valid() && fds.size() < kMaxClients) fds.push_back(std::move(fd));
  }
};

void host_connect(Clients& clients, Input& in) {
  if (clients.fds.size() >= kMaxClients) return;
  UniqueFd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  const sockaddr_un a = address(uds_path());
  if (!fd.valid() || ::connect(fd.get(), reinterpret_cast<const sockaddr*>(&a), sizeof a) < 0) return;
  const uint8_t how = in.u8();
  std::string line;
  const uint32_t ports[] = {1000, 1001, 1002, 0xffffffff};
  if (how & 1) line = "CONNECT " + std::to_string((how & 2) ? in.u32() : ports[(how >> 2) % 4]) + "\n";
  else if (how & 2) line = "CONNECT 12x\n";
  else line = std::string(1 + how % 40, 'C');  // no newline: the line never ends
  if (how & 0x80) line += "early data";
  (void)::send(fd.get(), line.data(), line.size(), MSG_NOSIGNAL);
  clients.add(std::move(fd));
}

void host_write(Clients& clients, Input& in) {
  const uint8_t which = in.u8();
  const uint32_t n = 1 + uint32_t{in.u16()} % (3 * kMaxPayload);
  static std::vector<uint8_t> buf(3 * kMaxPayload, 0x5a);
  if (UniqueFd* fd = clients.pick(which)) (void)::send(fd->get(), buf.data(), n, MSG_NOSIGNAL | MSG_DONTWAIT);
}

void host_read(Clients& clients, Input& in) {
  static std::vector<uint8_t> buf(1 << 20);
  if (UniqueFd* fd = clients.pick(in.u8())) (void)::recv(fd->get(), buf.data(), buf.size(), MSG_DONTWAIT);
}

void host_end(Clients& clients, Input& in) {
  const uint8_t how = in.u8();
  UniqueFd* fd = clients.pick(how);
  if (!fd) return;
  if (how & 0x80) ::shutdown(fd->get(), SHUT_WR);
  else fd->reset();
}

void service_accept(Services& services, Clients& clients, Input& in) {
  UniqueFd fd(::accept4(services.fds[in.u8() % services.fds.size()].get(), nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC));
  if (fd.valid() && clients.fds.size() >= kMaxClients) return;  // accepted and closed
  clients.add(std::move(fd));
}

// The heap the guest may make us hold: each stream's buffer of guest data (a vector that can
// reach 1.5 kBufAlloc before it compacts, and twice that in capacity), the queued control
// packets, a 64 KiB scratch buffer, and room for the loop's and the streams' bookkeeping.
size_t heap_bound(size_t streams) {
  return streams * (3 * size_t{VsockDevice::kBufAlloc} + 16384) + kMaxPendingControl * 128 + kMaxPayload + (1 << 20);
}

int lowest_free_fd() {
  const int fd = ::dup(0);
  ::close(fd);
  return fd;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static GuestMemory mem(kRam);
  static Services services;
  static const int fd_baseline = lowest_free_fd();
  Input in(data, size);
  const size_t nops = std::min<size_t>(in.u8(), kMaxOps);
  const uint8_t timeouts = in.u8();
  std::memset(mem.host_base(), 0, kRam);
  const size_t tail = std::min<size_t>(in.left() / 2, kRam - kPayload);
  std::memcpy(mem.host_base() + kPayload, in.rest() + (in.left() - tail), tail);
  const uint8_t* noise = in.rest() + (in.left() - tail);
  const uint8_t zero = 0;
  if (tail == 0) noise = &zero;

  {
    EventLoop loop;
    VsockDevice dev(loop, kCid, uds_path());
    // Either a host client's time runs out at the loop's next turn, or not within the input.
    dev.set_connect_timeout(std::chrono::milliseconds((timeouts & 1) ? 0 : 3600 * 1000));
    Rig rig(mem);
    Clients clients;
    rig.init(dev);
    const size_t heap_base = __sanitizer_get_current_allocated_bytes();

    // Only a driver that scribbled on its rings may meet a QueueError; the transport then
    // resets the device, and the driver sets it up afresh.
    auto restart = [&] {
      dev.reset();
      if (dev.connection_count() != 0) fail("a reset left connections behind");
      rig.forget_windows();
      rig.init(dev);
    };
    // A device call the driver's rings may break: a QueueError only from rings it scribbled on.
    auto on_rings = [&](const std::function<void()>& call) {
      try {
        call();
        return true;
      } catch (const QueueError& e) {
        if (!rig.scribbled) {
          std::fprintf(stderr, "vsock_fuzzer: %s\n", e.what());
          fail("QueueError from well-formed rings");
        }
        restart();
        return false;
      }
    };
    auto notify = [&](uint16_t q) { return on_rings([&] { dev.queue_notify(q); }); };
    // A restored device's transport reset event, sent into whatever the event ring holds.
    auto tell_restored = [&] { return on_rings([&] { dev.after_restore(); }); };

    size_t op = 0;
    std::function<void()> step = [&] {
      try {
        rig.collect_rx();
        const size_t heap = __sanitizer_get_current_allocated_bytes();
        if (heap > heap_base && heap - heap_base > heap_bound(dev.connection_count()))
          fail("host memory grows beyond the device's bounds");
        if (op++ == nops) return loop.stop();
        switch (in.u8() % 12) {
          case 0: case 1: rig.post_tx(in, noise + (op % std::max<size_t>(tail, 1))); break;
          case 2:  // the driver notifies tx
            if (notify(1)) rig.tx_done();
            break;
          case 3:  // the driver posts rx buffers and notifies
            rig.post_rx(in);
            notify(0);
            break;
          case 4: host_connect(clients, in); break;
          case 5: host_write(clients, in); break;
          case 6: host_read(clients, in); break;
          case 7: host_end(clients, in); break;
          case 8: service_accept(services, clients, in); break;
          case 9: {  // the driver scribbles on the rx ring, or notifies the event queue
            const uint8_t how = in.u8();
            if (how & 1) rig.ring(0).set_avail_idx(static_cast<uint16_t>(rig.ring(0).avail_idx() + in.u8()));
            else if (how & 2) mem.store_le16(16ull * (in.u8() % kRxSize) + 12, in.u16());
            if (how & 3) rig.scribbled = true;
            if (how & 32) rig.post_event(in);
            if (how & 8) {  // a snapshot: the rx buffer held back goes to the driver, empty
              const uint16_t used_before = rig.ring(0).used_idx();
              dev.before_save();
              rig.allow_given_back(static_cast<uint16_t>(rig.ring(0).used_idx() - used_before));
            }
            if ((how & 16) && !tell_restored()) break;
            notify((how & 4) ? 2 : 0);
            break;
          }
          case 10:  // a transport reset: the driver wrote 0 to Status, then set up again
            restart();
            break;
          case 11: break;  // the loop turns: host events only
        }
      } catch (const QueueError& e) {
        std::fprintf(stderr, "vsock_fuzzer: %s\n", e.what());
        fail("QueueError outside queue_notify");
      } catch (const ppc::Error& e) {
        std::fprintf(stderr, "vsock_fuzzer: %s\n", e.what());
        fail("an unexpected Error");
      }
      loop.post(step);
    };
    loop.post(step);
    loop.run();
  }
  services.drain();
  if (lowest_free_fd() > fd_baseline + 4) fail("descriptors outlive the input");
  return 0;
}
