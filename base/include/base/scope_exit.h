#pragma once
// Runs a cleanup when a scope ends, unless dismissed first: the undo of a step that made
// something, for the way out of a failure. A cleanup must not throw on through a destructor
// (during unwinding that ends the program), so what it throws is handed to the program's
// cleanup-failure reporter and the scope ends as it would have.
#include <exception>
#include <string_view>
#include <type_traits>
#include <utility>

namespace ppc {

// Where a failed cleanup's message goes. Each program points it at its log; until then a
// line on stderr.
using CleanupFailureReporter = void (*)(std::string_view message) noexcept;
void set_cleanup_failure_reporter(CleanupFailureReporter reporter) noexcept;
void report_cleanup_failure(std::string_view message) noexcept;

// Calls cleanup(); an exception it throws is reported, not passed on.
template <typename Fn>
void run_cleanup(Fn& cleanup) noexcept {
  try {
    cleanup();
  } catch (const std::exception& e) {
    report_cleanup_failure(e.what());
  } catch (...) {
    report_cleanup_failure("a cleanup threw something that is not a std::exception");
  }
}

template <typename Fn>
class [[nodiscard]] ScopeExit {
  static_assert(std::is_invocable_v<Fn&>, "a cleanup is called without arguments");
  static_assert(std::is_nothrow_move_constructible_v<Fn>, "moving a guard must not lose its cleanup");

 public:
  explicit ScopeExit(Fn cleanup) noexcept : cleanup_(std::move(cleanup)) {}
  // The moved-from guard is dismissed: the cleanup runs once, from the new owner.
  ScopeExit(ScopeExit&& other) noexcept : cleanup_(std::move(other.cleanup_)), armed_(std::exchange(other.armed_, false)) {}
  ScopeExit(const ScopeExit&) = delete;
  ScopeExit& operator=(const ScopeExit&) = delete;
  ScopeExit& operator=(ScopeExit&&) = delete;
  ~ScopeExit() {
    if (armed_) run_cleanup(cleanup_);
  }

  // The step succeeded: nothing to undo.
  void dismiss() noexcept { armed_ = false; }
  bool armed() const noexcept { return armed_; }

 private:
  Fn cleanup_;
  bool armed_ = true;
};

template <typename Fn>
ScopeExit(Fn) -> ScopeExit<Fn>;

}  // namespace ppc
