#pragma once
#include <string>
#include <string_view>
#include <sys/types.h>

namespace ppc::shim {

// Readers see the old content or the new, never a part: the bytes go to a temporary file
// in the same directory, which is fsync()ed and renamed over `path`; the directory is then
// fsync()ed so that the rename itself survives a crash. Throws Error naming the path.
void write_file_atomic(const std::string& path, std::string_view content, mode_t mode);

}  // namespace ppc::shim
