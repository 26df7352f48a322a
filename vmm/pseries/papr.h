#pragma once
// PAPR numbers the pSeries machine answers to (LoPAR; Linux arch/powerpc/include/asm/hvcall.h
// names the same values). Kept in one place so the FDT, hypercalls and RTAS agree.
#include <cstdint>

namespace ppc::vmm::papr {

// Hypercall return codes (r3).
constexpr int64_t kSuccess = 0;
constexpr int64_t kBusy = 1;
constexpr int64_t kHardware = -1;
constexpr int64_t kFunction = -2;
constexpr int64_t kPrivilege = -3;
constexpr int64_t kParameter = -4;
constexpr int64_t kP2 = -55;
constexpr int64_t kP3 = -56;
constexpr int64_t kP4 = -57;
constexpr int64_t kUnsupportedFlag = -256;

// Hypercall numbers (r3 at `sc 1`).
constexpr uint64_t kHRead = 0x0c;
constexpr uint64_t kHGetTermChar = 0x54;
constexpr uint64_t kHPutTermChar = 0x58;
constexpr uint64_t kHCede = 0xe0;
constexpr uint64_t kHRegisterVpa = 0xdc;
constexpr uint64_t kHGetCpuCharacteristics = 0x1c8;
constexpr uint64_t kHRandom = 0x300;
constexpr uint64_t kHSetMode = 0x31c;
constexpr uint64_t kHRegisterProcTbl = 0x37c;
constexpr uint64_t kHRtas = 0xf000;  // our RTAS blob's private hypercall

// H_READ: return four entries (a PTE group quarter) instead of one.
constexpr uint64_t kHRead4 = 1ull << (63 - 26);

// H_SET_MODE resources and H_REGISTER_PROC_TBL flags.
constexpr uint64_t kSetModeAddrTransMode = 3;
constexpr uint64_t kSetModeLittleEndian = 4;
constexpr uint64_t kProcTableNew = 0x18;
constexpr uint64_t kProcTableRadix = 0x04;
constexpr uint64_t kProcTableGtse = 0x01;

// The hvterm console's vterm number and reg in /vdevice.
constexpr uint32_t kVtermNo = 0x30000000;

// LPCR bits the guest changes through H_SET_MODE.
constexpr uint64_t kLpcrIle = 1ull << 25;
constexpr uint64_t kLpcrAilShift = 23;
constexpr uint64_t kLpcrAilMask = 3ull << kLpcrAilShift;

// MSR at entry: 64-bit, machine checks on, big-endian, real mode.
constexpr uint64_t kMsrSf = 1ull << 63;
constexpr uint64_t kMsrMe = 1ull << 12;

// RTAS status codes.
constexpr int32_t kRtasSuccess = 0;
constexpr int32_t kRtasHardwareError = -1;
constexpr int32_t kRtasParameterError = -3;

}  // namespace ppc::vmm::papr
