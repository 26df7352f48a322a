#pragma once
// What the shim makes for a container's network, each named by what is enough to undo it
// later from the ledger (commands/made_thing.h): the namespace it made itself, and the taps
// and ingress qdiscs (with their redirect filters) it added to a container's namespace. The
// namespace is named by its path and its inode: a path that names another namespace by the
// time of the undo (the engine's was removed, its name reused) holds nothing of ours.
#include <cstdint>
#include <functional>
#include <string>
#include <variant>

namespace ppc::shim {

struct NetnsId {
  std::string path;
  uint64_t inode = 0;
};

// A network namespace bound at `path` (in the state directory): undone by unbinding it.
struct MadeNetns {
  std::string path;
};

// A persistent tap in a container's namespace: undone by deleting it.
struct MadeTap {
  NetnsId netns;
  std::string name;
};

// An interface's ingress qdisc and so its redirect filter: undone by deleting the qdisc.
struct MadeIngress {
  NetnsId netns;
  std::string interface;
};

using MadeNetThing = std::variant<MadeNetns, MadeTap, MadeIngress>;
// Called before each thing is made (so that a half-made one is undone as well).
using RecordMade = std::function<void(const MadeNetThing&)>;

// Each may run again on what is undone already, or gone with its namespace. Throws Error.
void undo_made(const MadeNetns& thing);
void undo_made(const MadeTap& thing);
void undo_made(const MadeIngress& thing);

// The inode of an open network namespace, as NetnsId keeps it.
uint64_t netns_inode(int netns_fd);

// tap0_kvm, tap1_kvm...: the names of the taps the shim makes (the ledger takes no others).
std::string tap_name(size_t index);
bool is_tap_name(const std::string& name);

}  // namespace ppc::shim
