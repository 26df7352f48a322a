#include "rootfs/cpio_writer.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <string>

#include "base/error.h"
#include "rootfs/byte_sink.h"
#include "test_tree.h"

namespace ppc::rootfs {
namespace {

// Field i (0-based, after the magic) of the header at `at`, checked to be 8 hex digits.
uint32_t field(const std::string& bytes, size_t at, size_t i) {
  const std::string text = bytes.substr(at + 6 + 8 * i, 8);
  EXPECT_EQ(text.find_first_not_of("0123456789abcdefABCDEF"), std::string::npos) << "field " << i << ": " << text;
  return static_cast<uint32_t>(std::strtoul(text.c_str(), nullptr, 16));
}

TEST(RootfsCpioWriter, OneEntryHasTheNewcLayout) {
  StringSink sink;
  CpioWriter writer(sink);
  CpioHeader h;
  h.ino = 7;
  h.mode = S_IFREG | 04755;
  h.uid = 1234;
  h.gid = 5678;
  h.nlink = 1;
  h.mtime = 0x5f5e1000;
  h.filesize = 5;
  h.rdev_major = 0;
  h.rdev_minor = 0;
  writer.add_entry("ab", h, "hello");
  writer.finish();
  const std::string& b = sink.bytes();

  ASSERT_GE(b.size(), 124u);
  EXPECT_EQ(b.substr(0, 6), "070701");
  const uint32_t expected[13] = {7, S_IFREG | 04755, 1234, 5678, 1, 0x5f5e1000, 5, 0, 0, 0, 0, 3, 0};
  for (size_t i = 0; i < 13; ++i) EXPECT_EQ(field(b, 0, i), expected[i]) << "field " << i;
  // 110 header bytes, "ab\0" (113), padded to 116; "hello" (121), padded to 124.
  EXPECT_EQ(b.substr(110, 3), std::string("ab\0", 3));
  EXPECT_EQ(b.substr(113, 3), std::string(3, '\0'));
  EXPECT_EQ(b.substr(116, 5), "hello");
  EXPECT_EQ(b.substr(121, 3), std::string(3, '\0'));

  // The trailer: nlink 1, everything else 0, name "TRAILER!!!" (namesize 11), padded.
  EXPECT_EQ(b.substr(124, 6), "070701");
  const uint32_t trailer[13] = {0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 11, 0};
  for (size_t i = 0; i < 13; ++i) EXPECT_EQ(field(b, 124, i), trailer[i]) << "trailer field " << i;
  EXPECT_EQ(b.substr(234, 11), std::string("TRAILER!!!\0", 11));
  EXPECT_EQ(b.size(), 248u);
  EXPECT_EQ(writer.bytes_written(), b.size());
}

TEST(RootfsCpioWriter, PadsEveryNameAndDataLength) {
  // Name lengths 1..8 and data lengths 0..8 cover every residue mod 4 of both paddings.
  StringSink sink;
  CpioWriter writer(sink);
  for (size_t name_len = 1; name_len <= 8; ++name_len) {
    for (uint32_t data_len = 0; data_len <= 8; ++data_len) {
      CpioHeader h;
      h.mode = S_IFREG | 0644;
      h.filesize = data_len;
      const std::string name = std::string(name_len, 'n') + std::to_string(data_len);
      writer.add_entry(name, h, std::string(data_len, 'x'));
      EXPECT_EQ(writer.bytes_written() % 4, 0u);
    }
  }
  writer.finish();
  const auto entries = test::parse_newc(sink.bytes());  // throws on misplaced or dirty padding
  EXPECT_EQ(entries.size(), 8u * 9u + 1u);
}

TEST(RootfsCpioWriter, DataInChunksEqualsDataAtOnce) {
  StringSink chunked, whole;
  CpioHeader h;
  h.mode = S_IFREG | 0644;
  h.filesize = 10;
  CpioWriter a(chunked);
  a.begin_entry("f", h);
  a.write_data("0123", 4);
  a.write_data("456789", 6);
  a.end_entry();
  a.finish();
  CpioWriter b(whole);
  b.add_entry("f", h, "0123456789");
  b.finish();
  EXPECT_EQ(chunked.bytes(), whole.bytes());
}

TEST(RootfsCpioWriter, RefusesDataThatDoesNotMatchTheHeader) {
  StringSink sink;
  CpioWriter writer(sink);
  CpioHeader h;
  h.mode = S_IFREG | 0644;
  h.filesize = 4;
  writer.begin_entry("short", h);
  writer.write_data("ab", 2);
  EXPECT_THROW(writer.end_entry(), Error);

  CpioWriter other(sink);
  other.begin_entry("long", h);
  EXPECT_THROW(other.write_data("abcde", 5), Error);
}

TEST(RootfsCpioWriter, RefusesBadNamesAndEntriesAfterTheTrailer) {
  StringSink sink;
  CpioWriter writer(sink);
  CpioHeader h;
  EXPECT_THROW(writer.add_entry("", h), Error);
  EXPECT_THROW(writer.add_entry(std::string("a\0b", 3), h), Error);
  writer.finish();
  EXPECT_THROW(writer.add_entry("late", h), Error);
}

}  // namespace
}  // namespace ppc::rootfs
