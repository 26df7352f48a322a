#include "pseries/fdt_builder.h"

#include <libfdt.h>

#include <cstdio>
#include <string>

#include "base/error.h"
#include "pseries/papr.h"

namespace ppc::vmm {
namespace {

// Sequential-write session over a growable buffer; every libfdt error names its step.
class Writer {
 public:
  explicit Writer(std::vector<uint8_t>& buf) : buf_(buf) { check(fdt_create(buf_.data(), static_cast<int>(buf_.size())), "create"); }

  void check(int rc, const std::string& what) const {
    if (rc < 0) throw Error("device tree: " + what + ": " + fdt_strerror(rc));
  }
  void reserve(uint64_t addr, uint64_t size) { check(fdt_add_reservemap_entry(fdt(), addr, size), "reserve"); }
  void end_reservations() { check(fdt_finish_reservemap(fdt()), "finish reservations"); }
  void begin(const std::string& name) { check(fdt_begin_node(fdt(), name.c_str()), "node " + name); }
  void end() { check(fdt_end_node(fdt()), "end node"); }
  void finish() { check(fdt_finish(fdt()), "finish"); }

  void prop(const char* name, const void* data, size_t len) {
    check(fdt_property(fdt(), name, data, static_cast<int>(len)), std::string("property ") + name);
  }
  void empty(const char* name) { prop(name, nullptr, 0); }
  void str(const char* name, const std::string& value) { prop(name, value.c_str(), value.size() + 1); }
  void cell(const char* name, uint32_t value) { check(fdt_property_u32(fdt(), name, value), std::string("property ") + name); }
  void cells(const char* name, const std::vector<uint32_t>& values) {
    std::vector<fdt32_t> be;
    for (uint32_t v : values) be.push_back(cpu_to_fdt32(v));
    prop(name, be.data(), be.size() * sizeof(fdt32_t));
  }
  void u64s(const char* name, const std::vector<uint64_t>& values) {
    std::vector<fdt64_t> be;
    for (uint64_t v : values) be.push_back(cpu_to_fdt64(v));
    prop(name, be.data(), be.size() * sizeof(fdt64_t));
  }
  void bytes(const char* name, const std::vector<uint8_t>& values) { prop(name, values.data(), values.size()); }
  // A list of NUL-terminated strings, as PAPR's string-list properties are.
  void strings(const char* name, const std::vector<std::string>& values) {
    std::string joined;
    for (const auto& v : values) joined.append(v).push_back('\0');
    prop(name, joined.data(), joined.size());
  }

