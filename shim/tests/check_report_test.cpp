// `ppc-kvm-shim check`'s report and exit status, from made-up probe results.
#include <gtest/gtest.h>

#include "host_check/check_report.h"

namespace ppc::shim {
namespace {

const std::vector<CheckResult> kMixed = {
    {"kvm-device", true, true, "/dev/kvm present, opened read/write", ""},
    {"kvm-flavour", false, true, "HV: no; PR: no", "modprobe kvm_hv"},
    {"mmu", false, false, "no MMU line", "use a POWER host"},
};

TEST(shim_check_report, TextListsEveryCheckAndTheFixOfEachFailure) {
  EXPECT_EQ(check_report_text(kMixed),
            "ok       kvm-device   /dev/kvm present, opened read/write\n"
            "MISSING  kvm-flavour  HV: no; PR: no\n"
            "                      fix: modprobe kvm_hv\n"
            "note     mmu          no MMU line\n"
            "                      fix: use a POWER host\n"
            "\n"
            "This host cannot run ppc-kvm-shim containers: 1 needed check failed (each with its fix above).\n");
}

TEST(shim_check_report, TextSaysSoWhenAContainerCanRun) {
  const std::vector<CheckResult> good = {{"tun", true, true, "/dev/net/tun present", ""},
                                         {"mmu", false, false, "no MMU line", "use a POWER host"}};
  const std::string text = check_report_text(good);
  EXPECT_NE(text.find("ok       tun  /dev/net/tun present\n"), std::string::npos) << text;
  EXPECT_NE(text.find("\nThis host can run ppc-kvm-shim containers.\n"), std::string::npos) << text;
}

TEST(shim_check_report, JsonHasEveryFieldOfEveryCheck) {
  const nlohmann::ordered_json j = check_report_json(kMixed);
  EXPECT_EQ(j["ok"], false);
  ASSERT_EQ(j["checks"].size(), 3u);
  EXPECT_EQ(j["checks"][0], nlohmann::ordered_json({{"name", "kvm-device"}, {"ok", true}, {"needed", true},
                                                    {"detail", "/dev/kvm present, opened read/write"}, {"fix", ""}}));
  EXPECT_EQ(j["checks"][1]["name"], "kvm-flavour");
  EXPECT_EQ(j["checks"][1]["ok"], false);
  EXPECT_EQ(j["checks"][1]["fix"], "modprobe kvm_hv");
  EXPECT_EQ(j["checks"][2]["needed"], false);
  EXPECT_EQ(check_report_json({kMixed[0], kMixed[2]})["ok"], true);
}

TEST(shim_check_report, ExitStatusIsOneOnlyWhenANeededCheckFailed) {
  EXPECT_EQ(check_exit_status(kMixed), 1);
  EXPECT_EQ(check_exit_status({kMixed[0]}), 0);
  EXPECT_EQ(check_exit_status({kMixed[0], kMixed[2]}), 0);  // information only
  EXPECT_EQ(check_exit_status({kMixed[1], kMixed[0]}), 1);
}

}  // namespace
}  // namespace ppc::shim
