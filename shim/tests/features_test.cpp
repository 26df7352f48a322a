// features and spec: the documents, checked against the oci library's own tables.
#include <gtest/gtest.h>

#include "commands/features_json.h"
#include "oci/capabilities.h"
#include "oci/mount_options.h"
#include "oci/parse_config.h"
#include "oci/seccomp_names.h"

namespace ppc::shim {
namespace {

TEST(shim_features, DocumentHasTheSpecsFields) {
  const auto f = features_json();
  EXPECT_EQ(f["ociVersionMin"], "1.0.0");
  EXPECT_EQ(f["ociVersionMax"], "1.1.0");
  EXPECT_EQ(f["hooks"].size(), 6u);
  const auto& linux = f["linux"];
  EXPECT_EQ(linux["capabilities"].size(), static_cast<size_t>(oci::kLastCapability + 1));
  EXPECT_EQ(linux["capabilities"][21], "CAP_SYS_ADMIN");
  for (const auto& ns : linux["namespaces"]) EXPECT_NE(ns, "user");  // the agent refuses them
  EXPECT_EQ(linux["cgroup"]["v2"], true);
  EXPECT_EQ(linux["seccomp"]["enabled"], true);
  EXPECT_TRUE(f["annotations"].contains("io.ppc-kvm.memory"));
}

TEST(shim_features, ListedNamesAreTheOciLibrarysNames) {
  for (const auto& a : feature_seccomp_actions()) EXPECT_TRUE(oci::is_known_seccomp_action(a)) << a;
  for (const auto& o : feature_seccomp_operators()) EXPECT_TRUE(oci::is_known_seccomp_operator(o)) << o;
  for (const auto& a : feature_seccomp_archs()) EXPECT_TRUE(oci::is_known_seccomp_arch(a)) << a;
  for (const auto& fl : feature_seccomp_flags()) EXPECT_TRUE(oci::is_known_seccomp_flag(fl)) << fl;
  // Every mount option listed is one parse_mount_options acts on, not filesystem data.
  for (const auto& word : feature_mount_options()) {
    EXPECT_TRUE(oci::parse_mount_options({word}).data.empty()) << word;
  }
  // ... and a word it does not know would be data: the check above can fail.
  EXPECT_FALSE(oci::parse_mount_options({"mode=755"}).data.empty());
  EXPECT_EQ(feature_seccomp_actions().size(), 9u);
  EXPECT_EQ(feature_seccomp_operators().size(), 7u);
}

TEST(shim_spec, DefaultConfigIsValid) {
  const auto spec = default_spec_json();
  const oci::Config c = oci::parse_config(nlohmann::json::parse(spec.dump()));
  ASSERT_TRUE(c.process);
  EXPECT_EQ(c.process->args, std::vector<std::string>{"sh"});
  EXPECT_TRUE(c.process->terminal);
  EXPECT_EQ(c.root.path, "rootfs");
  EXPECT_EQ(c.mounts.front().destination, "/proc");
}

}  // namespace
}  // namespace ppc::shim
