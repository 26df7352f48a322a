// libFuzzer target for virtio-blk: a hostile driver sends requests of any type, sector and
// length, in descriptor chains of any layout (any addresses, lengths, flags, indirect tables),
// against a 16 KiB image in a memfd, read-write or read-only.
//
// Input: a queue-size byte, a mode byte (bit 0: read-only) and an operation count, then
// operations (post a well-formed request, post a chain of any layout, scribble on the rings,
// notify, reset); the second half of what follows also fills the buffer area. Must hold: no
// crash; a malformed queue only raises QueueError; the device never reads or writes outside
// the image (its size never changes, and its contents always equal a model that applies the
// spec's rules, written down here independently of blk.cpp) nor outside the request's
// buffers in guest RAM (RAM is compared with a copy changed as the spec says: data, status
// byte, used element). Work per input is bounded: the image is 16 KiB, and so is every
// request the device may serve.
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "base/unique_fd.h"
#include "memory/guest_memory.h"
#include "virtio/blk.h"
#include "virtio/fuzz_driver.h"
#include "virtio/queue.h"

namespace {

using namespace ppc::vmm;
using namespace ppc::vmm::fuzz;

constexpr uint64_t kRam = 128 * 1024;
constexpr size_t kMaxOps = 48;
constexpr uint64_t kSector = 512;
constexpr uint64_t kSectors = 32;  // the image: 16 KiB
constexpr uint64_t kImage = kSector * kSectors;

// virtio-blk (virtio 1.x, 5.2.6): request types and status values.
constexpr uint32_t kIn = 0, kOut = 1, kFlush = 4, kGetId = 8;
constexpr uint8_t kOk = 0, kIoErr = 1, kUnsupp = 2;

[[noreturn]] void fail(const char* what) { fuzz::fail("blk_fuzzer", what); }

uint64_t le(const uint8_t* p, int n) {
  uint64_t v = 0;
  for (int i = 0; i < n; ++i) v |= uint64_t{p[i]} << (8 * i);
  return v;
}

// The image, and the devices that serve it (kept across inputs; its contents are restored).
struct Image {
  ppc::UniqueFd fd{::memfd_create("blk_fuzzer", MFD_CLOEXEC)};
  std::vector<uint8_t> model = std::vector<uint8_t>(kImage);
  std::unique_ptr<BlkDevice> rw, ro;

