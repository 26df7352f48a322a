#pragma once
// The messages host and agent exchange, as plain values. codec.h turns them into frames.
//
// Conversation on a connection:
//  - The side that connects sends Hello first and the other answers Hello; each checks the
//    other's role. The host may send its first requests behind its Hello, unanswered.
//  - Requests (CreateContainer, Network, Start, Signal, Exec, Wait, Resize, RemoveContainer,
//    FreezeContainer, Restored, Shutdown) go host to agent. Each gets exactly one reply, in
//    order: Ok or ErrorReply, and for Wait an Exited when the process has ended. The agent
//    answers them one after the other, so a Wait that blocks for the life of a process has a
//    connection of its own. The host sends the next request once the last one is answered,
//    with one exception: a CreateContainer right behind Restored (the agent ends the
//    connection instead of answering it when Restored failed).
//  - Stdio messages need no reply; they are paced by StdioWindow (see stdio_credit.h).
//
// A guest runs one or more containers (a pod's), named by container id; the first one created
// is the guest's sandbox: when its own process ends, the guest ends. Processes are named by
// container id and exec id, never by guest pid: a container's own process is kInitExecId,
// every Exec names a new one. Stdio messages name the exec id alone: the stdio on one
// connection is one container's.
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "protocol/limits.h"
#include "protocol/message_type.h"

