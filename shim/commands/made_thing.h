#pragma once
// The things create makes beyond plain files, each named by what is enough to undo it later:
// a path, or a pid with its start time. A name holds no object and no closure, so a record of
// it written to disk can be undone as well by another process (delete --force, or a create of
// the same id after a crash) as by the create that made it.
#include <sys/types.h>

#include <cstdint>
#include <string>
#include <variant>

#include <nlohmann/json.hpp>

#include "net/made_net.h"

namespace ppc::shim {

// <root>/<id> and everything in it: state.json, create.json, the root disk and initramfs,
// the VMM's sockets and logs.
struct MadeStateDirectory {
  std::string path;
};

// The VM's share directory (<state>/share), mounted on itself so that binds made in it reach
// virtiofsd's mount namespace: undone by unmounting it (the directory goes with the state's).
struct MadeShare {
  std::string path;
};

// A pod's later container's directory in the pod VM's share (<share>/<id>, holding its
// binds' mount points): undone by removing it once its binds are gone, never through a mount.
struct MadeShareEntry {
  std::string path;
};

// A bind mount inside the share (the container's root, a volume): undone by unmounting it,
// never by removing what is below it.
struct MadeBind {
  std::string path;
};

// The cgroup directory the VMM runs in (linux.cgroupsPath).
struct MadeCgroup {
  std::string path;
};

// The VMM's process tree: the pid create started and that process's start time.
struct MadeVmm {
  pid_t pid = 0;
  uint64_t start_time = 0;
};

// The network's: the namespace the shim made, taps and ingress qdiscs (net/made_net.h).
using MadeThing =
    std::variant<MadeStateDirectory, MadeShare, MadeShareEntry, MadeBind, MadeCgroup, MadeVmm, MadeNetns, MadeTap, MadeIngress>;

// "cgroup /sys/fs/cgroup/pod/c1", for the log.
std::string describe(const MadeThing& thing);

// A thing as one line of the ledger (ledger.h): {"made": "<kind>", ...}, and back. Throws
// Error naming what is wrong with a record.
nlohmann::json record_of(const MadeThing& thing);
MadeThing thing_of(const nlohmann::json& record);

// Undoes one thing. Each undo may run again on what is already undone (gone is done), since
// a create that dies while undoing leaves the rest to a later one. Throws Error naming the
// thing when it cannot be undone.
void undo_made_thing(const MadeThing& thing);

}  // namespace ppc::shim
