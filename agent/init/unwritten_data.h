#pragma once
// Whether the guest still holds file data its file systems have not handed on: what decides
// whether the power-off must sync().
#include <cstdint>
#include <optional>
#include <string_view>

namespace ppc::agent {

// The kB of dirty pages, of pages under writeback and of FUSE writes in flight (the "Dirty",
// "Writeback" and "WritebackTmp" lines) in a /proc/meminfo text; nullopt when one is missing
// or not a number.
std::optional<uint64_t> unwritten_kib(std::string_view meminfo);

// The same for this guest, after every CPU's pending counter updates are folded into the totals
// (/proc/sys/vm/stat_refresh), so that a page dirtied on another vCPU is counted; nullopt when
// either file cannot be used.
std::optional<uint64_t> guest_unwritten_kib();

}  // namespace ppc::agent
