// Mount option words map to mount(2) flags as runc's table says.
#include <sys/mount.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <iterator>

#include "oci/mount_options.h"

#ifndef MS_NOSYMFOLLOW
#define MS_NOSYMFOLLOW 256
#endif

namespace ppc::oci {
namespace {

struct FlagCase {
  const char* word;
  unsigned long flag;
  bool clears;
};

class FlagWord : public ::testing::TestWithParam<FlagCase> {};

// Alone, a setting word sets its flag; a clearing word clears it (and records that it did).
// (That a clearing word undoes an earlier setting is AClearingWordUndoesTheWordThatSetsIt.)
TEST_P(FlagWord, SetsOrClearsItsFlag) {
  const FlagCase& c = GetParam();
  const MountOptions alone = parse_mount_options({c.word});
  MountOptions expected;
  (c.clears ? expected.clear_flags : expected.flags) = c.flag;
  EXPECT_EQ(alone, expected);
}

const FlagCase kFlagCases[] = {
    {"ro", MS_RDONLY, false},         {"rw", MS_RDONLY, true},
    {"nosuid", MS_NOSUID, false},     {"suid", MS_NOSUID, true},
    {"nodev", MS_NODEV, false},       {"dev", MS_NODEV, true},
    {"noexec", MS_NOEXEC, false},     {"exec", MS_NOEXEC, true},
    {"sync", MS_SYNCHRONOUS, false},  {"async", MS_SYNCHRONOUS, true},
    {"remount", MS_REMOUNT, false},   {"mand", MS_MANDLOCK, false},
    {"nomand", MS_MANDLOCK, true},    {"noatime", MS_NOATIME, false},
    {"atime", MS_NOATIME, true},      {"nodiratime", MS_NODIRATIME, false},
    {"diratime", MS_NODIRATIME, true}, {"relatime", MS_RELATIME, false},
    {"norelatime", MS_RELATIME, true}, {"strictatime", MS_STRICTATIME, false},
    {"nostrictatime", MS_STRICTATIME, true}, {"dirsync", MS_DIRSYNC, false},
    {"iversion", MS_I_VERSION, false}, {"noiversion", MS_I_VERSION, true},
    {"lazytime", MS_LAZYTIME, false}, {"nolazytime", MS_LAZYTIME, true},
    {"silent", MS_SILENT, false},     {"loud", MS_SILENT, true},
    {"nosymfollow", MS_NOSYMFOLLOW, false}, {"symfollow", MS_NOSYMFOLLOW, true},
};

INSTANTIATE_TEST_SUITE_P(oci, FlagWord, ::testing::ValuesIn(kFlagCases),
                         [](const ::testing::TestParamInfo<FlagCase>& info) { return std::string(info.param.word); });

// Each clearing word after the word that sets its flag ("ro,rw", "nosuid,suid", ...) leaves the
// flag off and the clearing recorded; every clearing word has its setting word in the table.
TEST(oci_MountOptions, AClearingWordUndoesTheWordThatSetsIt) {
  for (const FlagCase& clearing : kFlagCases) {
    if (!clearing.clears) continue;
    const FlagCase* setting = std::find_if(std::begin(kFlagCases), std::end(kFlagCases),
                                           [&](const FlagCase& c) { return !c.clears && c.flag == clearing.flag; });
    ASSERT_NE(setting, std::end(kFlagCases)) << "no word sets the flag " << clearing.word << " clears";
    ASSERT_EQ(parse_mount_options({setting->word}).flags & clearing.flag, clearing.flag) << setting->word;
    const MountOptions undone = parse_mount_options({setting->word, clearing.word});
    EXPECT_EQ(undone.flags & clearing.flag, 0u) << setting->word << "," << clearing.word;
    EXPECT_EQ(undone.clear_flags & clearing.flag, clearing.flag) << setting->word << "," << clearing.word;
  }
}

TEST(oci_MountOptions, LaterWordsWin) {
  const MountOptions ro_then_rw = parse_mount_options({"ro", "rw"});
  EXPECT_EQ(ro_then_rw.flags & MS_RDONLY, 0u);
  EXPECT_EQ(ro_then_rw.clear_flags, static_cast<unsigned long>(MS_RDONLY));
  const MountOptions rw_then_ro = parse_mount_options({"rw", "ro"});
  EXPECT_EQ(rw_then_ro.flags, static_cast<unsigned long>(MS_RDONLY));
  EXPECT_EQ(rw_then_ro.clear_flags, 0u);
}

TEST(oci_MountOptions, BindAndRbind) {
  const MountOptions bind = parse_mount_options({"bind"});
  EXPECT_TRUE(bind.bind);
  EXPECT_FALSE(bind.recursive);
  EXPECT_EQ(bind.flags, static_cast<unsigned long>(MS_BIND));
  const MountOptions rbind = parse_mount_options({"rbind", "ro"});
  EXPECT_TRUE(rbind.bind);
  EXPECT_TRUE(rbind.recursive);
  EXPECT_EQ(rbind.flags, static_cast<unsigned long>(MS_BIND | MS_REC | MS_RDONLY));
}

TEST(oci_MountOptions, PropagationWords) {
  const std::pair<const char*, unsigned long> cases[] = {
      {"private", MS_PRIVATE},         {"rprivate", MS_PRIVATE | MS_REC},
      {"shared", MS_SHARED},           {"rshared", MS_SHARED | MS_REC},
      {"slave", MS_SLAVE},             {"rslave", MS_SLAVE | MS_REC},
      {"unbindable", MS_UNBINDABLE},   {"runbindable", MS_UNBINDABLE | MS_REC},
  };
  for (const auto& [word, propagation] : cases) {
    const MountOptions o = parse_mount_options({word});
    EXPECT_EQ(o.propagation, propagation) << word;
    EXPECT_EQ(o.flags, 0u) << word;  // propagation is a separate mount(2) call
  }
  EXPECT_EQ(parse_mount_options({"rprivate", "shared"}).propagation, static_cast<unsigned long>(MS_SHARED));
}

TEST(oci_MountOptions, UnknownWordsAreFilesystemDataInOrder) {
  const MountOptions o = parse_mount_options({"nosuid", "mode=755", "strictatime", "size=65536k", "newinstance", "acl"});
  EXPECT_EQ(o.flags, static_cast<unsigned long>(MS_NOSUID | MS_STRICTATIME));
  EXPECT_EQ(o.data, "mode=755,size=65536k,newinstance,acl");
}

TEST(oci_MountOptions, PodmanDevptsOptions) {
  const MountOptions o =
      parse_mount_options({"nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"});
  EXPECT_EQ(o.flags, static_cast<unsigned long>(MS_NOSUID | MS_NOEXEC));
  EXPECT_EQ(o.data, "newinstance,ptmxmode=0666,mode=0620,gid=5");
  EXPECT_FALSE(o.bind);
  EXPECT_EQ(o.propagation, 0u);
}

TEST(oci_MountOptions, RuntimeExtensionsAreIgnored) {
  const MountOptions o = parse_mount_options(
      {"tmpcopyup", "notmpcopyup", "copy", "nocopy", "idmap", "ridmap", "idmap=uids=0-1000-10", "defaults", ""});
  EXPECT_EQ(o, MountOptions{});
}

TEST(oci_MountOptions, RecursiveAttributes) {
  const MountOptions o = parse_mount_options({"rbind", "rro", "rnosuid", "rnodev", "rnoexec", "rnosymfollow"});
  EXPECT_EQ(o.rec_attr_set,
            kMountAttrRdonly | kMountAttrNosuid | kMountAttrNodev | kMountAttrNoexec | kMountAttrNosymfollow);
  EXPECT_EQ(o.rec_attr_clear, 0u);
  EXPECT_EQ(o.flags, static_cast<unsigned long>(MS_BIND | MS_REC));  // no MS_RDONLY: rro is an attribute
  EXPECT_EQ(o.data, "");

  const MountOptions rw = parse_mount_options({"rro", "rrw", "rsuid", "rdev", "rexec", "rsymfollow", "rdiratime"});
  EXPECT_EQ(rw.rec_attr_set, 0u);
  EXPECT_EQ(rw.rec_attr_clear,
            kMountAttrRdonly | kMountAttrNosuid | kMountAttrNodev | kMountAttrNoexec | kMountAttrNosymfollow |
                kMountAttrNodiratime);
}

// mount_setattr(2) wants the whole atime field cleared whenever an atime mode is set.
TEST(oci_MountOptions, RecursiveAtimeModesClearTheAtimeField) {
  const MountOptions noatime = parse_mount_options({"rnoatime"});
  EXPECT_EQ(noatime.rec_attr_set, kMountAttrNoatime);
  EXPECT_EQ(noatime.rec_attr_clear, kMountAttrAtimeMask);
  const MountOptions strict = parse_mount_options({"rstrictatime"});
  EXPECT_EQ(strict.rec_attr_set, kMountAttrStrictatime);
  EXPECT_EQ(strict.rec_attr_clear, kMountAttrAtimeMask);
  const MountOptions relatime = parse_mount_options({"rrelatime"});
  EXPECT_EQ(relatime.rec_attr_set, kMountAttrRelatime);
  EXPECT_EQ(relatime.rec_attr_clear, kMountAttrAtimeMask);
  // Not an atime mode: only its own bit.
  EXPECT_EQ(parse_mount_options({"rnodiratime"}).rec_attr_clear, 0u);
}

TEST(oci_MountOptions, EmptyListIsNothing) { EXPECT_EQ(parse_mount_options({}), MountOptions{}); }

}  // namespace
}  // namespace ppc::oci
