#pragma once
// `ppc-kvm-shim check`'s report of CheckResults: text for people, JSON for scripts, and the
// exit status.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "host_check/check_result.h"

namespace ppc::shim {

// One line per check ("ok", "MISSING" for a needed one that failed, "note" for one that is
// not needed), each failure followed by its fix, then a verdict.
std::string check_report_text(const std::vector<CheckResult>& results);

// {"ok": <exit status 0>, "checks": [{"name", "ok", "needed", "detail", "fix"}...]}
nlohmann::ordered_json check_report_json(const std::vector<CheckResult>& results);

// 0 when every needed check passed (a container can run here), else 1.
int check_exit_status(const std::vector<CheckResult>& results);

}  // namespace ppc::shim
