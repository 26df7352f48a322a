#pragma once
// The hypercalls KVM leaves to the VMM. Everything else a guest needs (hash-table updates,
// XICS, H_CEDE) stays in the kernel.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace ppc::vmm {

// What the hypercalls reach in the machine. Implemented by the machine.
class HcallHost {
 public:
  virtual ~HcallHost() = default;
  virtual void console_write(std::string_view text) = 0;
  virtual size_t console_read(char* buf, size_t max) = 0;
  // Sets LPCR bits (mask/value) on every vCPU; returns a hypercall status.
  virtual int64_t update_lpcr(uint64_t mask, uint64_t value) = 0;
  virtual bool is_radix() const = 0;
  virtual bool is_hv() const = 0;
  virtual int64_t register_process_table(uint64_t flags, uint64_t base, uint64_t size_field) = 0;
  virtual int64_t rtas(unsigned cpu, uint64_t args_gpa) = 0;
  // The hash page table the VMM owns (KVM-PR), big-endian 16-byte entries; empty otherwise.
  virtual std::span<const uint8_t> owned_hash_table() const = 0;
};

// Handles hypercall nr from vCPU cpu. args are r4..r12 on entry and become r4..r12 on return
// (KVM copies them back); the result is r3.
int64_t handle_hcall(HcallHost& host, unsigned cpu, uint64_t nr, uint64_t (&args)[9]);

}  // namespace ppc::vmm
