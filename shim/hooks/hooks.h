#pragma once
// OCI hooks, all run on the host by the shim, with the runtime-spec state JSON on stdin,
// at the moment runc would run them (see the README for the table). A hook's stdout and
// stderr are collected and shown when it fails.
#include <string>
#include <string_view>
#include <vector>

#include "oci/config.h"

namespace ppc::shim {

// Runs one hook: its path with args (args[0] is argv[0]; none: the path) and exactly its
// env; kills it (SIGKILL) after `timeout` seconds when set. Throws Error on a start
// failure, a non-zero exit, a signal, or the timeout.
void run_hook(const oci::Hook& hook, const std::string& state_json);

// Runs each hook of a stage in order; the first failure throws, naming the stage and hook
// ("createRuntime hook 1 (/usr/bin/x): exit status 3").
void run_hooks(std::string_view stage, const std::vector<oci::Hook>& hooks, const std::string& state_json);

// For stages whose failures only warn (poststart, poststop): every hook runs, each failure
// is logged as a warning.
void run_hooks_warn(std::string_view stage, const std::vector<oci::Hook>& hooks, const std::string& state_json);

}  // namespace ppc::shim
