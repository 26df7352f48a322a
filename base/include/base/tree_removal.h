#pragma once
// Removing a directory tree that may once have held mounts (a container's share directory,
// its state directory) without ever reaching through one: a bind mount left behind must not
// let a recursive removal delete a user's volume. Symbolic links are removed, never followed.
#include <string>
#include <vector>

namespace ppc {

// Mount points at or below `dir` (absolute, normalised) as /proc/self/mountinfo lists them,
// deepest first. Throws Error when mountinfo cannot be read.
std::vector<std::string> mounts_below(const std::string& dir);

// Removes `dir` and everything in it. Refuses, before removing anything, when a mount point
// lies at or below it (the Error names it), and re-checks every directory it enters (a mount
// made meanwhile stops it there). A missing `dir` is not an error.
void remove_tree_within_mount(const std::string& dir);

}  // namespace ppc
