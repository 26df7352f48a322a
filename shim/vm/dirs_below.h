#pragma once
// Walking into a bundle's root from the host, where the image (untrusted) may hold links:
// directories are made and opened one component at a time and no symbolic link or ".." is
// followed, so that nothing the walk makes can land outside the root.
#include <string>
#include <vector>

#include "base/unique_fd.h"

namespace ppc::shim {

// The non-empty components of a path, "." left out: "/a//b/./c" -> a, b, c.
std::vector<std::string> path_components(const std::string& path);

struct DirBelow {
  UniqueFd fd;          // O_PATH; invalid where the walk stopped
  std::string stopped;  // then: the path walked, up to the component that stopped it
  std::string why;      // and why ("a symbolic link or a file, not a directory", "..", errno's text)
};

// The directory `components` name below `root`, each made (0755) where missing. Throws Error
// when a mkdir fails; stops, without throwing, at a link, a file, ".." or a directory it cannot
// open.
DirBelow make_dirs_below(const UniqueFd& root, const std::vector<std::string>& components);

}  // namespace ppc::shim
