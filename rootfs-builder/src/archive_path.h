#pragma once
// Paths inside the archive: given by callers as absolute ("/rootfs", "/etc/hosts"),
// stored the way the kernel and GNU cpio expect names, relative ("rootfs", "etc/hosts").
#include <string>
#include <string_view>

namespace ppc::rootfs {

// "/a//b/" -> "a/b"; "/" -> "" when allow_root. Rejects relative paths and "." or ".."
// components, which would make a name mean something other than what it says.
std::string archive_name(std::string_view path, bool allow_root);

// "a/b/c" -> "a/b"; "a" -> "".
std::string_view parent_name(std::string_view name);

}  // namespace ppc::rootfs
