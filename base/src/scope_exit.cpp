#include "base/scope_exit.h"

#include <unistd.h>

#include <atomic>

namespace ppc {
namespace {

void write_to_stderr(std::string_view message) noexcept {
  constexpr std::string_view kPrefix = "cleanup failed: ";
  // write(2), not stdio: no allocation and no exception on the way out of a failure.
  for (const std::string_view part : {kPrefix, message, std::string_view("\n")}) {
    [[maybe_unused]] const ssize_t n = ::write(STDERR_FILENO, part.data(), part.size());
  }
}

std::atomic<CleanupFailureReporter> g_reporter{write_to_stderr};

}  // namespace

void set_cleanup_failure_reporter(CleanupFailureReporter reporter) noexcept {
  g_reporter.store(reporter != nullptr ? reporter : write_to_stderr);
}

void report_cleanup_failure(std::string_view message) noexcept { g_reporter.load()(message); }

}  // namespace ppc
