#pragma once
// Resource limits the jailed VMM runs under: --rlimit NAME=VALUE on top of the defaults.
#include <cstdint>
#include <string_view>
#include <vector>

#include "sandbox/sandbox_config.h"

namespace ppc::vmm {

// "nofile=1024", "fsize=1073741824", "core=0", "nproc=64", "memlock=unlimited". Names: core,
// fsize, nofile (or no-file, as Firecracker's jailer spells it), nproc, memlock, as.
// Throws ConfigError naming the bad part.
RlimitSetting parse_rlimit(std::string_view text);

// The jail's defaults (core 0: a crash never writes guest memory to disk; nofile 4096; fsize
// file_size_limit: the console file and the log live in /run, host RAM, and their own bounds
// are not the last line), each replaced by a setting for the same resource in `extra`.
std::vector<RlimitSetting> jail_rlimits(const std::vector<RlimitSetting>& extra, uint64_t file_size_limit);

// setrlimit() for each, soft and hard limit alike. Throws Error naming the resource.
void apply_rlimits(const std::vector<RlimitSetting>& limits);

}  // namespace ppc::vmm
