#pragma once
// Test aid: runs a seccomp classic-BPF program (as libseccomp exports it) against one system
// call, the way the kernel would, so that unit tests check what a filter decides without
// loading it (loading needs a real kernel; the tests run under qemu-user).
#include <linux/filter.h>
#include <linux/seccomp.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <vector>

namespace ppc::vmm::testing {

// The filter's verdict (SECCOMP_RET_*, action bits only) for system call nr with args on
// this machine's architecture; throws on an instruction the simulator does not know.
inline uint32_t run_seccomp_bpf(const std::vector<uint8_t>& program, uint32_t arch, int nr,
                                std::array<uint64_t, 6> args = {}) {
  seccomp_data data{};
  data.nr = nr;
  data.arch = arch;
  for (size_t i = 0; i < 6; ++i) data.args[i] = args[i];
  uint8_t bytes[sizeof data];
  std::memcpy(bytes, &data, sizeof data);

  std::vector<sock_filter> insns(program.size() / sizeof(sock_filter));
  std::memcpy(insns.data(), program.data(), insns.size() * sizeof(sock_filter));
  uint32_t a = 0, x = 0;
  uint32_t mem[BPF_MEMWORDS] = {};
  for (size_t pc = 0; pc < insns.size(); ++pc) {
    const sock_filter& in = insns[pc];
    auto jump = [&](bool taken) { pc += taken ? in.jt : in.jf; };
    switch (in.code) {
      case BPF_LD | BPF_W | BPF_ABS:
        if (in.k + 4 > sizeof bytes) throw std::runtime_error("load outside seccomp_data");
        std::memcpy(&a, bytes + in.k, 4);
        break;
      case BPF_LD | BPF_IMM: a = in.k; break;
      case BPF_LDX | BPF_IMM: x = in.k; break;
      case BPF_LD | BPF_MEM: a = mem[in.k % BPF_MEMWORDS]; break;
      case BPF_LDX | BPF_MEM: x = mem[in.k % BPF_MEMWORDS]; break;
      case BPF_ST: mem[in.k % BPF_MEMWORDS] = a; break;
      case BPF_STX: mem[in.k % BPF_MEMWORDS] = x; break;
      case BPF_ALU | BPF_AND | BPF_K: a &= in.k; break;
      case BPF_ALU | BPF_OR | BPF_K: a |= in.k; break;
      case BPF_MISC | BPF_TAX: x = a; break;
      case BPF_MISC | BPF_TXA: a = x; break;
      case BPF_JMP | BPF_JA: pc += in.k; break;
      case BPF_JMP | BPF_JEQ | BPF_K: jump(a == in.k); break;
      case BPF_JMP | BPF_JGT | BPF_K: jump(a > in.k); break;
      case BPF_JMP | BPF_JGE | BPF_K: jump(a >= in.k); break;
      case BPF_JMP | BPF_JSET | BPF_K: jump((a & in.k) != 0); break;
      case BPF_JMP | BPF_JEQ | BPF_X: jump(a == x); break;
      case BPF_RET | BPF_K: return in.k;  // the action with its data (an errno)
      case BPF_RET | BPF_A: return a;
      default: throw std::runtime_error("unknown BPF instruction " + std::to_string(in.code));
    }
  }
  throw std::runtime_error("BPF program fell off its end");
}

}  // namespace ppc::vmm::testing
