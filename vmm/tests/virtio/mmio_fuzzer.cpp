// libFuzzer target for the virtio-mmio register interface, with virtio-rng behind it: a
// hostile driver reads and writes any offset of the window (and past it) with any width and
// value: feature selection, queue set-up with any size and addresses, status transitions in
// any order, notifies (by QueueNotify or a queue's notify address), interrupt acks; and posts
// descriptor chains of any layout.
//
// Input: an operation count, then operations; the second half of the rest also fills guest
// RAM's buffer area. The fuzzer thread plays the vCPU; the transport's loop runs on a thread
// of its own, made once (register writes that need it wait for it, notifies are followed by a
// round trip, so runs are repeatable). Must hold, stated here independently of mmio.cpp: no
// crash; the identification registers read their fixed values at every width (bytes past the
// fourth read 0); a queue becomes ready exactly when the layout the driver wrote is valid
// (power-of-two size up to QueueNumMax, aligned rings inside RAM); FEATURES_OK sticks only for
// a subset of what was offered that includes VERSION_1; a reset clears Status, interrupts and
// queues; InterruptStatus holds only its two defined bits. Work per input is bounded by the
// operation count (each notify serves at most a queue's worth of 64 KiB requests).
#include <array>
#include <cstdint>
#include <cstring>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "event_loop.h"
#include "loop_thread_for_tests.h"
#include "memory/guest_memory.h"
#include "virtio/fuzz_driver.h"
#include "virtio/mmio_registers.h"
#include "virtio/mmio.h"
#include "virtio/queue.h"
#include "virtio/rng.h"

