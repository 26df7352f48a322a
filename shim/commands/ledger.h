#pragma once
// What create made, durably: one JSON record per thing (made_thing.h) in <state>/made.jsonl,
// appended and synced to disk before the thing is made (or, for the VMM, as soon as its pid
// exists), so that whoever comes next — delete, delete --force, a create of the same id after
// a crash — undoes exactly what was made, newest first, each undo safe to repeat.
#include <functional>
#include <string>
#include <vector>

#include "commands/made_thing.h"

namespace ppc::shim {

class Ledger {
 public:
  // The container's state directory (absolute); the ledger file lives in it.
  explicit Ledger(std::string dir) : dir_(std::move(dir)) {}

  const std::string& dir() const { return dir_; }
  // Appends and syncs one record. Throws Error.
  void append(const MadeThing& thing) const;
  // The records in the order they were made. A missing ledger is empty; a torn last line (a
  // crash while writing it) is dropped. A record whose paths lie outside what a container
  // of this directory can make (its own directory, its share, a cgroup, a network namespace
  // in it; a tap named as the shim names them) is refused: Error.
  std::vector<MadeThing> read() const;

 private:
  std::string dir_;
};

// Undoes `things` newest first, each through `undo`; a failed undo is logged and the older
// ones are undone all the same. Returns how many failed.
size_t undo_newest_first(const std::vector<MadeThing>& things,
                         const std::function<void(const MadeThing&)>& undo = undo_made_thing);

}  // namespace ppc::shim
