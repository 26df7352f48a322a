#include "pseries/layout.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>

#include "config_error.h"

namespace ppc::vmm {
namespace {

constexpr uint64_t KiB = 1024;
constexpr uint64_t MiB = 1024 * KiB;
constexpr uint64_t GiB = 1024 * MiB;

// The ConfigError message plan_boot_layout throws; "<no throw>" when it does not.
std::string layout_error(uint64_t ram, uint64_t kernel_end, uint64_t initrd, uint64_t fdt) {
  try {
    plan_boot_layout(ram, kernel_end, initrd, fdt);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "<no throw>";
}

TEST(BootLayout, PlacesInitrdAfterKernelAndFdtBelowRtasAtTopOfRam) {
  const BootLayout l = plan_boot_layout(256 * MiB, 0x1234567, 4 * MiB, 8 * KiB);
  EXPECT_EQ(l.initrd_gpa, 0x1240000u);  // kernel end rounded up to 64 KiB
  EXPECT_EQ(l.rtas_gpa, 256 * MiB - 64 * KiB);
  EXPECT_EQ(l.fdt_gpa % (64 * KiB), 0u);
  EXPECT_LT(l.fdt_gpa, l.rtas_gpa);
  EXPECT_LE(l.fdt_gpa + 8 * KiB, l.rtas_gpa);
  EXPECT_LE(l.initrd_gpa + 4 * MiB, l.fdt_gpa);
  // The tightest 64 KiB-aligned spot below RTAS.
  EXPECT_EQ(l.fdt_gpa, 256 * MiB - 128 * KiB);
}

TEST(BootLayout, AlignedKernelEndIsNotRoundedFurther) {
  const BootLayout l = plan_boot_layout(256 * MiB, 0x1240000, 4 * MiB, 8 * KiB);
  EXPECT_EQ(l.initrd_gpa, 0x1240000u);
}

TEST(BootLayout, FdtLargerThanOneBlockStaysBelowRtas) {
  const BootLayout l = plan_boot_layout(256 * MiB, 0x1234567, 4 * MiB, 100 * KiB);
  EXPECT_EQ(l.fdt_gpa % (64 * KiB), 0u);
  EXPECT_LE(l.fdt_gpa + 100 * KiB, l.rtas_gpa);
  EXPECT_EQ(l.fdt_gpa, 256 * MiB - 64 * KiB - 128 * KiB);
}

TEST(BootLayout, LargeRamKeepsEverythingInTheRealModeArea) {
  const BootLayout l = plan_boot_layout(4 * GiB, 0x1234567, 4 * MiB, 8 * KiB);
  EXPECT_EQ(l.rtas_gpa, 1 * GiB - 64 * KiB);
  EXPECT_LT(l.fdt_gpa, 1 * GiB);
  EXPECT_LE(l.fdt_gpa + 8 * KiB, l.rtas_gpa);
  EXPECT_LE(l.rtas_gpa + kRtasArea, 1 * GiB);
  EXPECT_EQ(l.initrd_gpa, 0x1240000u);
  EXPECT_LE(l.initrd_gpa + 4 * MiB, l.fdt_gpa);
}

TEST(BootLayout, InitrdThatDoesNotFitIsTooSmall) {
  const std::string msg = layout_error(16 * MiB, 1 * MiB, 15 * MiB, 8 * KiB);
  EXPECT_NE(msg.find("too small"), std::string::npos) << msg;
}

TEST(BootLayout, InitrdThatExactlyFillsTheGapFits) {
  // Kernel to 1 MiB; the fdt block starts at 16 MiB - 128 KiB.
  const BootLayout l = plan_boot_layout(16 * MiB, 1 * MiB, 15 * MiB - 128 * KiB, 8 * KiB);
  EXPECT_EQ(l.initrd_gpa + 15 * MiB - 128 * KiB, l.fdt_gpa);
  const std::string msg = layout_error(16 * MiB, 1 * MiB, 15 * MiB - 128 * KiB + 1, 8 * KiB);
  EXPECT_NE(msg.find("too small"), std::string::npos) << msg;
}

TEST(BootLayout, KernelEndBeyondRamThrows) {
  const std::string msg = layout_error(256 * MiB, 512 * MiB, 0, 8 * KiB);
  EXPECT_NE(msg.find("too small"), std::string::npos) << msg;
  EXPECT_NE(layout_error(256 * MiB, UINT64_MAX, 0, 8 * KiB), "<no throw>");
}

TEST(BootLayout, KernelOverlappingFdtThrows) {
  // Kernel ends inside the fdt block.
  EXPECT_NE(layout_error(256 * MiB, 256 * MiB - 100 * KiB, 0, 8 * KiB).find("too small"), std::string::npos);
}

TEST(BootLayout, RamSmallerThanRtasAndFdtThrows) {
  EXPECT_NE(layout_error(64 * KiB, 0, 0, 8 * KiB).find("too small"), std::string::npos);
  EXPECT_NE(layout_error(128 * KiB, 0, 0, 8 * KiB).find("too small"), std::string::npos);
}

TEST(BootLayout, HugeFdtSizeThrowsInsteadOfWrapping) {
  // plan_boot_layout's contract: ConfigError when things do not fit. A device tree size near
  // 2^64 must not wrap the "top < rtas + fdt + align" check.
  const std::string msg = layout_error(256 * MiB, 0x1234567, 4 * MiB, UINT64_MAX - 64 * KiB);
  EXPECT_NE(msg.find("too small"), std::string::npos) << msg;
}

}  // namespace
}  // namespace ppc::vmm
