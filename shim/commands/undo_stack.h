#pragma once
// What create has made so far, undone newest first unless create succeeds: one owner for
// every cleanup of a create, instead of a guard class per thing. A step pushes what it is
// about to make when undoing a half-made one is harmless (a cgroup), else what it has just
// made (the VMM, whose pid only exists then).
//
// With a ledger (ledger.h), every push is on disk before it returns, so that a create that is
// killed leaves delete --force (or the next create of the id) the same list to undo.
#include <functional>
#include <optional>
#include <vector>

#include "commands/ledger.h"
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

  // From now on every push is recorded in the ledger first.
  void record_in(Ledger ledger) { ledger_.emplace(std::move(ledger)); }
  // In memory first: should the ledger fail, the thing is undone with the rest.
  void push(MadeThing thing) {
    things_.push_back(std::move(thing));
    if (ledger_) ledger_->append(things_.back());
  }
  // Create succeeded: what it made is the container's now, for delete to undo.
  void keep() noexcept { kept_ = true; }

  const std::vector<MadeThing>& things() const { return things_; }

 private:
  Undo undo_;
  std::optional<Ledger> ledger_;
  std::vector<MadeThing> things_;
  bool kept_ = false;
};

}  // namespace ppc::shim
