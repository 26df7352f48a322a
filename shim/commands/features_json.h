#pragma once
// The runtime-spec features document (features.md) this runtime answers `features` with, and
// the default config.json `spec` writes. Separate from the commands so tests can read them.
#include <nlohmann/json.hpp>

namespace ppc::shim {

nlohmann::ordered_json features_json();

// runc spec's default (args ["sh"], a terminal), with the namespaces and mounts the guest
// agent supports.
nlohmann::ordered_json default_spec_json();

// The mount option words and seccomp names listed in features_json(), exposed for the test
// that checks them against the oci library's own tables.
const std::vector<std::string>& feature_mount_options();
const std::vector<std::string>& feature_seccomp_actions();
const std::vector<std::string>& feature_seccomp_operators();
const std::vector<std::string>& feature_seccomp_archs();
const std::vector<std::string>& feature_seccomp_flags();

}  // namespace ppc::shim
