#include "virtio/net_flag.h"

#include <gtest/gtest.h>

#include <array>
#include <string>

#include "config_error.h"

namespace ppc::vmm {
namespace {

// parse_net_flag(value) must refuse it with a message holding the flag and `why`.
void expect_refused(const std::string& value, const std::string& why) {
  try {
    parse_net_flag(value);
    ADD_FAILURE() << "accepted --net " << value;
  } catch (const ConfigError& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("--net " + value + ": "), std::string::npos) << message;
    EXPECT_NE(message.find(why), std::string::npos) << message;
  }
}

TEST(NetFlag, TapMacAndMtuInAnyOrder) {
  const NetConfig a = parse_net_flag("tap=tap0_ppc,mac=02:00:0a:0B:fe:01,mtu=1400");
  EXPECT_EQ(a.tap, "tap0_ppc");
  EXPECT_EQ(a.mac, (std::array<uint8_t, 6>{0x02, 0x00, 0x0a, 0x0b, 0xfe, 0x01}));
  EXPECT_EQ(a.mtu, 1400);
  EXPECT_EQ(a.flag, "--net tap=tap0_ppc,mac=02:00:0a:0B:fe:01,mtu=1400");
  const NetConfig b = parse_net_flag("mac=52:54:00:12:34:56,tap=t");
  EXPECT_EQ(b.tap, "t");
  EXPECT_EQ(b.mtu, 0) << "no MTU offered unless given";
  EXPECT_EQ(parse_net_flag("tap=t,mac=02:00:00:00:00:01,mtu=68").mtu, 68);
  EXPECT_EQ(parse_net_flag("tap=t,mac=02:00:00:00:00:01,mtu=65535").mtu, 65535);
  EXPECT_EQ(parse_net_flag("tap=0123456789abcde,mac=02:00:00:00:00:01").tap, "0123456789abcde");
}

TEST(NetFlag, MissingUnknownOrRepeatedKeysAreRefused) {
  expect_refused("mac=02:00:00:00:00:01", "tap=NAME is required");
  expect_refused("tap=t", "mac=XX:XX:XX:XX:XX:XX is required");
  expect_refused("tap=t,mac=02:00:00:00:00:01,queues=2", "unknown key 'queues'");
  expect_refused("tap=t,tap=u,mac=02:00:00:00:00:01", "tap given twice");
  expect_refused("tap=t,mac=02:00:00:00:00:01,", "'' is not KEY=VALUE");
  expect_refused("t", "'t' is not KEY=VALUE");
  expect_refused("", "is not KEY=VALUE");
}

TEST(NetFlag, BadTapNamesAreRefused) {
  expect_refused("tap=,mac=02:00:00:00:00:01", "not an interface name");
  expect_refused("tap=0123456789abcdef,mac=02:00:00:00:00:01", "not an interface name");
  expect_refused("tap=a/b,mac=02:00:00:00:00:01", "not an interface name");
  expect_refused("tap=tap%d,mac=02:00:00:00:00:01", "not an interface name");
  expect_refused("tap=..,mac=02:00:00:00:00:01", "not an interface name");
  expect_refused("tap=a b,mac=02:00:00:00:00:01", "not an interface name");
}

TEST(NetFlag, BadMacsAreRefused) {
  expect_refused("tap=t,mac=02:00:00:00:00", "is not six hex bytes");
  expect_refused("tap=t,mac=02:00:00:00:00:0g", "is not six hex bytes");
  expect_refused("tap=t,mac=02-00-00-00-00-01", "is not six hex bytes");
  expect_refused("tap=t,mac=02:00:00:00:00:001", "is not six hex bytes");
  expect_refused("tap=t,mac=01:00:5e:00:00:01", "is a multicast address");
  expect_refused("tap=t,mac=ff:ff:ff:ff:ff:ff", "is a multicast address");
  expect_refused("tap=t,mac=00:00:00:00:00:00", "is all zeros");
}

TEST(NetFlag, BadMtusAreRefused) {
  for (const char* mtu : {"67", "0", "65536", "99999", "-1", "1500x", "", "0x600", "100000"})
    expect_refused(std::string("tap=t,mac=02:00:00:00:00:01,mtu=") + mtu, "a number from 68 to 65535");
}

TEST(NetFlag, VhostIsOffUnlessAskedAndTakesOnlyOnOrOff) {
  EXPECT_FALSE(parse_net_flag("tap=t,mac=02:00:00:00:00:01").vhost);
  EXPECT_TRUE(parse_net_flag("tap=t,mac=02:00:00:00:00:01,vhost=on").vhost);
  EXPECT_FALSE(parse_net_flag("vhost=off,tap=t,mac=02:00:00:00:00:01").vhost);
  for (const char* value : {"yes", "1", "", "ON", "true"})
    expect_refused(std::string("tap=t,mac=02:00:00:00:00:01,vhost=") + value, "': on or off");
  expect_refused("tap=t,mac=02:00:00:00:00:01,vhost=on,vhost=off", "vhost given twice");
}

}  // namespace
}  // namespace ppc::vmm
