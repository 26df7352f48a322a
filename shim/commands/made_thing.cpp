#include "commands/made_thing.h"

#include "base/error.h"
#include "base/tree_removal.h"
#include "commands/vmm_control.h"
#include "state/state_store.h"
#include "vm/container_cgroup.h"
#include "vm/share_mounts.h"

namespace ppc::shim {
namespace {

constexpr auto kKillTimeout = std::chrono::seconds(10);

template <typename... Fns>
struct Overloaded : Fns... {
  using Fns::operator()...;
};
// Spelled out for compilers without C++20's deduction for aggregates (clang 14).
template <typename... Fns>
Overloaded(Fns...) -> Overloaded<Fns...>;

void undo(const MadeStateDirectory& thing) { remove_container_dir(thing.path); }

void undo(const MadeShare& thing) { unmount_share(thing.path); }

void undo(const MadeShareEntry& thing) { ppc::remove_tree_within_mount(thing.path); }

void undo(const MadeBind& thing) { unmount_share(thing.path); }

void undo(const MadeCgroup& thing) { remove_container_cgroup(thing.path); }

void undo(const MadeVmm& thing) {
  // Without its start time a pid may name another process by now: that one is not ours to kill.
  if (thing.start_time == 0) throw Error(describe(thing) + ": its start time is unknown; not killed");
  kill_vmm(VmmIdentity{thing.pid, thing.start_time}, kKillTimeout);
}

void undo(const MadeNetns& thing) { undo_made(thing); }

void undo(const MadeTap& thing) { undo_made(thing); }

void undo(const MadeIngress& thing) { undo_made(thing); }

nlohmann::json netns_record(const NetnsId& netns) { return {{"path", netns.path}, {"inode", netns.inode}}; }

NetnsId netns_of(const nlohmann::json& record) {
  NetnsId netns{record.at("path").get<std::string>(), record.at("inode").get<uint64_t>()};
  if (netns.path.empty() || netns.path.front() != '/') throw Error("netns path \"" + netns.path + "\" is not absolute");
  return netns;
}

}  // namespace

std::string describe(const MadeThing& thing) {
  return std::visit(Overloaded{
                        [](const MadeStateDirectory& t) { return "state directory " + t.path; },
                        [](const MadeShare& t) { return "share " + t.path; },
                        [](const MadeShareEntry& t) { return "directory in the pod's share " + t.path; },
                        [](const MadeBind& t) { return "bind mount " + t.path; },
                        [](const MadeCgroup& t) { return "cgroup " + t.path; },
                        [](const MadeVmm& t) { return "VMM pid " + std::to_string(t.pid); },
                        [](const MadeNetns& t) { return "network namespace " + t.path; },
                        [](const MadeTap& t) { return "tap " + t.name + " in network namespace " + t.netns.path; },
                        [](const MadeIngress& t) {
                          return "ingress qdisc of " + t.interface + " in network namespace " + t.netns.path;
                        },
                    },
                    thing);
}

nlohmann::json record_of(const MadeThing& thing) {
  return std::visit(Overloaded{
                        [](const MadeStateDirectory& t) { return nlohmann::json{{"made", "state-directory"}, {"path", t.path}}; },
                        [](const MadeShare& t) { return nlohmann::json{{"made", "share"}, {"path", t.path}}; },
                        [](const MadeShareEntry& t) { return nlohmann::json{{"made", "share-entry"}, {"path", t.path}}; },
                        [](const MadeBind& t) { return nlohmann::json{{"made", "bind"}, {"path", t.path}}; },
                        [](const MadeCgroup& t) { return nlohmann::json{{"made", "cgroup"}, {"path", t.path}}; },
                        [](const MadeVmm& t) {
                          return nlohmann::json{{"made", "vmm"}, {"pid", t.pid}, {"start_time", t.start_time}};
                        },
                        [](const MadeNetns& t) { return nlohmann::json{{"made", "netns"}, {"path", t.path}}; },
                        [](const MadeTap& t) {
                          return nlohmann::json{{"made", "tap"}, {"netns", netns_record(t.netns)}, {"name", t.name}};
                        },
                        [](const MadeIngress& t) {
                          return nlohmann::json{
                              {"made", "ingress"}, {"netns", netns_record(t.netns)}, {"interface", t.interface}};
                        },
                    },
                    thing);
}

MadeThing thing_of(const nlohmann::json& record) {
  try {
    const std::string kind = record.at("made").get<std::string>();
    auto path = [&] {
      std::string p = record.at("path").get<std::string>();
      if (p.empty() || p.front() != '/') throw Error("path \"" + p + "\" is not absolute");
      return p;
    };
    if (kind == "state-directory") return MadeStateDirectory{path()};
    if (kind == "share") return MadeShare{path()};
    if (kind == "share-entry") return MadeShareEntry{path()};
    if (kind == "bind") return MadeBind{path()};
    if (kind == "cgroup") return MadeCgroup{path()};
    if (kind == "vmm") return MadeVmm{record.at("pid").get<pid_t>(), record.at("start_time").get<uint64_t>()};
    if (kind == "netns") return MadeNetns{path()};
    if (kind == "tap") return MadeTap{netns_of(record.at("netns")), record.at("name").get<std::string>()};
    if (kind == "ingress") return MadeIngress{netns_of(record.at("netns")), record.at("interface").get<std::string>()};
    throw Error("unknown kind \"" + kind + "\"");
  } catch (const nlohmann::json::exception& e) {
    throw Error(std::string("ledger record ") + record.dump() + ": " + e.what());
  } catch (Error& e) {
    e.add_context("ledger record " + record.dump());
    throw;
  }
}

void undo_made_thing(const MadeThing& thing) {
  std::visit([](const auto& t) { undo(t); }, thing);
}

}  // namespace ppc::shim
