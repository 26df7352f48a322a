#pragma once
// oci:: values back to spec JSON, so that the host can send a validated process (or a
// whole config) to the agent. For any value parse_process/parse_config produced,
// parse_process(to_json(p)) == p and parse_config(to_json(c)) == c. Empty strings, empty
// lists, unset optionals and false booleans are left out, as runc's Go encoder does.
#include <nlohmann/json.hpp>

#include "oci/config.h"

namespace ppc::oci {

nlohmann::json to_json(const User&);
nlohmann::json to_json(const ConsoleSize&);
nlohmann::json to_json(const Rlimit&);
nlohmann::json to_json(const Capabilities&);
nlohmann::json to_json(const Process&);
nlohmann::json to_json(const Mount&);
nlohmann::json to_json(const Hook&);
nlohmann::json to_json(const Hooks&);
nlohmann::json to_json(const Seccomp&);
nlohmann::json to_json(const Linux&);
nlohmann::json to_json(const Config&);

}  // namespace ppc::oci
