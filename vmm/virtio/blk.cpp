#include "virtio/blk.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include "base/error.h"

namespace ppc::vmm {
namespace {

constexpr uint64_t kFeatureRo = 1ull << 5, kFeatureFlush = 1ull << 9;
constexpr uint32_t kTypeIn = 0, kTypeOut = 1, kTypeFlush = 4, kTypeGetId = 8;
constexpr uint8_t kStatusOk = 0, kStatusIoErr = 1, kStatusUnsupported = 2;
constexpr uint64_t kSector = 512;
constexpr size_t kHeaderSize = 16;  // le32 type, le32 reserved, le64 sector
constexpr size_t kChunk = 64 * 1024;

uint64_t le(const uint8_t* p, size_t n) {
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i) v |= static_cast<uint64_t>(p[i]) << (8 * i);
  return v;
}

}  // namespace

BlkDevice::BlkDevice(const std::string& path, bool read_only) : path_(path), read_only_(read_only) {
  fd_.reset(::open(path.c_str(), (read_only ? O_RDONLY : O_RDWR) | O_CLOEXEC));
  if (!fd_.valid()) throw_errno("--drive: open " + path);
  struct stat st {};
  if (::fstat(fd_.get(), &st) < 0) throw_errno("--drive: stat " + path);
  if (!S_ISREG(st.st_mode)) throw Error("--drive: " + path + ": not a regular file");
  sectors_ = static_cast<uint64_t>(st.st_size) / kSector;
}

// No BLK_SIZE: 512-byte logical blocks, so that images with any file-system block size mount.
uint64_t BlkDevice::features() const { return kFeatureFlush | (read_only_ ? kFeatureRo : 0); }

void BlkDevice::read_config(uint64_t offset, std::span<uint8_t> out) const {
  // capacity (le64, in 512-byte sectors) at 0; the rest of the layout is for features we do not offer.
  uint8_t config[8] = {};
  for (int i = 0; i < 8; ++i) config[i] = static_cast<uint8_t>(sectors_ >> (8 * i));
  for (size_t i = 0; i < out.size(); ++i) {
    const uint64_t at = offset + i;
    out[i] = at >= offset && at < sizeof config ? config[at] : 0;  // at < offset: wrapped around
  }
}

void BlkDevice::activate(std::vector<Virtqueue>& queues, uint64_t, std::function<void(uint16_t)> notify_used) {
  queue_ = &queues.at(0);
  notify_used_ = std::move(notify_used);
}

void BlkDevice::reset() {
  queue_ = nullptr;
  notify_used_ = nullptr;
}

uint8_t BlkDevice::handle(const DescriptorChain& chain, uint32_t& written) {
  uint8_t header[kHeaderSize];
  if (chain.read(0, header) != kHeaderSize || chain.writable_bytes() < 1) return kStatusIoErr;
  const uint32_t type = static_cast<uint32_t>(le(header, 4));
  const uint64_t sector = le(header + 8, 8);
  // Data follows the header (readable, for writes) or precedes the status byte (writable).
  const uint64_t data_out = chain.readable_bytes() - kHeaderSize;
  const uint64_t data_in = chain.writable_bytes() - 1;
  auto in_range = [&](uint64_t bytes) {
    return bytes % kSector == 0 && sector <= sectors_ && bytes / kSector <= sectors_ - sector;
  };
  std::vector<uint8_t> buf;
  switch (type) {
    case kTypeIn: {
      if (!in_range(data_in)) return kStatusIoErr;
      for (uint64_t done = 0; done < data_in;) {
        buf.resize(std::min<uint64_t>(kChunk, data_in - done));
        const ssize_t n = ::pread(fd_.get(), buf.data(), buf.size(), static_cast<off_t>(sector * kSector + done));
        if (n <= 0) return kStatusIoErr;
        chain.write(done, std::span<const uint8_t>(buf.data(), static_cast<size_t>(n)));
        done += static_cast<uint64_t>(n);
        written = static_cast<uint32_t>(done);
      }
      return kStatusOk;
    }
    case kTypeOut: {
      if (read_only_) return kStatusIoErr;
      if (!in_range(data_out)) return kStatusIoErr;
      for (uint64_t done = 0; done < data_out;) {
        buf.resize(std::min<uint64_t>(kChunk, data_out - done));
        chain.read(kHeaderSize + done, buf);
        const ssize_t n = ::pwrite(fd_.get(), buf.data(), buf.size(), static_cast<off_t>(sector * kSector + done));
        if (n <= 0) return kStatusIoErr;
        done += static_cast<uint64_t>(n);
      }
      return kStatusOk;
    }
    case kTypeFlush:
      if (!read_only_ && ::fdatasync(fd_.get()) < 0) return kStatusIoErr;
      return kStatusOk;
    case kTypeGetId: {
      const char id[20] = "ppc-kvm-blk";
      written = static_cast<uint32_t>(chain.write(0, std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(id), std::min<uint64_t>(sizeof id, data_in))));
      return kStatusOk;
    }
    default:
      return kStatusUnsupported;
  }
}

void BlkDevice::queue_notify(uint16_t queue) {
  if (!queue_ || queue != 0) return;
  bool used = false;
  while (auto chain = queue_->pop()) {
    uint32_t written = 0;
    const uint8_t status = handle(*chain, written);
    // The status byte is the last writable byte of the chain.
    if (chain->writable_bytes() >= 1) {
      chain->write(chain->writable_bytes() - 1, std::span<const uint8_t>(&status, 1));
      ++written;
    }
    queue_->push(chain->head, written);
    used = true;
  }
  if (used) notify_used_(0);
}

}  // namespace ppc::vmm
