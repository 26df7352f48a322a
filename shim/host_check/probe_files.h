#pragma once
// Reading the small files the host checks look at, without throwing: a file that cannot be
// read is a finding to report, not an error.
#include <optional>
#include <string>

namespace ppc::shim {

// The file's content, at most 1 MiB (/proc files report no size); nullopt if it cannot be read.
std::optional<std::string> read_small_file(const std::string& path);

// The value of the first "<key>:" line (leading blanks of the value dropped), as in
// /proc/cpuinfo's "MMU\t\t: Radix" or /proc/self/status's "Seccomp:\t0".
std::optional<std::string> key_value(const std::string& text, const std::string& key);

bool path_exists(const std::string& path);          // lstat: a dangling link counts
bool is_character_device(const std::string& path);  // stat: a link to one counts

// strerror of errno now, for a detail line.
std::string errno_text();

}  // namespace ppc::shim
