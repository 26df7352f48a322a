#pragma once
// Encodes a cpio "newc" archive (the format the Linux kernel unpacks as an initramfs):
// per entry a 110-byte ASCII header ("070701" and 13 fields of 8 hex digits), the NUL-
// terminated name padded to 4 bytes, then the data padded to 4 bytes; "TRAILER!!!" ends it.
// The writer knows nothing about files on disk: data arrives in chunks from the caller.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "rootfs/byte_sink.h"

namespace ppc::rootfs {

// The header fields a caller chooses. c_devmajor/c_devminor (the device holding the file)
// are always 0 and c_check is 0 (no checksum in newc); namesize is derived from the name.
struct CpioHeader {
  uint32_t ino = 0;
  uint32_t mode = 0;  // file type and permission bits, as st_mode
  uint32_t uid = 0;
  uint32_t gid = 0;
  uint32_t nlink = 1;
  uint32_t mtime = 0;
  uint32_t filesize = 0;
  uint32_t rdev_major = 0;
  uint32_t rdev_minor = 0;
};

constexpr size_t kCpioHeaderSize = 110;
constexpr std::string_view kCpioMagic = "070701";
constexpr std::string_view kCpioTrailer = "TRAILER!!!";

class CpioWriter {
 public:
  explicit CpioWriter(ByteSink& sink) : sink_(sink) {}

  // Starts an entry; exactly header.filesize bytes must follow through write_data before
  // end_entry. The name is relative ("init", "rootfs/bin/sh"), without NUL bytes.
  void begin_entry(std::string_view name, const CpioHeader& header);
  void write_data(const void* data, size_t size);
  void end_entry();

  // An entry whose data is already in memory (a symlink target, or nothing).
  void add_entry(std::string_view name, const CpioHeader& header, std::string_view data = {});

  // Writes the trailer entry; the archive is complete after this.
  void finish();

  uint64_t bytes_written() const { return offset_; }

 private:
  void emit(const void* data, size_t size);
  void pad_to_4();

  ByteSink& sink_;
  uint64_t offset_ = 0;
  bool in_entry_ = false;
  bool finished_ = false;
  uint32_t data_expected_ = 0;
  uint64_t data_written_ = 0;
  std::string entry_name_;  // for error messages
};

}  // namespace ppc::rootfs
