// Whether the power-off must sync(): the unwritten kB in /proc/meminfo, and the decisions on a
// guest's mounts, FUSE connections and counters.
#include "init/power_off_sync.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace ppc::agent {
namespace {

// A 6.1 guest's /proc/meminfo, abridged, with the three lines the power-off reads.
std::string meminfo(const std::string& dirty, const std::string& writeback, const std::string& tmp) {
  return "MemTotal:         499584 kB\nMemFree:          431808 kB\nDirty:" + dirty + "\nWriteback:" + writeback +
         "\nAnonPages:          9600 kB\nNFS_Unstable:          0 kB\nWritebackTmp:" + tmp + "\nCommitLimit:      249792 kB\n";
}

TEST(PowerOffSync, NothingDirtyIsZero) {
  EXPECT_EQ(unwritten_kib(meminfo("               0 kB", "           0 kB", "        0 kB")), 0u);
}

TEST(PowerOffSync, EachOfTheThreeCounts) {
  EXPECT_EQ(unwritten_kib(meminfo("              64 kB", "           0 kB", "        0 kB")), 64u);
  EXPECT_EQ(unwritten_kib(meminfo("               0 kB", "         128 kB", "        0 kB")), 128u);
  EXPECT_EQ(unwritten_kib(meminfo("               0 kB", "           0 kB", "       64 kB")), 64u);
  EXPECT_EQ(unwritten_kib(meminfo("               1 kB", "           2 kB", "        4 kB")), 7u);
}

TEST(PowerOffSync, ALineNamedAlikeIsNotTaken) {
  // "WritebackTmp" begins with "Writeback": each is read from its own line.
  const std::string text = "Dirty: 0 kB\nWritebackTmp: 64 kB\nWriteback: 0 kB\n";
  EXPECT_EQ(unwritten_kib(text), 64u);
}

TEST(PowerOffSync, AMissingOrMalformedLineIsUnknown) {
  EXPECT_EQ(unwritten_kib("Dirty: 0 kB\nWriteback: 0 kB\n"), std::nullopt);
  EXPECT_EQ(unwritten_kib(meminfo("  x kB", " 0 kB", " 0 kB")), std::nullopt);
  EXPECT_EQ(unwritten_kib(meminfo(" 12", " 0 kB", " 0 kB")), std::nullopt);
  EXPECT_EQ(unwritten_kib(meminfo(" 12 MB", " 0 kB", " 0 kB")), std::nullopt);
  EXPECT_EQ(unwritten_kib(meminfo(" -1 kB", " 0 kB", " 0 kB")), std::nullopt);
  EXPECT_EQ(unwritten_kib(""), std::nullopt);
}

// The agent's own mounts in a guest whose first container's root is in the share.
constexpr const char* kAgentMounts =
    "1 1 0:2 / / rw - rootfs rootfs rw,size=97088k,nr_inodes=24272\n"
    "15 1 0:13 / /proc rw,nosuid,nodev,noexec,relatime - proc proc rw\n"
    "16 1 0:14 / /sys rw,nosuid,nodev,noexec,relatime - sysfs sysfs rw\n"
    "17 16 0:15 / /sys/fs/fuse/connections rw,nosuid,nodev,noexec,relatime - fusectl fusectl rw\n"
    "18 16 0:16 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime - cgroup2 cgroup2 rw\n"
    "19 1 0:5 / /dev rw,nosuid - devtmpfs devtmpfs rw,size=97088k,nr_inodes=1517,mode=755\n"
    "20 19 0:17 / /dev/pts rw,nosuid,noexec,relatime - devpts devpts rw,mode=620,ptmxmode=666\n"
    "21 19 0:18 / /dev/shm rw,nosuid,nodev - tmpfs shm rw,mode=1777\n"
    "22 1 0:20 / /run rw,nosuid,nodev - tmpfs tmpfs rw,mode=755\n"
    "23 1 0:21 / /tmp rw,nosuid,nodev - tmpfs tmpfs rw\n"
    "30 1 0:19 / /share rw,nodev,relatime shared:1 - virtiofs ppc-kvm-share rw\n";

// A guest that reads as `mounts`, lists `connections` (fusectl's: never the share's) and has
// `unwritten` kB, one reading per call (the last one repeated), counted in `reads`.
struct FakeGuest {
  std::string mounts = kAgentMounts;
  std::vector<std::string> connections;
  std::vector<std::optional<uint64_t>> unwritten = {0};
  size_t reads = 0;

  GuestView view() {
    return {mounts, [this] { return std::optional<std::vector<std::string>>(connections); },
            [this] { return unwritten[std::min(reads++, unwritten.size() - 1)]; }};
  }
};

constexpr std::chrono::milliseconds kTimeout{200};

TEST(PowerOffSync, TheShareAloneNeedsNoSync) {
  FakeGuest guest;
  EXPECT_EQ(reason_to_sync_first(guest.view()), std::nullopt);
  EXPECT_EQ(reason_to_sync(guest.view(), kTimeout), std::nullopt);
}

TEST(PowerOffSync, AFuseFileSystemServedInTheGuestIsSyncedWhileItsServerRuns) {
  FakeGuest guest;
  guest.connections = {"42"};  // fuse-overlayfs in a container
  EXPECT_EQ(reason_to_sync_first(guest.view()), "FUSE connection 42 is served in the guest");
}

TEST(PowerOffSync, WithoutTheConnectionsListedItSyncsFirst) {
  FakeGuest guest;
  const std::string listed = "17 16 0:15 / /sys/fs/fuse/connections rw,nosuid,nodev,noexec,relatime - fusectl fusectl rw\n";
  guest.mounts.erase(guest.mounts.find(listed), listed.size());
  EXPECT_EQ(reason_to_sync_first(guest.view()), "the FUSE connections are not listed");
}

TEST(PowerOffSync, ADiskFileSystemNeedsASync) {
  // ext4 keeps metadata in its journal that no page counter shows until the journal commits.
  FakeGuest guest;
  guest.mounts += "40 1 254:0 / /mnt/data rw,relatime - ext4 /dev/vda rw\n";
  EXPECT_EQ(reason_to_sync(guest.view(), kTimeout), "ext4 at /mnt/data");
}

TEST(PowerOffSync, AnUnreadableMountLineNeedsASync) {
  FakeGuest guest;
  guest.mounts += "41 1 0:30 / /x rw\n";
  EXPECT_EQ(reason_to_sync_first(guest.view()), "/proc/self/mountinfo is unreadable");
  EXPECT_EQ(reason_to_sync(guest.view(), kTimeout), "/proc/self/mountinfo is unreadable");
}

TEST(PowerOffSync, WritesInFlightAreWaitedFor) {
  FakeGuest guest;
  guest.unwritten = {64, 64, 0};
  EXPECT_EQ(reason_to_sync(guest.view(), kTimeout), std::nullopt);
  EXPECT_EQ(guest.reads, 3u);
}

TEST(PowerOffSync, WritesUnansweredInTimeOrUnreadableCountersNeedASync) {
  FakeGuest guest;
  guest.unwritten = {64};
  EXPECT_EQ(reason_to_sync(guest.view(), kTimeout), "64 kB not yet written");
  guest.unwritten = {std::nullopt};
  EXPECT_EQ(reason_to_sync(guest.view(), kTimeout), "the page counters are unreadable");
}

}  // namespace
}  // namespace ppc::agent