 private:
  void* fdt() { return buf_.data(); }
  std::vector<uint8_t>& buf_;
};

// ibm,pa-features: Linux reads MMU/FPU/SLB/RUN/DABR/NX (byte 0), the PP and SPRG bits
// (byte 1), true little-endian (byte 5) and radix (byte 40). Type 0, length 42.
std::vector<uint8_t> pa_features(bool radix) {
  std::vector<uint8_t> p(2 + 42, 0);
  p[0] = 42;
  p[2 + 0] = 0xf6;
  p[2 + 1] = 0x1f;
  p[2 + 2] = 0xc7;
  p[2 + 3] = 0xc0;
  p[2 + 4] = 0x80;
  p[2 + 5] = 0xf0;
  if (radix) p[2 + 40] = 0x80;
  return p;
}

// /chosen/ibm,architecture-vec-5 as the client-architecture-support answer would leave it:
// byte 24 selects the MMU (0x40 radix only), byte 26 GTSE; XIVE (byte 23) stays 0: XICS.
std::vector<uint8_t> architecture_vec5() {
  std::vector<uint8_t> v(27, 0);
  v[24] = 0x40;
  v[26] = 0x40;
  return v;
}

void write_chosen(Writer& w, const FdtInputs& in) {
  w.begin("chosen");
  w.str("bootargs", in.bootargs);
  if (in.initrd_size) {
    w.u64s("linux,initrd-start", {in.initrd_start});
    w.u64s("linux,initrd-end", {in.initrd_start + in.initrd_size});
  }
  w.str("linux,stdout-path", "/vdevice/vty@30000000");
  w.str("stdout-path", "/vdevice/vty@30000000");
  if (in.radix) w.bytes("ibm,architecture-vec-5", architecture_vec5());
  w.end();
}

void write_memory(Writer& w, const FdtInputs& in) {
  w.begin("memory@0");
  w.str("device_type", "memory");
  w.u64s("reg", {0, in.ram_size});
  w.end();
}

// One core per vCPU, one thread per core: the interrupt server is the vCPU id.
void write_cpu(Writer& w, const FdtInputs& in, unsigned id) {
  w.begin("PowerPC,POWER@" + std::to_string(id));
  w.str("device_type", "cpu");
  w.cell("reg", id);
  w.cell("cpu-version", in.cpu.pvr);
  w.cell("timebase-frequency", in.cpu.timebase_hz);
  w.cell("clock-frequency", 1000000000);
  w.cell("d-cache-block-size", 128);
  w.cell("i-cache-block-size", 128);
  w.cell("d-cache-line-size", 128);
  w.cell("i-cache-line-size", 128);
  if (in.cpu.l1d_bytes) w.cell("d-cache-size", in.cpu.l1d_bytes);
  if (in.cpu.l1i_bytes) w.cell("i-cache-size", in.cpu.l1i_bytes);
  w.cells("ibm,ppc-interrupt-server#s", {id});
  w.cells("ibm,ppc-interrupt-gserver#s", {id, 0});
  w.bytes("ibm,pa-features", pa_features(in.radix));
  w.cell("ibm,vmx", 2);  // VMX and VSX
  w.cell("ibm,dfp", 1);
  if (in.cpu.slb_size) w.cell("ibm,slb-size", in.cpu.slb_size);
  if (!in.cpu.segment_page_sizes.empty()) w.cells("ibm,segment-page-sizes", in.cpu.segment_page_sizes);
  if (in.cpu.one_tb_segments) w.cells("ibm,processor-segment-sizes", {0x1c, 0x28, 0xffffffff, 0xffffffff});
  if (!in.radix) w.cells("ibm,pft-size", {0, in.hpt_order});
  if (in.radix && !in.cpu.radix_ap_encodings.empty())
    w.cells("ibm,processor-radix-AP-encodings", in.cpu.radix_ap_encodings);
  // Without it Linux takes POWER9's 20 PID bits and zeroes a 16 MiB process table at boot
  // (8 MiB on POWER9 DD2.0/2.1, which kernel/patches/guest/0003 also bounds by this value):
  // memory every guest touches for address spaces it will never have.
  if (in.radix) w.cell("ibm,mmu-pid-bits", kGuestPidBits);
  w.str("status", "okay");
  w.empty("64-bit");
  w.end();
}

void write_cpus(Writer& w, const FdtInputs& in) {
  w.begin("cpus");
  w.cell("#address-cells", 1);
  w.cell("#size-cells", 0);
  for (unsigned id = 0; id < in.vcpus; ++id) write_cpu(w, in, id);
  w.end();
}

// The XICS presentation controller; sources are reached through the RTAS xive calls.
void write_interrupt_controller(Writer& w, const FdtInputs& in) {
  w.begin("interrupt-controller");
  w.str("device_type", "PowerPC-External-Interrupt-Presentation");
  w.str("compatible", "IBM,ppc-xicp");
  w.empty("interrupt-controller");
  w.cells("ibm,interrupt-server-ranges", {0, in.vcpus});
  w.cell("#interrupt-cells", 2);
  w.cell("linux,phandle", 1);
  w.cell("phandle", 1);
  w.end();
}

void write_rtas(Writer& w, const FdtInputs& in) {
  w.begin("rtas");
  // Its presence makes Linux take the LPAR path; each name enables a firmware feature.
  w.strings("ibm,hypertas-functions",
            {"hcall-pft", "hcall-term", "hcall-dabr", "hcall-interrupt", "hcall-bulk", "hcall-set-mode"});
  w.cell("linux,rtas-base", static_cast<uint32_t>(in.rtas_base));
  w.cell("linux,rtas-entry", static_cast<uint32_t>(in.rtas_base));
  w.cell("rtas-size", in.rtas_size);
  w.cell("rtas-version", 1);
  for (const auto& [name, token] : in.rtas_tokens) w.cell(name.c_str(), token);
  w.end();
}

void write_vdevices(Writer& w) {
  w.begin("vdevice");
  w.cell("#address-cells", 1);
  w.cell("#size-cells", 0);
  w.str("device_type", "vdevice");
  w.str("compatible", "IBM,vdevice");
  w.begin("vty@30000000");
  w.str("name", "vty");
  w.str("device_type", "serial");
  w.str("compatible", "hvterm1");
  w.cell("reg", papr::kVtermNo);
  w.end();
  w.end();
  // H_RANDOM seeds the guest's arch random source (Linux pseries/rng.c looks for this).
  w.begin("ibm,random-v1");
  w.str("compatible", "ibm,random-v1");
  w.end();
}

// virtio-mmio devices; Linux's virtio_mmio driver probes them from these nodes.
void write_virtio_mmio(Writer& w, const VirtioMmioNode& dev) {
  char name[48];
  std::snprintf(name, sizeof name, "virtio_mmio@%llx", static_cast<unsigned long long>(dev.base));
  w.begin(name);
  w.str("compatible", "virtio,mmio");
  // A second entry: the notify window, one address per queue, which our guest's driver uses
  // (kernel/patches/guest/0005); another driver maps the first entry alone.
  if (dev.notify_size != 0) w.u64s("reg", {dev.base, dev.size, dev.notify_base, dev.notify_size});
  else w.u64s("reg", {dev.base, dev.size});
  // 0: edge (an irqfd pulses it). The names tell our guest's driver that the first interrupt
  // means used buffers only (kernel/patches/guest/0002); another driver uses the first alone.
  w.cells("interrupts", {dev.used_buffers_irq, 0, dev.config_irq, 0});
  w.strings("interrupt-names", {"vring", "config"});
  w.cell("interrupt-parent", 1);         // the XICS node's phandle
  w.empty("dma-coherent");
  w.end();
}

void write_hypervisor(Writer& w, const FdtInputs& in) {
  w.begin("hypervisor");
  w.str("compatible", "linux,kvm");
  if (in.hcall_instructions) w.cells("hcall-instructions", {in.hcall_instructions->begin(), in.hcall_instructions->end()});
  w.end();
}

void build(Writer& w, const FdtInputs& in) {
  w.reserve(in.rtas_base, in.rtas_size);
  w.end_reservations();
  w.begin("");
  w.str("device_type", "chrp");  // without it: "No suitable machine description found"
  w.str("model", "IBM pSeries (ppc-kvm-shim)");
  w.str("compatible", "qemu,pseries");
  w.cell("#address-cells", 2);
  w.cell("#size-cells", 2);
  write_chosen(w, in);
  write_memory(w, in);
  write_cpus(w, in);
  write_interrupt_controller(w, in);
  write_rtas(w, in);
  write_vdevices(w);
  for (const VirtioMmioNode& dev : in.virtio) write_virtio_mmio(w, dev);
  write_hypervisor(w, in);
  w.end();  // root
  w.finish();
}

}  // namespace

size_t fdt_size_bound(unsigned vcpus, size_t bootargs_size, size_t virtio_devices) {
  // Generous: a fixed part, each CPU node (with up to 64 page-size cells), the command line,
  // each virtio-mmio node.
  return 32 * 1024 + 2048 * size_t{vcpus} + bootargs_size + 256 * virtio_devices;
}

std::vector<uint8_t> build_fdt(const FdtInputs& in) {
  if (in.vcpus == 0) throw Error("device tree: no vCPUs");
  std::vector<uint8_t> buf(fdt_size_bound(in.vcpus, in.bootargs.size(), in.virtio.size()));
  Writer w(buf);
  build(w, in);
  buf.resize(fdt_totalsize(buf.data()));
  return buf;
}

}  // namespace ppc::vmm
