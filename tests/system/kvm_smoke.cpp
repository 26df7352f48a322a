// KVM smoke test, run inside the rig's L1 host: creates a VM of the requested flavour, runs
// a few big-endian guest instructions in real mode that write "KVM!\n" through the PAPR
// hypercall H_PUT_TERM_CHAR, and checks that each hypercall reached this program
// (KVM_EXIT_PAPR_HCALL with the expected number and arguments) and that the guest saw our
// return value: the first call is answered H_BUSY, and the guest must retry it.
//
//   kvm_smoke [--type auto|hv|pr] [--timeout SECONDS] [--no-hcall]
//
// --no-hcall replaces the `sc 1` with a nop: a broken guest that never calls, which must
// make this program fail (the rig's negative control).
#include <linux/kvm.h>
#include <signal.h>
#include <unistd.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>

#include "base/error.h"
#include "base/hex.h"
#include "kvm/exit_reason.h"
#include "kvm/kvm_system.h"
#include "kvm/vm.h"
#include "memory/guest_memory.h"

namespace ppc::vmm {
namespace {

constexpr uint64_t kHPutTermChar = 0x58;
constexpr uint64_t kHSuccess = 0;
constexpr uint64_t kHBusy = 1;
constexpr uint64_t kMsrSf = 1ull << 63;  // 64-bit mode
constexpr uint64_t kMsrMe = 1ull << 12;  // machine checks enabled
constexpr uint32_t kNop = 0x60000000;
constexpr size_t kScIndex = 6;

// Assembled with powerpc64le-linux-gnu-as -a64 -mbig; loaded at guest physical 0.
constexpr std::array<uint32_t, 16> kGuestCode = {
    0x38600058,  // 00 retry: li r3,H_PUT_TERM_CHAR
    0x38800000,  // 04 li r4,0            vtermno
    0x38a00004,  // 08 li r5,4            length
    0x3cc04b56,  // 0c lis r6,0x4b56      "KV"
    0x60c64d21,  // 10 ori r6,r6,0x4d21   "M!"
    0x78c607c6,  // 14 sldi r6,r6,32      characters are taken from the high bytes
    0x44000022,  // 18 sc 1
    0x2c230000,  // 1c cmpdi r3,0
    0x4082ffe0,  // 20 bne retry          H_BUSY: try again
    0x38600058,  // 24 li r3,H_PUT_TERM_CHAR
    0x38800000,  // 28 li r4,0
    0x38a00001,  // 2c li r5,1
    0x3cc00a00,  // 30 lis r6,0x0a00      "\n"
    0x78c607c6,  // 34 sldi r6,r6,32
    0x44000022,  // 38 sc 1
    0x48000000,  // 3c b .
};

struct Options {
  VmType type = VmType::Auto;
  unsigned timeout_s = 20;
  bool no_hcall = false;
};

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    auto value = [&]() -> std::string_view {
      if (i + 1 >= argc) throw Error(std::string(arg) + " needs a value");
      return argv[++i];
    };
    if (arg == "--type") {
      const auto v = value();
      const auto t = parse_vm_type(v);
      if (!t) throw Error("--type: unknown VM type '" + std::string(v) + "' (auto, hv, pr)");
      o.type = *t;
    } else if (arg == "--timeout") {
      o.timeout_s = static_cast<unsigned>(std::stoul(std::string(value())));
    } else if (arg == "--no-hcall") {
      o.no_hcall = true;
    } else {
      throw Error("unknown argument '" + std::string(arg) + "'");
    }
  }
  return o;
}

void on_alarm(int) {}  // only there to make KVM_RUN return EINTR

uint32_t host_pvr() {
#if defined(__powerpc64__)
  uint64_t pvr;
  asm volatile("mfpvr %0" : "=r"(pvr));
  return static_cast<uint32_t>(pvr);
#else
  return 0;
#endif
}

// The flavour KVM really gave us: PVINFO answers only on KVM-PR, radix only on KVM-HV.
std::string flavour(const Vm& vm) {
  if (vm.check_extension(KVM_CAP_PPC_GET_PVINFO)) return "KVM-PR";
  return "KVM-HV";
}