namespace {

using namespace ppc::vmm;
using namespace ppc::vmm::fuzz;

constexpr uint64_t kRam = 256 * 1024;
constexpr size_t kMaxOps = 96;

using namespace ppc::vmm::test_mmio;
constexpr uint64_t kRegisters[] = {kMagic, kVersion, kDeviceId, kVendorId, kDeviceFeatures, kDeviceFeaturesSel,
                                   kDriverFeatures, kDriverFeaturesSel, kQueueSel, kQueueNumMax, kQueueNum,
                                   kQueueReady, kQueueNotify, kInterruptStatus, kInterruptAck, kStatus,
                                   kQueueDescLow, kQueueDescHigh, kQueueDriverLow, kQueueDriverHigh,
                                   kQueueDeviceLow, kQueueDeviceHigh, kShmSel, kShmLenLow, kConfigGeneration,
                                   kConfig, kConfig + 4, kNotifyWindow, kNotifyWindow + 4};
constexpr uint32_t kAcknowledge = 1, kDriver = 2, kDriverOk = 4, kFeaturesOk = 8;
constexpr uint64_t kVersion1 = 1ull << 32;  // all that rng offers

[[noreturn]] void fail(const char* what) { fuzz::fail("mmio_fuzzer", what); }

struct Machine {
  GuestMemory mem{kRam};
  EventLoop loop;
  MmioTransport transport{mem, loop, std::make_unique<RngDevice>(), 0x10000000, {5, 6}};
  LoopThread thread{loop};
};

uint64_t read(MmioTransport& t, uint64_t offset, size_t width = 4) {
  std::array<uint8_t, 8> b{};
  b.fill(0xcc);
  t.mmio_read(offset, std::span<uint8_t>(b.data(), width));
  uint64_t v = 0;
  for (size_t i = 0; i < width; ++i) v |= uint64_t{b[i]} << (8 * i);
  return v;
}

void write(MmioTransport& t, uint64_t offset, uint64_t value, size_t width = 4) {
  std::array<uint8_t, 8> b{};
  for (size_t i = 0; i < 8; ++i) b[i] = static_cast<uint8_t>(value >> (8 * i));
  t.mmio_write(offset, std::span<const uint8_t>(b.data(), width));
}

// What the driver wrote to queue 0's layout registers while they were writable.
struct Layout {
  uint64_t size = 0, desc = 0, avail = 0, used = 0;
  bool valid(uint64_t ram) const {
    auto fits = [&](uint64_t gpa, uint64_t len) { return gpa <= ram && len <= ram - gpa; };
    return size != 0 && size <= Virtqueue::kMaxSize && !(size & (size - 1)) && desc % 16 == 0 && avail % 2 == 0 &&
           used % 4 == 0 && fits(desc, 16 * size) && fits(avail, 6 + 2 * size) && fits(used, 6 + 8 * size);
  }
};

void set_half(uint64_t& v, bool high, uint32_t half) {
  v = high ? (v & 0xffffffffull) | (uint64_t{half} << 32) : (v & ~0xffffffffull) | half;
}

// A driver that does everything by the book: queue 0 at kDesc/kAvail/kUsed with `size`.
void proper_setup(MmioTransport& t, uint16_t size) {
  write(t, kStatus, 0);
  write(t, kStatus, kAcknowledge);
  write(t, kStatus, kAcknowledge | kDriver);
  write(t, kDriverFeaturesSel, 1);
  write(t, kDriverFeatures, 1);
  write(t, kStatus, kAcknowledge | kDriver | kFeaturesOk);
  write(t, kQueueSel, 0);
  write(t, kQueueNum, size);
  write(t, kQueueDescLow, kDesc);
  write(t, kQueueDriverLow, kAvail);
  write(t, kQueueDeviceLow, kUsed);
  write(t, kQueueReady, 1);
  write(t, kStatus, kAcknowledge | kDriver | kFeaturesOk | kDriverOk);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Machine m;
  MmioTransport& t = m.transport;
  Input in(data, size);
  const size_t nops = std::min<size_t>(in.u8(), kMaxOps);
  write(t, kStatus, 0);
  std::memset(m.mem.host_base(), 0, kRam);
  const size_t tail = std::min<size_t>(in.left() / 2, kRam - kBuffers);
  std::memcpy(m.mem.host_base() + kBuffers, in.rest() + (in.left() - tail), tail);

  Layout layout;
  uint64_t features = 0;  // what the driver wrote while FEATURES_OK was clear
  uint32_t sel = 0, fsel = 0;  // QueueSel and DriverFeaturesSel, which read as 0
  std::optional<HostileDriver> driver;
  driver.emplace(m.mem, 16);

  for (size_t op = 0; op < nops; ++op) {
    const uint8_t kind = in.u8();
    const size_t width = std::array<size_t, 4>{4, 1, 2, 8}[(kind >> 4) % 4];
    switch (kind % 8) {
      case 0: case 1: case 2: {  // a register write
        const uint8_t which = in.u8();
        const uint64_t offset = (which & 0x80) ? in.u16() : kRegisters[which % std::size(kRegisters)];
        const uint64_t value = (kind & 0x40) ? in.u64() : (kind & 0x08) ? in.u32() : in.u8();
        const uint32_t v = static_cast<uint32_t>(width >= 4 ? value : value & ((1ull << (8 * width)) - 1));
        // What the spec lets this write change, judged before it.
        const uint32_t status = static_cast<uint32_t>(read(t, kStatus));
        const bool ready_before = read(t, kQueueReady) != 0;
        const bool layout_writable = sel == 0 && !ready_before && !(status & kDriverOk);
        switch (offset) {
          case kQueueSel: sel = v; break;
          case kDriverFeaturesSel: fsel = v; break;
          case kDriverFeatures: if (!(status & kFeaturesOk) && fsel < 2) set_half(features, fsel == 1, v); break;
          case kQueueNum: if (layout_writable) layout.size = v > 0xffff ? 0 : v; break;
          case kQueueDescLow: case kQueueDescHigh: if (layout_writable) set_half(layout.desc, offset & 4, v); break;
          case kQueueDriverLow: case kQueueDriverHigh: if (layout_writable) set_half(layout.avail, offset & 4, v); break;
          case kQueueDeviceLow: case kQueueDeviceHigh: if (layout_writable) set_half(layout.used, offset & 4, v); break;
          default: break;
        }
        write(t, offset, value, width);
        const bool notify = offset == kQueueNotify || (offset >= kNotifyWindow && offset < kNotifyWindowEnd);
        if (notify) m.loop.run_and_wait([] {});  // a notify was posted: let it run
        if (offset == kStatus && v == 0) {
          sel = fsel = 0;
          layout = {};
          features = 0;
          driver->reset();
          if (read(t, kStatus) != 0 || read(t, kInterruptStatus) != 0 || read(t, kQueueReady) != 0)
            fail("a reset left state behind");
        }
        if (offset == kQueueReady && sel == 0) {
          const bool ready = read(t, kQueueReady) != 0;
          if (v == 0 && ready_before) layout = {};  // the queue was reset
          if (v == 1 && !ready_before && ready != layout.valid(kRam)) fail("QueueReady disagrees with the layout rules");
          if (v != 1 && ready && !ready_before) fail("a queue became ready without QueueReady = 1");
        }
        if (offset == kStatus && (v & kFeaturesOk) && (read(t, kStatus) & kFeaturesOk) && !(status & kFeaturesOk) &&
            ((features & ~kVersion1) || !(features & kVersion1)))
          fail("FEATURES_OK accepted features not offered, or without VERSION_1");
        break;
      }
      case 3: {  // a register read
        const uint8_t which = in.u8();
        const uint64_t offset = (which & 0x80) ? in.u16() : kRegisters[which % std::size(kRegisters)];
        const uint64_t v = read(t, offset, width);
        const uint64_t mask = width >= 4 ? 0xffffffffull : (1ull << (8 * width)) - 1;
        if (width == 8 && offset < kConfig && (v >> 32) != 0) fail("bytes past a register's fourth read non-zero");
        auto expect = [&](uint64_t reg, uint32_t value) {
          if (offset == reg && v != (value & mask)) fail("an identification register reads wrong");
        };
        expect(kMagic, 0x74726976);
        expect(kVersion, 2);
        expect(kDeviceId, 4);
        if (offset == kInterruptStatus && (v & ~3ull)) fail("InterruptStatus has undefined bits");
        if (offset >= kConfig && v != 0) fail("rng's empty config space (or the write-only notify window) reads non-zero");
        break;
      }
      case 4: {
        const auto qsize = static_cast<uint16_t>(1u << (in.u8() % 9));
        proper_setup(t, qsize);
        driver.emplace(m.mem, qsize);
        driver->reset();
        layout = {qsize, kDesc, kAvail, kUsed};
        features = kVersion1;
        sel = 0;
        fsel = 1;
        if (read(t, kQueueReady) != 1 || read(t, kStatus) != (kAcknowledge | kDriver | kFeaturesOk | kDriverOk))
          fail("a by-the-book set-up did not take");
        break;
      }
      case 5: driver->post_chain(in); break;
      case 6: driver->scribble(in); break;
      case 7:  // notify queue 0 (or any queue number), by QueueNotify or by its notify address
        if (kind & 0x40) write(t, kNotifyWindow + 4 * ((kind & 0x80) ? in.u8() % 64 : 0), in.u32());
        else write(t, kQueueNotify, (kind & 0x80) ? in.u8() : 0);
        m.loop.run_and_wait([] {});
        break;
    }
  }
  return 0;
}
