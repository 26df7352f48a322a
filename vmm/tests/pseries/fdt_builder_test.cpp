#include "pseries/fdt_builder.h"

#include <gtest/gtest.h>
#include <libfdt.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/error.h"

namespace ppc::vmm {
namespace {

constexpr uint64_t kRam = 256ull << 20;
constexpr uint64_t kInitrdStart = 0x1240000;
constexpr uint64_t kInitrdSize = 4ull << 20;
constexpr uint64_t kRtasBase = kRam - 0x10000;
constexpr uint32_t kRtasSize = 20;
constexpr uint32_t kPvr = 0x004e1202;
constexpr uint32_t kTimebase = 512000000;

FdtInputs sample_inputs(bool radix) {
  FdtInputs in;
  in.ram_size = kRam;
  in.vcpus = 3;
  in.cpu.pvr = kPvr;
  in.cpu.timebase_hz = kTimebase;
  in.cpu.slb_size = 32;
  in.cpu.segment_page_sizes = {12, 0, 1, 12, 0, 16, 0x110, 1, 16, 1};
  in.radix = radix;
  in.hpt_order = 24;
  in.bootargs = "console=hvc0 panic=-1 quiet";
  in.initrd_start = kInitrdStart;
  in.initrd_size = kInitrdSize;
  in.rtas_base = kRtasBase;
  in.rtas_size = kRtasSize;
  in.rtas_tokens = {{"display-character", 0x2000}, {"get-time-of-day", 0x2001}, {"ibm,os-term", 0x2008}};
  return in;
}

// A built tree plus lookups that fail the test (not crash) when something is missing.
class Tree {
 public:
  explicit Tree(std::vector<uint8_t> blob) : blob_(std::move(blob)) {}

  const void* fdt() const { return blob_.data(); }
  size_t size() const { return blob_.size(); }

  int node(const char* path) const { return fdt_path_offset(fdt(), path); }

  // The property's bytes; nullopt when the node or property does not exist.
  std::optional<std::vector<uint8_t>> prop(const char* path, const char* name) const {
    const int off = node(path);
    if (off < 0) return std::nullopt;
    int len = 0;
    const auto* data = static_cast<const uint8_t*>(fdt_getprop(fdt(), off, name, &len));
    if (!data) return std::nullopt;
    return std::vector<uint8_t>(data, data + len);
  }

  bool has(const char* path, const char* name) const { return prop(path, name).has_value(); }

  // A string property without its terminating NUL; "<missing>" when absent.
  std::string str(const char* path, const char* name) const {
    const auto p = prop(path, name);
    if (!p || p->empty() || p->back() != '\0') return "<missing>";
    return std::string(p->begin(), p->end() - 1);
  }

  std::vector<uint32_t> cells(const char* path, const char* name) const {
    std::vector<uint32_t> out;
    const auto p = prop(path, name);
    if (!p) return out;
    EXPECT_EQ(p->size() % 4, 0u) << path << " " << name;
    for (size_t i = 0; i + 4 <= p->size(); i += 4) {
      fdt32_t be;
      std::memcpy(&be, p->data() + i, 4);
      out.push_back(fdt32_to_cpu(be));
    }
    return out;
  }

  std::vector<uint64_t> u64s(const char* path, const char* name) const {
    std::vector<uint64_t> out;
    const auto p = prop(path, name);
    if (!p) return out;
    EXPECT_EQ(p->size() % 8, 0u) << path << " " << name;
    for (size_t i = 0; i + 8 <= p->size(); i += 8) {
      fdt64_t be;
      std::memcpy(&be, p->data() + i, 8);
      out.push_back(fdt64_to_cpu(be));
    }
    return out;
  }

  // The NUL-separated strings of a string-list property.
  std::vector<std::string> strings(const char* path, const char* name) const {
    std::vector<std::string> out;
    const auto p = prop(path, name);
    if (!p) return out;
    std::string cur;
    for (uint8_t b : *p) {
      if (b == 0) {
        out.push_back(cur);
        cur.clear();
      } else {
        cur.push_back(static_cast<char>(b));
      }
    }
    EXPECT_TRUE(cur.empty()) << name << " does not end in NUL";
    return out;
  }