namespace ppc::protocol {

inline constexpr std::string_view kInitExecId = "init";

enum class Role : uint8_t { kHost, kAgent };

struct Hello {
  uint16_t version = kVersion;  // the sender's protocol version (1..65535)
  Role role = Role::kHost;
  bool operator==(const Hello&) const = default;
};

struct Ok {
  bool operator==(const Ok&) const = default;
};

// What a failed request tells the host: the message is shown to the user as it is.
enum class ErrorCode : uint8_t {
  kInvalidRequest,  // not valid in the container's current state
  kNotFound,        // no such exec id
  kAlreadyExists,   // the container or exec id exists already
  kExecFailed,      // the process could not be started
  kInternal,        // anything else that went wrong in the agent
};

struct ErrorReply {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;  // e.g. exec: "nope": executable file not found in $PATH
  // The status the host CLI exits with, as runc's would: 127 the executable was not
  // found, 126 it was found but could not be executed, 1 for any other failure.
  int exit_status = 1;
  bool operator==(const ErrorReply&) const = default;
};

struct CreateContainer {
  std::string container_id;
  // The bundle's config.json (a JSON object) as the host validated it; the agent reads
  // process, mounts, and the Linux settings it applies from here.
  nlohmann::json config;
  // Decided by the host (config.hostname, or none): empty keeps the guest's own name.
  std::string hostname;
  // The VM's shared file system (shared_fs.h): when set, the agent mounts it and the
  // container's root (config.root.path) and bind sources are paths in it. Empty: the root is
  // the one the guest booted with (/rootfs of the initramfs).
  std::string shared_fs_tag;
  // Empty for the guest's first container. A later container names the first one here: the
  // namespaces its config gives by path (a pod's network, IPC, UTS, pid) are then that
  // container's in the guest. Without it, a namespace path names a host namespace that does
  // not exist in the guest, and the container gets a new one.
  std::string sandbox_id;
  bool operator==(const CreateContainer&) const = default;
};

// The container's network, as its network namespace on the host has it: each interface
// there is connected to a guest NIC (the shim's tap and tc redirect), and the agent gives
// that NIC the interface's name, MAC, MTU, addresses and routes inside the container's own
// network namespace. Addresses are text ("10.88.0.2", "fd00::2").
enum class IpFamily : uint8_t { kIpv4, kIpv6 };
enum class RouteScope : uint8_t { kUniverse, kLink };

struct NetAddress {
  IpFamily family = IpFamily::kIpv4;
  std::string address;
  int prefix_len = 0;  // 0..32, 0..128
  bool operator==(const NetAddress&) const = default;
};

struct NetRoute {
  IpFamily family = IpFamily::kIpv4;
  std::string destination;  // the network, host bits zero ("0.0.0.0"/0: the default route)
  int prefix_len = 0;
  std::string gateway;      // empty: the destination is on the link
  RouteScope scope = RouteScope::kUniverse;  // a route with a gateway is kUniverse
  uint32_t metric = 0;      // 0: the kernel's default
  bool operator==(const NetRoute&) const = default;
};

struct NetInterface {
  std::string name;  // the host interface's name (eth0), given to the guest NIC
  std::string mac;   // "aa:bb:cc:dd:ee:ff", lower case, unicast
  uint32_t mtu = 1500;  // 68..65535
  std::vector<NetAddress> addresses;  // at most kMaxNetAddresses
  std::vector<NetRoute> routes;       // at most kMaxNetRoutes
  bool operator==(const NetInterface&) const = default;
};

// Configures the created container's network (answered Ok): sent after CreateContainer, or
// at start for a network that appeared after create (ctr run --cni). An interface goes to the
// guest NIC with its MAC, else to the one NIC not configured yet, which takes its MAC.
struct Network {
  std::vector<NetInterface> interfaces;  // 1..kMaxNetInterfaces
  bool operator==(const Network&) const = default;
};

struct Start {
  std::string container_id;
  bool operator==(const Start&) const = default;
};

struct Signal {
  std::string container_id;
  std::string exec_id;
  int signal = 0;  // 1..64
  bool operator==(const Signal&) const = default;
};

struct Exec {
  std::string container_id;
  std::string exec_id;     // never kInitExecId
  nlohmann::json process;  // an OCI process object; oci/ validates its contents
  bool operator==(const Exec&) const = default;
};

struct Wait {
  std::string container_id;
  std::string exec_id;
  bool operator==(const Wait&) const = default;
};

// The reply to Wait. status is what a shell would report: the exit code (0..255), or
// 128 + N when signal N killed the process (signaled is then true).
struct Exited {
  std::string container_id;
  std::string exec_id;
  int status = 0;
  bool signaled = false;
  bool operator==(const Exited&) const = default;
};

struct Resize {
  std::string container_id;
  std::string exec_id;
  int rows = 0;  // 1..kMaxTerminalDimension
  int cols = 0;
  bool operator==(const Resize&) const = default;
};

// Forgets a container whose own process has ended (answered Ok): any of its exec'd processes
// still running are killed. Not the guest's first container, which ends with the guest.
struct RemoveContainer {
  std::string container_id;
  bool operator==(const RemoveContainer&) const = default;
};

// Freezes (frozen) or thaws every process of a container, its exec'd ones included (the
// guest's cgroup freezer): pause and resume of one container of a pod. Answered Ok once the
// container is frozen or thawed.
struct FreezeContainer {
  std::string container_id;
  bool frozen = true;
  bool operator==(const FreezeContainer&) const = default;
};

struct Shutdown {
  bool operator==(const Shutdown&) const = default;
};

// The guest was restored from a snapshot that other guests were restored from too (answered
// Ok once done): what must differ between them. The agent mixes the host's random bytes into
// the kernel's generator and reseeds it, so that getrandom() differs between clones, and sets
// the wall clock, which stood still while the snapshot waited.
struct Restored {
  std::vector<uint8_t> entropy;  // kMinRestoreEntropy..kMaxRestoreEntropy bytes; hex on the wire
  int64_t realtime_ns = 0;       // the host's CLOCK_REALTIME when sent, > 0
  bool operator==(const Restored&) const = default;
};

// stdin flows host to agent; stdout and stderr agent to host.
enum class StdioStream : uint8_t { kStdin = 0, kStdout = 1, kStderr = 2 };

struct StdioData {
  std::string exec_id;
  StdioStream stream = StdioStream::kStdout;
  std::vector<uint8_t> data;  // 1..kMaxStdioChunk bytes
  bool operator==(const StdioData&) const = default;
};

// The sender has no more data for this stream: closing stdin is EOF for the process.
struct StdioClose {
  std::string exec_id;
  StdioStream stream = StdioStream::kStdout;
  bool operator==(const StdioClose&) const = default;
};

// The receiver has consumed `bytes` more of this stream: the sender may send that many more.
struct StdioWindow {
  std::string exec_id;
  StdioStream stream = StdioStream::kStdout;
  uint32_t bytes = 0;  // 1..kStdioWindow
  bool operator==(const StdioWindow&) const = default;
};

using Message = std::variant<Hello, Ok, ErrorReply, CreateContainer, Start, Signal, Exec, Wait, Exited, Resize,
                             Shutdown, StdioData, StdioClose, StdioWindow, Network, RemoveContainer, FreezeContainer,
                             Restored>;

MessageType type_of(const Message& message);

}  // namespace ppc::protocol
