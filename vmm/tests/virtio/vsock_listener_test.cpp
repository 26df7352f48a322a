#include "virtio/vsock_listener.h"

#include <gtest/gtest.h>
#include <sys/socket.h>

#include <optional>
#include <string>
#include <vector>

namespace ppc::vmm {
namespace {

using namespace std::string_literals;

TEST(VsockConnectLineTest, TakesADecimalPortThatFits32Bits) {
  EXPECT_EQ(vsock::parse_connect_line("CONNECT 52"), 52u);
  EXPECT_EQ(vsock::parse_connect_line("CONNECT 0"), 0u);
  EXPECT_EQ(vsock::parse_connect_line("CONNECT 4294967295"), 4294967295u);
  EXPECT_EQ(vsock::parse_connect_line("CONNECT 0000000052"), 52u);  // ten digits, leading zeros
}

TEST(VsockConnectLineTest, RefusesPortsBeyond32Bits) {
  EXPECT_EQ(vsock::parse_connect_line("CONNECT 4294967296"), std::nullopt);
  EXPECT_EQ(vsock::parse_connect_line("CONNECT 9999999999"), std::nullopt);
  EXPECT_EQ(vsock::parse_connect_line("CONNECT 00000000052"), std::nullopt);  // eleven digits
  EXPECT_EQ(vsock::parse_connect_line("CONNECT 18446744073709551617"), std::nullopt);  // 2^64 + 1
}

TEST(VsockConnectLineTest, RefusesAnythingElse) {
  for (const std::string& line :
       std::vector<std::string>{"", "CONNECT", "CONNECT ", "CONNECT  52", "CONNECT 52 ", " CONNECT 52", "CONNECT\t52",
                                "CONNECT 52\n", "CONNECT 52\r", "connect 52", "Connect 52", "CONNECT -1", "CONNECT +1",
                                "CONNECT 5x", "CONNECT x5", "CONNECT 0x10", "CONNECT 5\0"s, "CONNECT\0 5"s, "HELLO 52",
                                "CONNECTX52", "CONNECT 52 53"})
    EXPECT_EQ(vsock::parse_connect_line(line), std::nullopt) << '"' << line << '"';
}

TEST(VsockUnixAddressTest, PathMustFitSunPath) {
  sockaddr_un addr;
  EXPECT_FALSE(vsock::unix_address("", addr));
  const size_t max = sizeof addr.sun_path - 1;  // room for the terminating NUL
  ASSERT_TRUE(vsock::unix_address(std::string(max, 'a'), addr));
  EXPECT_EQ(addr.sun_family, AF_UNIX);
  EXPECT_EQ(std::string(addr.sun_path), std::string(max, 'a'));
  EXPECT_FALSE(vsock::unix_address(std::string(max + 1, 'a'), addr));
  ASSERT_TRUE(vsock::unix_address("/run/v.sock_52", addr));
  EXPECT_EQ(std::string(addr.sun_path), "/run/v.sock_52") << "nothing left of a longer earlier path";
}

}  // namespace
}  // namespace ppc::vmm
