#pragma once
// The input the archive tests build from: one of every file type the builder handles, with
// unusual modes, owners (when root), byte-order traps in names, and known mtimes.
#include <string>

namespace ppc::rootfs::test {

// Fills `root` (an existing empty directory). Identical calls on different directories make
// trees that differ only in host inode numbers.
void make_sample_tree(const std::string& root);

// What make_sample_tree creates that the archive must skip.
inline constexpr const char* kSocketName = "sock";

// A stand-in agent binary (its content is all that matters), mode 0700.
void make_agent(const std::string& path);

inline constexpr unsigned kBigFileSize = 1536 * 1024 + 3;  // > 1 MiB, not a multiple of 4

}  // namespace ppc::rootfs::test
