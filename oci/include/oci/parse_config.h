#pragma once
// config.json (and a process object alone) from JSON into validated oci:: values.
//
// Every failure is a ppc::Error whose message starts with the path of the offending field,
// e.g. `mounts[2].destination: must be an absolute path` or
// `process.user.uid: expected an unsigned 32-bit integer, got "abc"`; map entries are named
// `annotations["key"]`. Rules:
//  - a wrong JSON type anywhere is "expected <type>, got <value>"; numbers must be integers
//    that fit the field (no floats, no negative unsigned values);
//  - a null value counts as absent (as runc's Go decoder treats it), so a required field
//    that is null is reported like a missing one;
//  - unknown fields, at the top level and inside objects, are ignored: the spec allows
//    extensions, and fields this runtime does not act on are skipped unread;
//  - no string may contain a NUL byte (each one ends up in a C string).
// Nothing here touches the filesystem except load_config.
#include <filesystem>

#include <nlohmann/json.hpp>

#include "oci/config.h"

namespace ppc::oci {

// Nesting load_config accepts: config.json needs about 6 levels; the bound keeps every
// recursive walk over a loaded document (copy, compare, dump) shallow. Same value as the
// host/agent protocol's limit, so a loaded config can always be sent to the agent.
inline constexpr int kMaxConfigDepth = 64;
// Largest config.json load_config reads.
inline constexpr size_t kMaxConfigBytes = 16 * 1024 * 1024;

// A whole config.json document. Field paths are the spec's JSON names from the top
// ("process.args", "linux.seccomp.syscalls[3].names").
Config parse_config(const nlohmann::json& j);

// Reads and parses `file`. Every error is prefixed with the file's path: a file that cannot
// be read (with the reason), one that is not valid JSON (with the parser's byte position,
// counted from 1) or nested deeper than kMaxConfigDepth, and every parse_config error.
Config load_config(const std::filesystem::path& file);

// A process object alone: `exec --process FILE` on the host and the agent's Exec. Field paths
// are relative to the process object, without a "process." prefix ("args", "user.uid"),
// because the object is the whole document there; the same rules as in parse_config apply.
Process parse_process(const nlohmann::json& j);

}  // namespace ppc::oci