 private:
  std::vector<uint8_t> blob_;
};

Tree build(const FdtInputs& in) {
  Tree t(build_fdt(in));
  EXPECT_EQ(fdt_check_header(t.fdt()), 0);
  EXPECT_EQ(fdt_totalsize(t.fdt()), t.size());
  return t;
}

std::string cpu_path(unsigned id) { return "/cpus/PowerPC,POWER@" + std::to_string(id); }

TEST(FdtBuilder, HeaderIsValidAndSizedToTheTree) {
  const auto blob = build_fdt(sample_inputs(false));
  ASSERT_GE(blob.size(), 40u);
  EXPECT_EQ(fdt_check_header(blob.data()), 0);
  EXPECT_EQ(fdt_magic(blob.data()), FDT_MAGIC);
  EXPECT_EQ(fdt_totalsize(blob.data()), blob.size());
}

TEST(FdtBuilder, RootIsChrpWithTwoCellAddressesAndSizes) {
  const Tree t = build(sample_inputs(false));
  EXPECT_EQ(t.str("/", "device_type"), "chrp");
  EXPECT_EQ(t.cells("/", "#address-cells"), std::vector<uint32_t>{2});
  EXPECT_EQ(t.cells("/", "#size-cells"), std::vector<uint32_t>{2});
}

TEST(FdtBuilder, ChosenHoldsBootargsInitrdAndStdoutPath) {
  const Tree t = build(sample_inputs(false));
  EXPECT_EQ(t.str("/chosen", "bootargs"), "console=hvc0 panic=-1 quiet");
  EXPECT_EQ(t.u64s("/chosen", "linux,initrd-start"), std::vector<uint64_t>{kInitrdStart});
  EXPECT_EQ(t.u64s("/chosen", "linux,initrd-end"), std::vector<uint64_t>{kInitrdStart + kInitrdSize});
  EXPECT_EQ(t.str("/chosen", "linux,stdout-path"), "/vdevice/vty@30000000");
  EXPECT_EQ(t.str("/chosen", "stdout-path"), "/vdevice/vty@30000000");
  // The stdout path resolves to a real node.
  EXPECT_GE(t.node("/vdevice/vty@30000000"), 0);
}

TEST(FdtBuilder, InitrdPropertiesAreOmittedWithoutAnInitrd) {
  FdtInputs in = sample_inputs(false);
  in.initrd_size = 0;
  const Tree t = build(in);
  EXPECT_FALSE(t.has("/chosen", "linux,initrd-start"));
  EXPECT_FALSE(t.has("/chosen", "linux,initrd-end"));
  EXPECT_EQ(t.str("/chosen", "bootargs"), "console=hvc0 panic=-1 quiet");
}

TEST(FdtBuilder, ArchitectureVec5SelectsRadixAndGtseOnlyForRadix) {
  const Tree radix = build(sample_inputs(true));
  const auto vec5 = radix.prop("/chosen", "ibm,architecture-vec-5");
  ASSERT_TRUE(vec5.has_value());
  ASSERT_GE(vec5->size(), 27u);
  EXPECT_EQ((*vec5)[24], 0x40);
  EXPECT_EQ((*vec5)[26], 0x40);
  EXPECT_EQ((*vec5)[23], 0x00);  // XIVE not offered: XICS

  const Tree hash = build(sample_inputs(false));
  EXPECT_FALSE(hash.has("/chosen", "ibm,architecture-vec-5"));
}

TEST(FdtBuilder, MemoryNodeCoversAllRam) {
  const Tree t = build(sample_inputs(false));
  EXPECT_EQ(t.str("/memory@0", "device_type"), "memory");
  EXPECT_EQ(t.u64s("/memory@0", "reg"), (std::vector<uint64_t>{0, kRam}));
}

TEST(FdtBuilder, OneCpuNodePerVcpuWithItsIdAndPvr) {
  const Tree t = build(sample_inputs(false));
  EXPECT_EQ(t.cells("/cpus", "#address-cells"), std::vector<uint32_t>{1});
  EXPECT_EQ(t.cells("/cpus", "#size-cells"), std::vector<uint32_t>{0});
  for (unsigned id = 0; id < 3; ++id) {
    SCOPED_TRACE(id);
    const std::string path = cpu_path(id);
    ASSERT_GE(t.node(path.c_str()), 0) << path;
    EXPECT_EQ(t.str(path.c_str(), "device_type"), "cpu");
    EXPECT_EQ(t.cells(path.c_str(), "reg"), std::vector<uint32_t>{id});
    EXPECT_EQ(t.cells(path.c_str(), "cpu-version"), std::vector<uint32_t>{kPvr});
    EXPECT_EQ(t.cells(path.c_str(), "timebase-frequency"), std::vector<uint32_t>{kTimebase});
    EXPECT_EQ(t.cells(path.c_str(), "ibm,ppc-interrupt-server#s"), std::vector<uint32_t>{id});
    EXPECT_EQ(t.cells(path.c_str(), "ibm,slb-size"), std::vector<uint32_t>{32});
  }
  EXPECT_LT(t.node(cpu_path(3).c_str()), 0) << "a fourth CPU node for three vCPUs";

  // Exactly three children under /cpus.
  const int cpus = t.node("/cpus");
  ASSERT_GE(cpus, 0);
  int children = 0;
  int child;
  fdt_for_each_subnode(child, t.fdt(), cpus) ++children;
  EXPECT_EQ(children, 3);
}

TEST(FdtBuilder, PftSizeOnlyForHashGuests) {
  const Tree hash = build(sample_inputs(false));
  EXPECT_EQ(hash.cells(cpu_path(0).c_str(), "ibm,pft-size"), (std::vector<uint32_t>{0, 24}));
  EXPECT_EQ(hash.cells(cpu_path(2).c_str(), "ibm,pft-size"), (std::vector<uint32_t>{0, 24}));

  const Tree radix = build(sample_inputs(true));
  EXPECT_FALSE(radix.has(cpu_path(0).c_str(), "ibm,pft-size"));
}

TEST(FdtBuilder, PidBitsOnlyForRadixGuestsAndSmallerThanPower9s) {
  const Tree radix = build(sample_inputs(true));
  for (const unsigned cpu : {0u, 2u}) {
    EXPECT_EQ(radix.cells(cpu_path(cpu).c_str(), "ibm,mmu-pid-bits"), (std::vector<uint32_t>{16})) << "cpu " << cpu;
  }
  EXPECT_FALSE(build(sample_inputs(false)).has(cpu_path(0).c_str(), "ibm,mmu-pid-bits"));
}

TEST(FdtBuilder, SegmentPageSizesAreCopiedCellForCell) {
  const FdtInputs in = sample_inputs(false);
  const Tree t = build(in);
  EXPECT_EQ(t.cells(cpu_path(1).c_str(), "ibm,segment-page-sizes"), in.cpu.segment_page_sizes);

  FdtInputs none = sample_inputs(false);
  none.cpu.segment_page_sizes.clear();
  none.cpu.slb_size = 0;
  const Tree t2 = build(none);
  EXPECT_FALSE(t2.has(cpu_path(0).c_str(), "ibm,segment-page-sizes"));
  EXPECT_FALSE(t2.has(cpu_path(0).c_str(), "ibm,slb-size"));
}

// 4K, 64K, 2M and 1G as KVM-HV reports them (AP << 29 | shift): a radix guest without this
// list maps its memory in 64K pages only.
TEST(FdtBuilder, RadixPageSizesOnlyForRadixGuests) {
  const std::vector<uint32_t> encodings{0x0000000c, 0xa0000010, 0x20000015, 0x4000001e};
  FdtInputs radix = sample_inputs(true);
  radix.cpu.radix_ap_encodings = encodings;
  const Tree t = build(radix);
  for (unsigned cpu = 0; cpu < radix.vcpus; ++cpu)
    EXPECT_EQ(t.cells(cpu_path(cpu).c_str(), "ibm,processor-radix-AP-encodings"), encodings) << "cpu " << cpu;

  FdtInputs hash = sample_inputs(false);
  hash.cpu.radix_ap_encodings = encodings;
  EXPECT_FALSE(build(hash).has(cpu_path(0).c_str(), "ibm,processor-radix-AP-encodings"));

  const Tree unknown = build(sample_inputs(true));
  EXPECT_FALSE(unknown.has(cpu_path(0).c_str(), "ibm,processor-radix-AP-encodings"));
}

// Linux sizes its L1D displacement flush by d-cache-size (64 KiB when the tree is silent).
TEST(FdtBuilder, L1CacheSizesOnlyWhenKnown) {
  FdtInputs known = sample_inputs(true);
  known.cpu.l1d_bytes = 32 * 1024;
  known.cpu.l1i_bytes = 48 * 1024;
  const Tree t = build(known);
  for (unsigned cpu = 0; cpu < known.vcpus; ++cpu) {
    EXPECT_EQ(t.cells(cpu_path(cpu).c_str(), "d-cache-size"), std::vector<uint32_t>{32 * 1024}) << "cpu " << cpu;
    EXPECT_EQ(t.cells(cpu_path(cpu).c_str(), "i-cache-size"), std::vector<uint32_t>{48 * 1024}) << "cpu " << cpu;
  }
  const Tree unknown = build(sample_inputs(true));
  EXPECT_FALSE(unknown.has(cpu_path(0).c_str(), "d-cache-size"));
  EXPECT_FALSE(unknown.has(cpu_path(0).c_str(), "i-cache-size"));
}

TEST(FdtBuilder, PaFeaturesRadixBitOnlyForRadix) {
  for (bool radix : {false, true}) {
    SCOPED_TRACE(radix ? "radix" : "hash");
    const Tree t = build(sample_inputs(radix));
    const auto pa = t.prop(cpu_path(0).c_str(), "ibm,pa-features");
    ASSERT_TRUE(pa.has_value());
    ASSERT_EQ(pa->size(), 44u);
    EXPECT_EQ((*pa)[0], 42);  // attribute bytes
    EXPECT_EQ((*pa)[1], 0);   // descriptor type 0
    // Attribute byte 40 sits after the 2-byte header; its top bit is radix.
    EXPECT_EQ((*pa)[2 + 40], radix ? 0x80 : 0x00);
  }
}

TEST(FdtBuilder, RtasNodeHasHypertasFunctionsTokensAndRange) {
  const FdtInputs in = sample_inputs(false);
  const Tree t = build(in);
  const auto functions = t.strings("/rtas", "ibm,hypertas-functions");
  EXPECT_NE(std::find(functions.begin(), functions.end(), "hcall-set-mode"), functions.end());
  EXPECT_NE(std::find(functions.begin(), functions.end(), "hcall-term"), functions.end());
  for (const auto& [name, token] : in.rtas_tokens) {
    EXPECT_EQ(t.cells("/rtas", name.c_str()), std::vector<uint32_t>{token}) << name;
  }
  EXPECT_EQ(t.cells("/rtas", "linux,rtas-base"), std::vector<uint32_t>{static_cast<uint32_t>(kRtasBase)});
  EXPECT_EQ(t.cells("/rtas", "linux,rtas-entry"), std::vector<uint32_t>{static_cast<uint32_t>(kRtasBase)});
  EXPECT_EQ(t.cells("/rtas", "rtas-size"), std::vector<uint32_t>{kRtasSize});
}

TEST(FdtBuilder, ReservationMapHoldsTheRtasRange) {
  const Tree t = build(sample_inputs(false));
  ASSERT_EQ(fdt_num_mem_rsv(t.fdt()), 1);
  uint64_t addr = 0, size = 0;
  ASSERT_EQ(fdt_get_mem_rsv(t.fdt(), 0, &addr, &size), 0);
  EXPECT_EQ(addr, kRtasBase);
  EXPECT_EQ(size, kRtasSize);
}

TEST(FdtBuilder, VtyIsAnHvterm1AtVtermNumber) {
  const Tree t = build(sample_inputs(false));
  EXPECT_EQ(t.str("/vdevice/vty@30000000", "compatible"), "hvterm1");
  EXPECT_EQ(t.str("/vdevice/vty@30000000", "device_type"), "serial");
  EXPECT_EQ(t.cells("/vdevice/vty@30000000", "reg"), std::vector<uint32_t>{0x30000000});
  EXPECT_EQ(t.cells("/vdevice", "#address-cells"), std::vector<uint32_t>{1});
  EXPECT_EQ(t.cells("/vdevice", "#size-cells"), std::vector<uint32_t>{0});
}

TEST(FdtBuilder, InterruptControllerIsXicpServingEveryVcpu) {
  const Tree t = build(sample_inputs(false));
  EXPECT_EQ(t.str("/interrupt-controller", "compatible"), "IBM,ppc-xicp");
  EXPECT_TRUE(t.has("/interrupt-controller", "interrupt-controller"));
  EXPECT_EQ(t.cells("/interrupt-controller", "ibm,interrupt-server-ranges"), (std::vector<uint32_t>{0, 3}));
}

TEST(FdtBuilder, VirtioMmioNodeNamesItsUsedBufferInterruptThenItsConfigInterrupt) {
  FdtInputs in = sample_inputs(false);
  in.virtio.push_back({0x10000000000ull, 0x200, 0x1000, 0x1001});
  in.virtio.push_back({0x10000001000ull, 0x200, 0x1002, 0x1003});
  const Tree t = build(in);
  const char* second = "/virtio_mmio@10000001000";
  EXPECT_EQ(t.str(second, "compatible"), "virtio,mmio");
  EXPECT_EQ(t.u64s(second, "reg"), (std::vector<uint64_t>{0x10000001000ull, 0x200}));
  // Edge sources (0): the guest's driver matches the names, not the order, to its handlers.
  EXPECT_EQ(t.cells(second, "interrupts"), (std::vector<uint32_t>{0x1002, 0, 0x1003, 0}));
  EXPECT_EQ(t.strings(second, "interrupt-names"), (std::vector<std::string>{"vring", "config"}));
  EXPECT_EQ(t.cells("/virtio_mmio@10000000000", "interrupts"), (std::vector<uint32_t>{0x1000, 0, 0x1001, 0}));
}

TEST(FdtBuilder, VirtioMmioNodeGivesItsNotifyWindowAsASecondRegEntry) {
  FdtInputs in = sample_inputs(false);
  in.virtio.push_back({0x10000000000ull, 0x200, 0x1000, 0x1001, 0x10000000200ull, 0x100});
  const Tree t = build(in);
  EXPECT_EQ(t.u64s("/virtio_mmio@10000000000", "reg"),
            (std::vector<uint64_t>{0x10000000000ull, 0x200, 0x10000000200ull, 0x100}));
}

TEST(FdtBuilder, SixtyFourVirtioDevicesStillBuild) {
  FdtInputs in = sample_inputs(false);
  for (uint32_t i = 0; i < 64; ++i)
    in.virtio.push_back({0x10000000000ull + 0x1000ull * i, 0x200, 0x1000 + 2 * i, 0x1001 + 2 * i,
                         0x10000000200ull + 0x1000ull * i, 0x100});
  const Tree t = build(in);
  EXPECT_EQ(t.cells("/virtio_mmio@1000003f000", "interrupts"), (std::vector<uint32_t>{0x107e, 0, 0x107f, 0}));
}

TEST(FdtBuilder, HypervisorNodeCarriesHcallInstructionsOnlyWhenGiven) {
  const Tree without = build(sample_inputs(false));
  EXPECT_EQ(without.str("/hypervisor", "compatible"), "linux,kvm");
  EXPECT_FALSE(without.has("/hypervisor", "hcall-instructions"));

  FdtInputs in = sample_inputs(false);
  in.hcall_instructions = std::array<uint32_t, 4>{0x3c000000, 0x60000000, 0x44000022, 0x60000000};
  const Tree with = build(in);
  EXPECT_EQ(with.str("/hypervisor", "compatible"), "linux,kvm");
  EXPECT_EQ(with.cells("/hypervisor", "hcall-instructions"),
            (std::vector<uint32_t>{0x3c000000, 0x60000000, 0x44000022, 0x60000000}));
}

TEST(FdtBuilder, ZeroVcpusIsAnError) {
  FdtInputs in = sample_inputs(false);
  in.vcpus = 0;
  EXPECT_THROW(build_fdt(in), Error);
}

TEST(FdtBuilder, LongBootargsStillBuild) {
  FdtInputs in = sample_inputs(false);
  in.bootargs = std::string(4000, 'x');
  const Tree t = build(in);
  EXPECT_EQ(t.str("/chosen", "bootargs"), std::string(4000, 'x'));
}

TEST(FdtBuilder, SixteenVcpusWithLargeSegmentPageSizesStillBuild) {
  FdtInputs in = sample_inputs(false);
  in.vcpus = 16;
  in.cpu.segment_page_sizes.assign(64, 7);
  const Tree t = build(in);
  EXPECT_GE(t.node(cpu_path(15).c_str()), 0);
  EXPECT_EQ(t.cells(cpu_path(15).c_str(), "ibm,segment-page-sizes").size(), 64u);
  EXPECT_EQ(t.cells("/interrupt-controller", "ibm,interrupt-server-ranges"), (std::vector<uint32_t>{0, 16}));
}

}  // namespace
}  // namespace ppc::vmm