  Image() {
    if (!fd.valid() || ::ftruncate(fd.get(), kImage) < 0) fail("cannot make the image");
    const std::string path = "/proc/self/fd/" + std::to_string(fd.get());
    rw = std::make_unique<BlkDevice>(path, false);
    ro = std::make_unique<BlkDevice>(path, true);
    if (rw->sectors() != kSectors || ro->sectors() != kSectors) fail("wrong capacity");
  }
  void restore() {
    for (size_t i = 0; i < kImage; ++i) model[i] = static_cast<uint8_t>(i * 7 + i / kSector);
    if (::pwrite(fd.get(), model.data(), kImage, 0) != static_cast<ssize_t>(kImage)) fail("cannot write the image");
  }
  // The image's size and contents are what the model says.
  void check() {
    struct stat st {};
    if (::fstat(fd.get(), &st) < 0 || static_cast<uint64_t>(st.st_size) != kImage) fail("the image changed size");
    static std::vector<uint8_t> now(kImage);
    if (::pread(fd.get(), now.data(), kImage, 0) != static_cast<ssize_t>(kImage)) fail("cannot read the image");
    if (now != model) fail("the image differs from what the requests allow");
  }
  void resync() {
    if (::pread(fd.get(), model.data(), kImage, 0) != static_cast<ssize_t>(kImage)) fail("cannot read the image");
  }
};

// What the device must do with one chain (virtio 1.x, 5.2.6), applied to the copy of RAM and
// the image's model; returns the used length.
uint32_t serve(const DescriptorChain& c, RamCopy& copy, std::vector<uint8_t>& image, bool read_only) {
  const uint64_t readable = c.readable_bytes(), writable = c.writable_bytes();
  if (writable == 0) return 0;  // nowhere to put a status: the chain goes back untouched
  auto status = [&](uint8_t s, uint32_t data) {
    copy.write(c, writable - 1, std::span<const uint8_t>(&s, 1));
    return data + 1;
  };
  std::array<uint8_t, 16> header{};
  if (readable < header.size()) return status(kIoErr, 0);
  copy.read(c, 0, header);
  const uint32_t type = static_cast<uint32_t>(le(&header[0], 4));
  const uint64_t sector = le(&header[8], 8);
  const uint64_t data_in = writable - 1, data_out = readable - header.size();
  // Whole sectors, all inside the image (careful with a sector near 2^64).
  auto inside = [&](uint64_t bytes) { return bytes % kSector == 0 && sector <= kSectors && bytes / kSector <= kSectors - sector; };
  switch (type) {
    case kIn:
      if (!inside(data_in)) return status(kIoErr, 0);
      copy.write(c, 0, std::span<const uint8_t>(image.data() + sector * kSector, data_in));
      return status(kOk, static_cast<uint32_t>(data_in));
    case kOut:
      if (read_only || !inside(data_out)) return status(kIoErr, 0);
      copy.read(c, header.size(), std::span<uint8_t>(image.data() + sector * kSector, data_out));
      return status(kOk, 0);
    case kFlush:
      return status(kOk, 0);
    case kGetId: {
      std::array<uint8_t, 20> id{};
      std::memcpy(id.data(), "ppc-kvm-blk", 11);
      const size_t n = std::min<uint64_t>(id.size(), data_in);
      copy.write(c, 0, std::span<const uint8_t>(id.data(), n));
      return status(kOk, static_cast<uint32_t>(n));
    }
    default:
      return status(kUnsupp, 0);
  }
}

// A request laid out as Linux does: header, data (out or in), status byte, in 3 descriptors
// at input-chosen places in the buffer area.
void post_request(HostileDriver& driver, const GuestMemory& mem, Input& in) {
  const uint8_t kind = in.u8();
  const uint32_t types[] = {kIn, kOut, kFlush, kGetId, 11 /* discard */, in.u32()};
  const uint32_t type = types[kind % 6];
  const uint64_t sector = (kind & 0x80) ? in.u64() : in.u8() % (kSectors + 4);
  uint32_t len = kSector * (in.u8() % 12);
  if (kind & 0x40) len += in.u8() % 3;  // not whole sectors
  const uint64_t span = mem.size() - kBuffers;
  const uint64_t h = kBuffers + (uint64_t{in.u16()} * 16) % (span - 16);
  const uint64_t d = kBuffers + (uint64_t{in.u16()} * 512) % (span - 8192);
  const uint64_t s = kBuffers + uint64_t{in.u16()} % span;
  std::array<uint8_t, 16> header{};
  for (int i = 0; i < 4; ++i) header[i] = static_cast<uint8_t>(type >> (8 * i));
  for (int i = 0; i < 8; ++i) header[8 + i] = static_cast<uint8_t>(sector >> (8 * i));
  mem.write(h, header);
  std::vector<DriverBuffer> buffers{{h, 16, false}};
  if (len && (kind & 0x20) == 0) buffers.push_back({d, std::min<uint32_t>(len, 8192), type != kOut});
  buffers.push_back({s, 1, true});
  driver.post_buffers(buffers);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static GuestMemory mem(kRam);
  static RamCopy copy(mem);
  static Image image;
  Input in(data, size);
  const uint16_t qsize = static_cast<uint16_t>(1u << (in.u8() % 9));  // 1 to 256
  const bool read_only = in.u8() & 1;
  const size_t nops = std::min<size_t>(in.u8(), kMaxOps);
  BlkDevice& blk = read_only ? *image.ro : *image.rw;
  image.restore();
  std::memset(mem.host_base(), 0, kRam);
  const size_t tail = std::min<size_t>(in.left() / 2, kRam - kBuffers);
  std::memcpy(mem.host_base() + kBuffers, in.rest() + (in.left() - tail), tail);

  std::vector<Virtqueue> queues{Virtqueue(mem)};
  Virtqueue shadow(mem);
  HostileDriver driver(mem, qsize);
  std::vector<uint16_t> interrupts;
  uint16_t next_used = 0;
  auto start = [&] {
    driver.reset();
    next_used = 0;
    if (!driver.enable(queues[0]) || !driver.enable(shadow)) fail("a valid ring was refused");
    blk.activate(queues, 0, [&](uint16_t q) { interrupts.push_back(q); });
  };
  start();

  for (size_t op = 0; op < nops; ++op) {
    switch (in.u8() % 6) {
      case 0: post_request(driver, mem, in); break;
      case 1: driver.post_chain(in); break;
      case 2: driver.scribble(in); break;
      case 3: case 4: {
        copy.take();
        Round round = pop_all(shadow);
        const bool exact = !writes_on_rings(mem, round);
        for (const auto& c : round.chains) copy.used(qsize, next_used, c.head, serve(c, copy, image.model, read_only));
        interrupts.clear();
        bool threw = false;
        try {
          blk.queue_notify(0);
        } catch (const QueueError&) {
          threw = true;
        }
        if (exact) {
          if (threw != round.error) fail("the device and its shadow disagree on a malformed chain");
          if (!copy.matches()) fail("guest RAM differs from what the requests allow");
          image.check();
          if (!threw && interrupts != std::vector<uint16_t>(round.chains.empty() ? 0 : 1, 0))
            fail("interrupt missing or spurious");
        } else {
          // The device's writes changed the rings under the shadow: only the image's bounds
          // can be checked.
          struct stat st {};
          if (::fstat(image.fd.get(), &st) < 0 || static_cast<uint64_t>(st.st_size) != kImage) fail("the image changed size");
          image.resync();
        }
        if (threw || !exact) {
          blk.reset();  // as the transport does after NEEDS_RESET
          start();
        }
        break;
      }
      case 5:
        blk.reset();
        start();
        break;
    }
  }
  blk.reset();
  return 0;
}
