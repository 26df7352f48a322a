// to_json gives back spec JSON that parses to the same value: the host sends validated
// processes (and configs) to the agent this way.
#include <sys/resource.h>

#include <gtest/gtest.h>

#include "oci/parse_config.h"
#include "oci/to_json.h"
#include "podman_config.h"

namespace ppc::oci {
namespace {

using nlohmann::json;

Process full_process() {
  Process p;
  p.terminal = true;
  p.console_size = ConsoleSize{.height = 40, .width = 120};
  p.user = User{.uid = 1000, .gid = 100, .umask = 0, .additional_gids = {5, 6}, .username = "alice"};
  p.args = {"/usr/bin/env", "-i", "sh"};
  p.env = {"PATH=/bin", "EMPTY="};
  p.cwd = "/home/alice";
  p.capabilities = Capabilities{.bounding = {"CAP_KILL", "CAP_CHECKPOINT_RESTORE"},
                                .effective = {"CAP_KILL"},
                                .inheritable = {"CAP_CHOWN"},
                                .permitted = {"CAP_KILL"},
                                .ambient = {}};
  p.rlimits = {Rlimit{"RLIMIT_NOFILE", RLIMIT_NOFILE, 1024, 4096}, Rlimit{"RLIMIT_AS", RLIMIT_AS, UINT64_MAX, UINT64_MAX}};
  p.no_new_privileges = true;
  p.oom_score_adj = 0;  // set to zero is not the same as unset
  p.apparmor_profile = "unconfined";
  p.selinux_label = "system_u:system_r:container_t:s0";
  return p;
}

TEST(oci_ProcessJson, FullProcessRoundTrips) {
  const Process p = full_process();
  EXPECT_EQ(parse_process(to_json(p)), p);
}

TEST(oci_ProcessJson, MinimalProcessRoundTrips) {
  Process p;
  p.args = {"sh"};
  p.cwd = "/";
  const json j = to_json(p);
  EXPECT_EQ(parse_process(j), p);
  // Defaults are left out; the required fields and the user are always there.
  EXPECT_EQ(j, json::parse(R"({"args": ["sh"], "cwd": "/", "user": {"uid": 0, "gid": 0}})"));
}

TEST(oci_ProcessJson, UsesTheSpecFieldNames) {
  const json j = to_json(full_process());
  EXPECT_EQ(j.at("consoleSize"), json::parse(R"({"height": 40, "width": 120})"));
  EXPECT_EQ(j.at("user"),
            json::parse(R"({"uid": 1000, "gid": 100, "umask": 0, "additionalGids": [5, 6], "username": "alice"})"));
  EXPECT_EQ(j.at("noNewPrivileges"), true);
  EXPECT_EQ(j.at("oomScoreAdj"), 0);
  EXPECT_EQ(j.at("apparmorProfile"), "unconfined");
  EXPECT_EQ(j.at("selinuxLabel"), "system_u:system_r:container_t:s0");
  EXPECT_EQ(j.at("rlimits").at(1), json::parse(R"({"type": "RLIMIT_AS", "soft": 18446744073709551615,
                                                   "hard": 18446744073709551615})"));
  EXPECT_EQ(j.at("capabilities"),
            json::parse(R"({"bounding": ["CAP_KILL", "CAP_CHECKPOINT_RESTORE"], "effective": ["CAP_KILL"],
                            "inheritable": ["CAP_CHOWN"], "permitted": ["CAP_KILL"]})"));
  EXPECT_TRUE(j.at("terminal").get<bool>());
}

// The process as it would travel to the agent: serialized to text and parsed back.
TEST(oci_ProcessJson, SurvivesTextSerialization) {
  const Process p = full_process();
  EXPECT_EQ(parse_process(json::parse(to_json(p).dump())), p);
}

TEST(oci_ConfigJson, PodmanConfigRoundTrips) {
  const Config c = parse_config(json::parse(testing::kPodmanConfig));
  const json j = to_json(c);
  EXPECT_EQ(parse_config(j), c);
  EXPECT_EQ(parse_config(json::parse(j.dump())), c);
}

TEST(oci_ConfigJson, SkippedFieldsAreNotWrittenBack) {
  const json j = to_json(parse_config(json::parse(testing::kPodmanConfig)));
  EXPECT_FALSE(j.contains("io.example.extension"));
  EXPECT_FALSE(j.at("process").contains("scheduler"));
  EXPECT_FALSE(j.at("linux").contains("personality"));
  EXPECT_FALSE(j.at("linux").at("resources").contains("devices"));
  EXPECT_EQ(j.at("linux").at("resources").at("pids"), json::parse(R"({"limit": 2048})"));
  EXPECT_EQ(j.at("linux").at("seccomp").at("syscalls").at(3).at("args").at(0),
            json::parse(R"({"index": 0, "value": 2114060288, "op": "SCMP_CMP_MASKED_EQ"})"));
}

TEST(oci_ConfigJson, MinimalConfigIsMinimal) {
  Config c;
  c.oci_version = "1.0.2";
  c.root.path = "rootfs";
  EXPECT_EQ(to_json(c), json::parse(R"({"ociVersion": "1.0.2", "root": {"path": "rootfs"}})"));
}

}  // namespace
}  // namespace ppc::oci
