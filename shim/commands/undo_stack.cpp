#include "commands/undo_stack.h"

#include "base/scope_exit.h"
#include "log/logger.h"

namespace ppc::shim {

UndoStack::~UndoStack() {
  if (kept_) return;
  for (auto thing = things_.rbegin(); thing != things_.rend(); ++thing) {
    auto undo_one = [&] {
      logger().debug("undoing " + describe(*thing));
      undo_(*thing);
    };
    run_cleanup(undo_one);
  }
}

}  // namespace ppc::shim
