// vhost_abi.h (written for C++) against the kernel's <linux/vhost.h> (compiled as C): the
// request numbers for the architecture being built, the structures' sizes and the field
// offsets the kernel reads.
#include "virtio/vhost_abi.h"

#include <gtest/gtest.h>

#include <cstddef>

#include "base/error.h"
#include "virtio/kernel_vhost_values.h"
#include "virtio/vhost_net_kernel.h"

namespace ppc::vmm {
namespace {

using namespace vhost_abi;

TEST(VhostAbi, RequestNumbersAreTheKernels) {
  EXPECT_EQ(kGetFeatures, kernel_vhost_get_features);
  EXPECT_EQ(kSetFeatures, kernel_vhost_set_features);
  EXPECT_EQ(kSetOwner, kernel_vhost_set_owner);
  EXPECT_EQ(kSetMemTable, kernel_vhost_set_mem_table);
  EXPECT_EQ(kSetVringNum, kernel_vhost_set_vring_num);
  EXPECT_EQ(kSetVringAddr, kernel_vhost_set_vring_addr);
  EXPECT_EQ(kSetVringBase, kernel_vhost_set_vring_base);
  EXPECT_EQ(kSetVringKick, kernel_vhost_set_vring_kick);
  EXPECT_EQ(kSetVringCall, kernel_vhost_set_vring_call);
  EXPECT_EQ(kNetSetBackend, kernel_vhost_net_set_backend);
}

TEST(VhostAbi, StructuresAreTheKernels) {
  EXPECT_EQ(sizeof(VringState), kernel_vhost_sizeof_vring_state);
  EXPECT_EQ(sizeof(VringFile), kernel_vhost_sizeof_vring_file);
  EXPECT_EQ(sizeof(VringAddr), kernel_vhost_sizeof_vring_addr);
  EXPECT_EQ(kMemoryHeaderSize, kernel_vhost_sizeof_memory);
  EXPECT_EQ(sizeof(MemoryRegion), kernel_vhost_sizeof_memory_region);
  EXPECT_EQ(offsetof(MemoryTable, regions), kernel_vhost_sizeof_memory);
  // struct vhost_vring_addr: index, flags, then desc, used, avail (in that order), log.
  EXPECT_EQ(offsetof(VringAddr, desc_user_addr), 8u);
  EXPECT_EQ(offsetof(VringAddr, used_user_addr), 16u);
  EXPECT_EQ(offsetof(VringAddr, avail_user_addr), 24u);
  EXPECT_EQ(kFeatureLogAll, kernel_vhost_f_log_all);
  EXPECT_EQ(kFeatureNetVirtioHdr, kernel_vhost_net_f_virtio_net_hdr);
}

TEST(KernelVhostNet, AMissingDeviceIsNamedWithAHint) {
  try {
    KernelVhostNet vhost("/nonexistent/vhost-net");
    FAIL() << "opened a device that does not exist";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "open /nonexistent/vhost-net: No such file or directory (is the vhost_net module loaded?)");
  }
}

}  // namespace
}  // namespace ppc::vmm
