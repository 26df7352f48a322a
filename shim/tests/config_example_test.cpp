// packaging/config.json.example, installed as /etc/ppc-kvm-shim/config.json.example: a
// settings file the shim takes, with every key at the value the shim uses without it, so
// that copying it to config.json changes nothing until an administrator edits it.
#include <gtest/gtest.h>

#include "test_dir.h"
#include "vm/shim_config.h"

namespace ppc::shim {
namespace {

TEST(shim_config_example, ParsesToTheDefaults) {
  const std::string text = test::slurp(PPC_KVM_SHIM_CONFIG_EXAMPLE);
  ASSERT_FALSE(text.empty()) << PPC_KVM_SHIM_CONFIG_EXAMPLE;
  const nlohmann::json j = nlohmann::json::parse(text);
  const ShimConfig c = parse_shim_config(j, PPC_KVM_SHIM_CONFIG_EXAMPLE);
  const ShimConfig d;
  EXPECT_EQ(c.kernel, d.kernel);
  EXPECT_EQ(c.vmm, kDefaultVmm);
  EXPECT_EQ(c.agent, kDefaultAgent);
  EXPECT_EQ(c.virtiofsd, d.virtiofsd);
  EXPECT_EQ(c.default_memory_mib, d.default_memory_mib);
  EXPECT_EQ(c.memory_overhead_mib, d.memory_overhead_mib);
  EXPECT_EQ(c.default_vcpus, d.default_vcpus);
  EXPECT_EQ(c.pod_memory_mib, d.pod_memory_mib);
  EXPECT_EQ(c.pod_vcpus, d.pod_vcpus);
  EXPECT_EQ(c.vm_type, d.vm_type);
  EXPECT_EQ(c.kernel_cmdline, d.kernel_cmdline);
  EXPECT_EQ(c.vmm_args, d.vmm_args);
  EXPECT_EQ(c.allowed_annotations, d.allowed_annotations);
  EXPECT_EQ(c.allowed_kernel_dirs, d.allowed_kernel_dirs);
  EXPECT_EQ(c.boot_timeout_seconds, d.boot_timeout_seconds);
  EXPECT_EQ(c.vhost_net, d.vhost_net);
  EXPECT_EQ(c.templates, d.templates);
  EXPECT_EQ(c.template_dir, d.template_dir);
  EXPECT_FALSE(j.contains("fault_points"));  // tests only: not for a host's settings
  EXPECT_EQ(j.size(), 18u);                  // every other key of shim_config.h
}

}  // namespace
}  // namespace ppc::shim
