// What the power-off reads to decide whether it must sync(): the unwritten kB in /proc/meminfo
// and the file systems in /proc/self/mounts.
#include "init/power_off_sync.h"

#include <gtest/gtest.h>

#include <string>

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
    "rootfs / rootfs rw,size=97088k,nr_inodes=24272 0 0\n"
    "proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0\n"
    "sysfs /sys sysfs rw,nosuid,nodev,noexec,relatime 0 0\n"
    "cgroup2 /sys/fs/cgroup cgroup2 rw,nosuid,nodev,noexec,relatime 0 0\n"
    "devtmpfs /dev devtmpfs rw,nosuid,size=97088k,nr_inodes=1517,mode=755 0 0\n"
    "devpts /dev/pts devpts rw,nosuid,noexec,relatime,mode=620,ptmxmode=666 0 0\n"
    "shm /dev/shm tmpfs rw,nosuid,nodev,mode=1777 0 0\n"
    "tmpfs /run tmpfs rw,nosuid,nodev,mode=755 0 0\n"
    "tmpfs /tmp tmpfs rw,nosuid,nodev 0 0\n"
    "ppc-kvm-share /share virtiofs rw,relatime 0 0\n";

TEST(PowerOffSync, TheAgentsOwnMountsNeedNoSync) { EXPECT_EQ(mount_needing_sync(kAgentMounts), std::nullopt); }

TEST(PowerOffSync, ADiskFileSystemNeedsASync) {
  // ext4 keeps metadata in its journal that no page counter shows until the journal commits.
  EXPECT_EQ(mount_needing_sync(std::string(kAgentMounts) + "/dev/vda /mnt/data ext4 rw,relatime 0 0\n"),
            "ext4 at /mnt/data");
  EXPECT_EQ(mount_needing_sync("/dev/vdb /a\\040b xfs rw 0 0"), "xfs at /a\\040b");
  EXPECT_EQ(mount_needing_sync("overlay / overlay rw,lowerdir=/l 0 0\n"), "overlay at /");
}

TEST(PowerOffSync, AnUnreadableMountLineNeedsASync) {
  EXPECT_EQ(mount_needing_sync(std::string(kAgentMounts) + "tmpfs /x\n"), "an unreadable line in /proc/self/mounts");
  EXPECT_EQ(mount_needing_sync("\n"), "an unreadable line in /proc/self/mounts");
}

}  // namespace
}  // namespace ppc::agent