std::string term_chars(const kvm_run& run) {
  const uint64_t len = run.papr_hcall.args[1];
  std::string text;
  for (uint64_t i = 0; i < len && i < 16; ++i) {
    const uint64_t word = run.papr_hcall.args[2 + i / 8];
    text += static_cast<char>((word >> (56 - 8 * (i % 8))) & 0xff);
  }
  return text;
}

int smoke(const Options& o) {
  const KvmSystem kvm = KvmSystem::open();
  std::printf("kvm_smoke: /dev/kvm open; PPC_PAPR=%d IRQ_XICS=%d MAX_VCPUS=%d\n", kvm.check_extension(KVM_CAP_PPC_PAPR),
              kvm.check_extension(KVM_CAP_IRQ_XICS), kvm.check_extension(KVM_CAP_MAX_VCPUS));
  Vm vm = Vm::create(kvm, o.type);
  const std::string got = flavour(vm);
  std::printf("kvm_smoke: VM created with type %s: %s\n", std::string(vm_type_name(o.type)).c_str(), got.c_str());

  const GuestMemory mem(16 << 20);
  for (size_t i = 0; i < kGuestCode.size(); ++i)
    mem.store_be32(4 * i, (o.no_hcall && i == kScIndex) ? kNop : kGuestCode[i]);
  vm.set_memory_region(0, 0, mem.host_base(), mem.size());

  Vcpu vcpu = vm.create_vcpu(kvm, 0);
  // PAPR mode: `sc 1` is a hypercall to us, not a trap into the guest. KVM-HV refuses to run
  // a vCPU without it (EINVAL from KVM_RUN).
  vcpu.enable_cap(KVM_CAP_PPC_PAPR);
  if (got == "KVM-PR") {
    vcpu.set_one_reg(KVM_REG_PPC_HIOR, 0);       // KVM-PR's default 0xfff00000 is unbacked
    kvm_sregs sregs = vcpu.get_sregs();
    sregs.pvr = host_pvr();                      // else KVM-PR pretends to be a PPC970
    vcpu.set_sregs(sregs);
  }
  kvm_regs regs = vcpu.get_regs();
  regs.pc = 0;
  regs.msr = kMsrSf | kMsrMe;
  vcpu.set_regs(regs);

  struct sigaction sa {};
  sa.sa_handler = on_alarm;  // no SA_RESTART: the alarm interrupts KVM_RUN
  sigaction(SIGALRM, &sa, nullptr);
  alarm(o.timeout_s);

  const std::array<std::string, 3> expected_text = {"KVM!", "KVM!", "\n"};
  const std::array<uint64_t, 3> answers = {kHBusy, kHSuccess, kHSuccess};
  std::string said;
  for (size_t call = 0; call < answers.size(); ++call) {
    if (!vcpu.run()) {
      const kvm_regs now = vcpu.get_regs();
      throw Error("no hypercall " + std::to_string(call + 1) + " within " + std::to_string(o.timeout_s) +
                  " s (guest pc " + hex(now.pc) + ", r3 " + hex(now.gpr[3]) + ")");
    }
    kvm_run& run = vcpu.run_area();
    if (run.exit_reason != KVM_EXIT_PAPR_HCALL)
      throw Error("exit " + std::to_string(call + 1) + " was " + exit_reason_name(run.exit_reason) +
                  ", expected PAPR_HCALL");
    if (run.papr_hcall.nr != kHPutTermChar || run.papr_hcall.args[0] != 0)
      throw Error("hypercall " + hex(run.papr_hcall.nr) + " vtermno " + hex(run.papr_hcall.args[0]) +
                  ", expected H_PUT_TERM_CHAR on vterm 0");
    const std::string text = term_chars(run);
    if (text != expected_text[call])
      throw Error("hypercall " + std::to_string(call + 1) + " wrote '" + text + "', expected '" + expected_text[call] + "'");
    if (answers[call] == kHSuccess) said += text;
    run.papr_hcall.ret = answers[call];
  }
  alarm(0);
  std::printf("kvm_smoke: PASS: %s guest made 3 hypercalls H_PUT_TERM_CHAR, retried after H_BUSY, and wrote: %s",
              got.c_str(), said.c_str());
  return 0;
}

}  // namespace
}  // namespace ppc::vmm

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // keep stdout and stderr in order on the console
  try {
    return ppc::vmm::smoke(ppc::vmm::parse(argc, argv));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "kvm_smoke: FAIL: %s\n", e.what());
    return 1;
  }
}
