#include "protocol/frame_decoder.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "allocation_probe.h"
#include "expect_error.h"
#include "protocol/codec.h"
#include "protocol/limits.h"
#include "samples.h"

namespace ppc::protocol {
namespace {

std::vector<uint8_t> wire(const std::vector<Message>& messages) {
  std::vector<uint8_t> out;
  for (const Message& m : messages) {
    const std::vector<uint8_t> bytes = encode_frame(encode(m));
    out.insert(out.end(), bytes.begin(), bytes.end());
  }
  return out;
}

std::vector<Message> drain(FrameDecoder& decoder) {
  std::vector<Message> out;
  while (std::optional<Frame> frame = decoder.next()) out.push_back(decode(*frame));
  return out;
}

std::vector<uint8_t> header(uint8_t m0, uint8_t m1, uint16_t version, uint32_t length, uint8_t type) {
  return {m0,
          m1,
          static_cast<uint8_t>(version >> 8),
          static_cast<uint8_t>(version),
          static_cast<uint8_t>(length >> 24),
          static_cast<uint8_t>(length >> 16),
          static_cast<uint8_t>(length >> 8),
          static_cast<uint8_t>(length),
          type};
}

std::vector<uint8_t> header(uint32_t length, MessageType type) {
  return header('P', 'K', kVersion, length, static_cast<uint8_t>(type));
}

TEST(Frame, HeaderLayout) {
  EXPECT_EQ(encode_frame(Frame{MessageType::kOk, {'{', '}'}}),
            std::vector<uint8_t>({'P', 'K', 0, 2, 0, 0, 0, 2, 2, '{', '}'}));
  EXPECT_ERROR(encode_frame(Frame{MessageType::kStdioData, std::vector<uint8_t>(kMaxStdioPayload + 1)}),
               "StdioData: payload of");
}

TEST(FrameDecoder, ReassemblesFramesSplitAtEveryByte) {
  const std::vector<Message> messages = testing::small_samples();
  const std::vector<uint8_t> bytes = wire(messages);
  for (size_t split = 0; split <= bytes.size(); ++split) {
    FrameDecoder decoder;
    decoder.feed(std::span(bytes).first(split));
    std::vector<Message> got = drain(decoder);
    decoder.feed(std::span(bytes).subspan(split));
    for (Message& m : drain(decoder)) got.push_back(std::move(m));
    decoder.finish();
    ASSERT_EQ(got, messages) << "split at byte " << split;
  }
}

TEST(FrameDecoder, ReassemblesFramesFedOneByteAtATime) {
  const std::vector<Message> messages = testing::all_samples();
  const std::vector<uint8_t> bytes = wire(messages);
  FrameDecoder decoder;
  std::vector<Message> got;
  for (uint8_t byte : bytes) {
    decoder.feed(std::span(&byte, 1));
    for (Message& m : drain(decoder)) got.push_back(std::move(m));
  }
  decoder.finish();
  EXPECT_EQ(got, messages);
}

TEST(FrameDecoder, EmptyPayloadIsAFrame) {
  FrameDecoder decoder;
  decoder.feed(header(0, MessageType::kStart));
  const std::optional<Frame> frame = decoder.next();
  ASSERT_TRUE(frame);
  EXPECT_EQ(*frame, (Frame{MessageType::kStart, {}}));
  EXPECT_FALSE(decoder.next());
}

TEST(FrameDecoder, FinishReportsATruncatedFrame) {
  const std::vector<uint8_t> bytes = wire({Signal{"c", "init", 9}});
  FrameDecoder empty;
  empty.finish();  // the stream may end between frames
  for (size_t cut = 1; cut < bytes.size(); ++cut) {
    FrameDecoder decoder;
    decoder.feed(std::span(bytes).first(cut));
    EXPECT_FALSE(decoder.next());
    EXPECT_ERROR(decoder.finish(), cut < kHeaderSize ? "stream ended inside a frame header"
                                                     : "stream ended inside a frame of type Signal");
  }
  FrameDecoder whole;
  whole.feed(bytes);
  whole.finish();
  EXPECT_TRUE(whole.next());
}

TEST(FrameDecoder, OversizedLengthIsRefusedBeforeAllocating) {
  for (const MessageType type : {MessageType::kStdioData, MessageType::kCreateContainer}) {
    FrameDecoder decoder;
    testing::reset_largest_allocation();
    EXPECT_ERROR(decoder.feed(header(0xffffffff, type)), "declares 4294967295 bytes");
    EXPECT_LT(testing::largest_allocation(), 4096u);
  }
  FrameDecoder control;
  EXPECT_ERROR(control.feed(header(kMaxControlPayload + 1, MessageType::kExec)), "the limit is 1048576");
  FrameDecoder stdio;
  EXPECT_ERROR(stdio.feed(header(kMaxStdioPayload + 1, MessageType::kStdioWindow)), "StdioWindow frame declares");
  // The limits themselves are fine: the frame is then waiting for its payload.
  FrameDecoder at_limit;
  at_limit.feed(header(kMaxControlPayload, MessageType::kExec));
  EXPECT_ERROR(at_limit.finish(), "stream ended inside a frame of type Exec (9 of 1048585 bytes)");
}

TEST(FrameDecoder, BadMagicIsRefused) {
  FrameDecoder decoder;
  EXPECT_ERROR(decoder.feed(header('P', 'X', kVersion, 2, 2)), "bad frame magic");
  const std::string http = "GET / HTTP/1.1\r\n";
  FrameDecoder other;
  EXPECT_ERROR(other.feed(std::span(reinterpret_cast<const uint8_t*>(http.data()), http.size())), "bad frame magic");
}

TEST(FrameDecoder, UnknownVersionIsRefused) {
  FrameDecoder v1;  // before container ids
  EXPECT_ERROR(v1.feed(header('P', 'K', 1, 2, 2)), "peer speaks version 1, this side speaks 2");
  FrameDecoder v3;
  EXPECT_ERROR(v3.feed(header('P', 'K', 3, 2, 2)), "peer speaks version 3, this side speaks 2");
  FrameDecoder v0;
  EXPECT_ERROR(v0.feed(header('P', 'K', 0, 2, 2)), "peer speaks version 0");
  FrameDecoder swapped;  // a little-endian writer's version 2
  EXPECT_ERROR(swapped.feed(header('P', 'K', 0x0200, 2, 2)), "peer speaks version 512");
}

TEST(FrameDecoder, UnknownTypeIsRefused) {
  for (const uint8_t type : {0, 19, 255}) {
    FrameDecoder decoder;
    EXPECT_ERROR(decoder.feed(header('P', 'K', kVersion, 0, type)), "unknown message type " + std::to_string(type));
  }
}

TEST(FrameDecoder, RefusesInputAfterAnError) {
  FrameDecoder decoder;
  const std::vector<uint8_t> good = wire({Start{"c"}});
  std::vector<uint8_t> bytes = header('X', 'K', kVersion, 0, 5);
  bytes.insert(bytes.end(), good.begin(), good.end());
  EXPECT_ERROR(decoder.feed(bytes), "bad frame magic");
  EXPECT_TRUE(decoder.failed());
  EXPECT_ERROR(decoder.feed(good), "already failed");
  EXPECT_FALSE(decoder.next());
}

}  // namespace
}  // namespace ppc::protocol
