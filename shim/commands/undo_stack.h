#pragma once
// What create has made so far, undone newest first unless create succeeds: one owner for
// every cleanup of a create, instead of a guard class per thing. A step pushes what it is
// about to make when undoing a half-made one is harmless (a cgroup), else what it has just
// made (the VMM, whose pid only exists then).
//
// The stack is in memory, so it undoes nothing when this process is killed. The names it
// holds are records (made_thing.h): a stack written to the state directory before each push
// returns could be replayed by delete --force with the same undo.
#include <functional>
#include <vector>

#include "commands/made_thing.h"

namespace ppc::shim {

class UndoStack {
 public:
  using Undo = std::function<void(const MadeThing&)>;

  // `undo` undoes one thing; tests put a recorder there.
  explicit UndoStack(Undo undo = undo_made_thing) : undo_(std::move(undo)) {}
  UndoStack(const UndoStack&) = delete;
  UndoStack& operator=(const UndoStack&) = delete;
  // Unless kept: undoes every thing pushed, newest first. A failing undo is reported (see
  // base/scope_exit.h) and the older things are undone all the same.
  ~UndoStack();

  void push(MadeThing thing) { things_.push_back(std::move(thing)); }
  // Create succeeded: what it made is the container's now, for delete to undo.
  void keep() noexcept { kept_ = true; }

  const std::vector<MadeThing>& things() const { return things_; }

 private:
  Undo undo_;
  std::vector<MadeThing> things_;
  bool kept_ = false;
};

}  // namespace ppc::shim
