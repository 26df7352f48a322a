// Hooks: state on stdin, exact env, exit statuses and timeouts.
#include <gtest/gtest.h>

#include <chrono>

#include "base/error.h"
#include "hooks/hooks.h"
#include "test_dir.h"

namespace ppc::shim {
namespace {

oci::Hook sh(const std::string& script, std::vector<std::string> env = {}, std::optional<int> timeout = std::nullopt) {
  return oci::Hook{"/bin/sh", {"sh", "-c", script}, std::move(env), timeout};
}

std::string error_of(const oci::Hook& hook) {
  try {
    run_hooks("createRuntime", {hook}, "{}");
  } catch (const Error& e) {
    return e.what();
  }
  return "no error";
}

TEST(shim_hooks, StateArrivesOnStdinWithTheHooksEnv) {
  test::TestDir dir;
  const std::string out = dir / "out";
  run_hook(sh("cat > " + out + "; echo \"$ONLY\" >> " + out + "; echo \"${HOME:-nohome}\" >> " + out, {"ONLY=this"}),
           "{\"id\":\"c1\"}");
  EXPECT_EQ(test::slurp(out), "{\"id\":\"c1\"}this\nnohome\n");
}

TEST(shim_hooks, FailuresNameStageHookAndStatus) {
  const std::string failed = error_of(sh("echo broken >&2; exit 3"));
  EXPECT_EQ(failed, "createRuntime hook 0 (/bin/sh): exit status 3, output: broken\n");
  EXPECT_NE(error_of(oci::Hook{"/nonexistent/hook", {}, {}, std::nullopt}).find("exit status 127"), std::string::npos);
  EXPECT_NE(error_of(sh("kill -9 $$")).find("killed by signal 9"), std::string::npos);
  EXPECT_EQ(error_of(sh("exit 0")), "no error");
}

TEST(shim_hooks, TimeoutKillsTheHook) {
  const auto start = std::chrono::steady_clock::now();
  EXPECT_NE(error_of(sh("exec sleep 30", {}, 1)).find("timed out after 1 s"), std::string::npos);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
  // A hook that closes its output but keeps running is still bound by its timeout.
  EXPECT_NE(error_of(sh("exec >/dev/null 2>&1; sleep 30", {}, 1)).find("timed out"), std::string::npos);
}

TEST(shim_hooks, StagesRunInOrderAndStopAtTheFirstFailure) {
  test::TestDir dir;
  const std::string log = dir / "log";
  EXPECT_THROW(run_hooks("prestart", {sh("echo 1 >> " + log), sh("exit 1"), sh("echo 3 >> " + log)}, "{}"), Error);
  EXPECT_EQ(test::slurp(log), "1\n");
  run_hooks_warn("poststop", {sh("exit 1"), sh("echo 3 >> " + log)}, "{}");  // warns, goes on
  EXPECT_EQ(test::slurp(log), "1\n3\n");
}

}  // namespace
}  // namespace ppc::shim
