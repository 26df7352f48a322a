#include "rootfs/cpio_writer.h"

#include <array>
#include <string>

#include "base/error.h"

namespace ppc::rootfs {
namespace {

// Appends value as exactly 8 lowercase hex digits, the width of every newc field.
void put_field(std::string& out, uint32_t value) {
  static constexpr char kDigits[] = "0123456789abcdef";
  for (int shift = 28; shift >= 0; shift -= 4) out.push_back(kDigits[(value >> shift) & 0xf]);
}

}  // namespace

void CpioWriter::emit(const void* data, size_t size) {
  sink_.write(data, size);
  offset_ += size;
}

void CpioWriter::pad_to_4() {
  static constexpr std::array<char, 3> kZeros{};
  const size_t pad = (4 - offset_ % 4) % 4;
  if (pad) emit(kZeros.data(), pad);
}

void CpioWriter::begin_entry(std::string_view name, const CpioHeader& h) {
  if (finished_) throw Error("cpio: entry '" + std::string(name) + "' after the trailer");
  if (in_entry_) throw Error("cpio: entry '" + std::string(name) + "' begun inside entry '" + entry_name_ + "'");
  if (name.empty() || name.find('\0') != std::string_view::npos) throw Error("cpio: invalid entry name '" + std::string(name) + "'");
  if (name.size() + 1 > UINT32_MAX) throw Error("cpio: entry name too long");

  std::string header;
  header.reserve(kCpioHeaderSize + name.size() + 1);
  header.append(kCpioMagic);
  put_field(header, h.ino);
  put_field(header, h.mode);
  put_field(header, h.uid);
  put_field(header, h.gid);
  put_field(header, h.nlink);
  put_field(header, h.mtime);
  put_field(header, h.filesize);
  put_field(header, 0);  // devmajor: the host's device numbers would make output depend on the host
  put_field(header, 0);  // devminor
  put_field(header, h.rdev_major);
  put_field(header, h.rdev_minor);
  put_field(header, static_cast<uint32_t>(name.size() + 1));
  put_field(header, 0);  // check: only the "070702" variant carries a checksum
  header.append(name);
  header.push_back('\0');
  emit(header.data(), header.size());
  pad_to_4();

  in_entry_ = true;
  entry_name_ = name;
  data_expected_ = h.filesize;
  data_written_ = 0;
}

void CpioWriter::write_data(const void* data, size_t size) {
  if (!in_entry_) throw Error("cpio: data outside an entry");
  if (data_written_ + size > data_expected_) {
    throw Error("cpio: entry '" + entry_name_ + "': more data than its size " + std::to_string(data_expected_));
  }
  emit(data, size);
  data_written_ += size;
}

void CpioWriter::end_entry() {
  if (!in_entry_) throw Error("cpio: end of an entry that was not begun");
  // A short entry would shift every later header: refuse rather than write a corrupt archive.
  if (data_written_ != data_expected_) {
    throw Error("cpio: entry '" + entry_name_ + "': " + std::to_string(data_written_) + " bytes of data, header says " +
                std::to_string(data_expected_));
  }
  pad_to_4();
  in_entry_ = false;
  entry_name_.clear();
}

void CpioWriter::add_entry(std::string_view name, const CpioHeader& header, std::string_view data) {
  begin_entry(name, header);
  write_data(data.data(), data.size());
  end_entry();
}

void CpioWriter::finish() {
  CpioHeader trailer;
  trailer.nlink = 1;
  add_entry(kCpioTrailer, trailer);
  finished_ = true;
}

}  // namespace ppc::rootfs
