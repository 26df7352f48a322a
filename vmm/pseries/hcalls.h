#pragma once
// The hypercalls KVM leaves to the VMM, each registered on the machine's HcallTable by the
// part that implements it. Everything else a guest needs (hash-table updates, XICS, H_CEDE)
// stays in the kernel.
#include <cstdint>
#include <functional>
#include <optional>
#include <span>

#include "pseries/hcall_table.h"

namespace ppc::vmm {

class Console;
class GuestMemory;
class Rtas;

// H_PUT_TERM_CHAR and H_GET_TERM_CHAR on the hvterm console (vterm 0 or kVtermNo).
void add_console_hcalls(HcallTable& table, Console& console);

// H_SET_MODE: little-endian exceptions (LPCR[ILE]) and, on KVM-HV, relocation-on exceptions
// (LPCR[AIL]). update_lpcr(mask, value) sets those LPCR bits on every vCPU and returns the
// hypercall status.
using LpcrUpdate = std::function<int64_t(uint64_t mask, uint64_t value)>;
void add_set_mode_hcall(HcallTable& table, LpcrUpdate update_lpcr, bool hv);

// H_GET_CPU_CHARACTERISTICS: the host's answer (KVM_PPC_GET_CPU_CHAR), only the bits its
// kernel knows. Without an answer a guest assumes every mitigation is needed and flushes its
// L1 cache in software on each kernel entry, exit and user access; with it, it does what the
// hardware needs, as under QEMU (say the ori30 or mttrig flush on POWER9). Not added when the
// host knows nothing: the guest then gets H_FUNCTION and assumes the worst.
struct CpuCharacteristics {
  uint64_t character = 0, behaviour = 0;
};
void add_cpu_characteristics_hcall(HcallTable& table, CpuCharacteristics host);
// What the guest is told from KVM_PPC_GET_CPU_CHAR's answer: the bits the host kernel knows
// (known: its masks); nullopt when it knows none.
std::optional<CpuCharacteristics> guest_cpu_characteristics(CpuCharacteristics host, CpuCharacteristics known);

// H_RANDOM from the host's getrandom().
void add_random_hcall(HcallTable& table);

// H_READ on the hash page table the VMM owns (KVM-PR keeps H_ENTER and friends in the kernel
// but leaves H_READ to us): big-endian 16-byte entries, in VMM memory that outlives the table.
void add_hash_read_hcall(HcallTable& table, std::span<const uint8_t> hash_table);

// H_REGISTER_PROC_TBL for radix guests: the table must be a new radix table, naturally
// aligned inside guest RAM; configure(mmu_flags, process_table) hands it to KVM
// (KVM_PPC_CONFIGURE_V3_MMU).
using ProcessTableConfigure = std::function<void(uint64_t mmu_flags, uint64_t process_table)>;
void add_process_table_hcall(HcallTable& table, const GuestMemory& mem, ProcessTableConfigure configure);

// H_RTAS, the private hypercall of our RTAS blob: r4 is the argument block's address.
void add_rtas_hcall(HcallTable& table, Rtas& rtas);

}  // namespace ppc::vmm
