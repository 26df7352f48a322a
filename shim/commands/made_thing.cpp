#include "commands/made_thing.h"

#include "base/error.h"
#include "commands/vmm_control.h"
#include "state/state_store.h"
#include "vm/container_cgroup.h"

namespace ppc::shim {
namespace {

constexpr auto kKillTimeout = std::chrono::seconds(10);

template <typename... Fns>
struct Overloaded : Fns... {
  using Fns::operator()...;
};

void undo(const MadeStateDirectory& thing) { remove_container_dir(thing.path); }

void undo(const MadeCgroup& thing) { remove_container_cgroup(thing.path); }

void undo(const MadeVmm& thing) {
  // Without its start time a pid may name another process by now: that one is not ours to kill.
  if (thing.start_time == 0) throw Error(describe(thing) + ": its start time is unknown; not killed");
  kill_vmm(VmmIdentity{thing.pid, thing.start_time}, kKillTimeout);
}

}  // namespace

std::string describe(const MadeThing& thing) {
  return std::visit(Overloaded{
                        [](const MadeStateDirectory& t) { return "state directory " + t.path; },
                        [](const MadeCgroup& t) { return "cgroup " + t.path; },
                        [](const MadeVmm& t) { return "VMM pid " + std::to_string(t.pid); },
                    },
                    thing);
}

void undo_made_thing(const MadeThing& thing) {
  std::visit([](const auto& t) { undo(t); }, thing);
}

}  // namespace ppc::shim
