#include "host_check/check_report.h"

#include <algorithm>

namespace ppc::shim {
namespace {

size_t failed_needed(const std::vector<CheckResult>& results) {
  return static_cast<size_t>(std::count_if(results.begin(), results.end(), [](const CheckResult& r) { return r.needed && !r.ok; }));
}

const char* tag(const CheckResult& r) {
  if (r.ok) return "ok";
  return r.needed ? "MISSING" : "note";
}

std::string verdict(const std::vector<CheckResult>& results) {
  const size_t failed = failed_needed(results);
  if (failed == 0) return "This host can run ppc-kvm-shim containers.\n";
  return "This host cannot run ppc-kvm-shim containers: " + std::to_string(failed) + " needed check" +
         (failed == 1 ? "" : "s") + " failed (each with its fix above).\n";
}

}  // namespace

std::string check_report_text(const std::vector<CheckResult>& results) {
  size_t width = 0;
  for (const CheckResult& r : results) width = std::max(width, r.name.size());
  const std::string indent(9 + width + 2, ' ');
  std::string out;
  for (const CheckResult& r : results) {
    const std::string t = tag(r);
    out += t + std::string(9 - t.size(), ' ') + r.name + std::string(width + 2 - r.name.size(), ' ') + r.detail + "\n";
    if (!r.ok && !r.fix.empty()) out += indent + "fix: " + r.fix + "\n";
  }
  return out + "\n" + verdict(results);
}

nlohmann::ordered_json check_report_json(const std::vector<CheckResult>& results) {
  nlohmann::ordered_json checks = nlohmann::ordered_json::array();
  for (const CheckResult& r : results) {
    checks.push_back({{"name", r.name}, {"ok", r.ok}, {"needed", r.needed}, {"detail", r.detail}, {"fix", r.fix}});
  }
  return {{"ok", check_exit_status(results) == 0}, {"checks", checks}};
}

int check_exit_status(const std::vector<CheckResult>& results) { return failed_needed(results) == 0 ? 0 : 1; }

}  // namespace ppc::shim
