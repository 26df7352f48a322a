#pragma once
// Every bound the protocol enforces, in one place. The guest is hostile and the host is not
// trusted by the guest either: each side checks these on decode (and on encode, so a bug on
// our own side is found here rather than as a dropped connection on the other).
#include <cstddef>
#include <cstdint>

namespace ppc::protocol {

// The version every frame header carries. Bump it for any incompatible change: there is no
// negotiation, a peer speaking another version is refused at its first frame.
inline constexpr uint16_t kVersion = 2;

// Control messages carry an OCI config.json, a few KiB in practice; 1 MiB leaves room for
// large environments while bounding what one frame can make the receiver allocate.
inline constexpr size_t kMaxControlPayload = 1024 * 1024;
// Nesting of control JSON: config.json needs about 6; the limit keeps every recursive
// walk over a received document (copy, compare, dump) shallow.
inline constexpr int kMaxJsonDepth = 64;

// Container and exec ids: 1..kMaxIdLength bytes of [A-Za-z0-9_.+-] (runc's id alphabet),
// so an id can go into a path or a log line as it is.
inline constexpr size_t kMaxIdLength = 256;
// Containers one guest runs at once (a pod's): each holds processes and mounts in the guest.
inline constexpr size_t kMaxContainersPerGuest = 64;
inline constexpr size_t kMaxHostnameLength = 64;  // Linux HOST_NAME_MAX
inline constexpr size_t kMaxSharedFsTagLength = 36;  // virtio-fs's config space
inline constexpr size_t kMaxErrorMessageLength = 4096;
inline constexpr int kMaxSignal = 64;  // SIGRTMAX on Linux
inline constexpr int kMaxTerminalDimension = 4096;  // rows and cols
// Host randomness a restored guest mixes in: at least the key of the kernel's CRNG (256 bits).
inline constexpr size_t kMinRestoreEntropy = 32;
inline constexpr size_t kMaxRestoreEntropy = 512;

// Network: a VM has few NICs (virtio-mmio slots); a namespace has a handful of addresses and
// routes per interface (podman: one of each family, a default route each).
inline constexpr size_t kMaxNetInterfaces = 8;
inline constexpr size_t kMaxNetAddresses = 32;
inline constexpr size_t kMaxNetRoutes = 64;
inline constexpr size_t kMaxInterfaceNameLength = 15;  // IFNAMSIZ - 1

// Stdio: one StdioData carries 1..kMaxStdioChunk bytes, the same bound as one vsock packet,
// so a chunk never waits for a second packet before it can be decoded.
inline constexpr size_t kMaxStdioChunk = 64 * 1024;
// Flow control (see stdio_credit.h): a sender never has more than this many bytes of one
// stream sent and not yet granted back by a StdioWindow.
inline constexpr size_t kStdioWindow = 256 * 1024;
// A stdio payload: stream (1) + id length (2) + id + data.
inline constexpr size_t kMaxStdioPayload = 1 + 2 + kMaxIdLength + kMaxStdioChunk;

}  // namespace ppc::protocol
