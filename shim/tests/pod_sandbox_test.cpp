// Finding a pod's VM by a network namespace's identity: the container of ours whose process is
// in it, never a pod member, never a stopped one; and a sandbox's members. This process's own
// network namespace stands in for a pod's.
#include "commands/pod_sandbox.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include "state/process_info.h"
#include "test_dir.h"

namespace ppc::shim {
namespace {

using test::TestDir;

ContainerState state_of(const std::string& id, pid_t pid, const std::string& sandbox = "") {
  ContainerState s;
  s.oci_version = "1.0.2";
  s.id = id;
  s.pid = pid;
  s.pid_start_time = read_proc_stat(pid) ? read_proc_stat(pid)->start_time : 0;
  s.status = Status::kRunning;
  s.bundle = "/b";
  s.rootfs = "/b/rootfs";
  s.created = "2026-12-05T10:00:00Z";
  s.sandbox_id = sandbox;
  return s;
}

pid_t reaped_child() {
  const pid_t pid = ::fork();
  if (pid == 0) ::_exit(0);
  int status = 0;
  ::waitpid(pid, &status, 0);
  return pid;
}

const NetworkPlan kThisNamespace{false, "/proc/self/ns/net"};

TEST(shim_pod_sandbox, TheRunningContainerInTheNamespaceOwnsThePod) {
  TestDir dir;
  const StateStore store(dir.path());
  store.create("gone").write_state(state_of("gone", reaped_child()));
  EXPECT_EQ(find_pod_sandbox(kThisNamespace, store), std::nullopt) << "a stopped container owns no pod";
  store.create("member").write_state(state_of("member", ::getpid(), "infra"));
  EXPECT_EQ(find_pod_sandbox(kThisNamespace, store), std::nullopt) << "a pod's member is never a sandbox";
  store.create("infra").write_state(state_of("infra", ::getpid()));
  store.create("creating");  // no state.json yet
  EXPECT_EQ(find_pod_sandbox(kThisNamespace, store), std::optional<std::string>("infra"));
}

TEST(shim_pod_sandbox, TheShimsOwnNamespaceHasNoPodAndAnotherNamespaceIsNotThisOne) {
  TestDir dir;
  const StateStore store(dir.path());
  store.create("infra").write_state(state_of("infra", ::getpid()));
  EXPECT_EQ(find_pod_sandbox(NetworkPlan{true, ""}, store), std::nullopt);
  // A path that names no namespace is refused, naming the field.
  EXPECT_THROW(find_pod_sandbox(NetworkPlan{false, dir / "missing"}, store), Error);
}

TEST(shim_pod_sandbox, ASandboxIsCheckedAgainInItsNamespace) {
  EXPECT_TRUE(runs_in_namespace(state_of("infra", ::getpid()), kThisNamespace));
  EXPECT_FALSE(runs_in_namespace(state_of("infra", reaped_child()), kThisNamespace));
  EXPECT_FALSE(runs_in_namespace(state_of("infra", ::getpid()), NetworkPlan{true, ""}));
}

TEST(shim_pod_sandbox, MembersAreTheContainersThatNameTheSandbox) {
  TestDir dir;
  const StateStore store(dir.path());
  store.create("infra").write_state(state_of("infra", ::getpid()));
  store.create("a").write_state(state_of("a", reaped_child(), "infra"));
  store.create("b").write_state(state_of("b", ::getpid(), "infra"));
  store.create("other").write_state(state_of("other", ::getpid(), "elsewhere"));
  EXPECT_EQ(pod_members(store, "infra"), (std::vector<std::string>{"a", "b"}));
  EXPECT_TRUE(pod_members(store, "a").empty());
}

TEST(shim_pod_sandbox, AMembersAgentIsItsSandboxs) {
  TestDir dir;
  const StateStore store(dir.path());
  const LockedContainer member = store.create("member");
  EXPECT_EQ(member.agent_socket(state_of("member", ::getpid())), dir / "member/vm/vsock.sock");
  EXPECT_EQ(member.agent_socket(state_of("member", ::getpid(), "infra")), dir / "infra/vm/vsock.sock");
  EXPECT_THROW(member.agent_socket(state_of("member", ::getpid(), "../x")), Error);
}

TEST(shim_pod_sandbox, TheSandboxIsRecordedAndOlderStateHasNone) {
  TestDir dir;
  const StateStore store(dir.path());
  const LockedContainer member = store.create("member");
  member.write_state(state_of("member", ::getpid(), "infra"));
  EXPECT_EQ(member.read_state().sandbox_id, "infra");
  nlohmann::json older = to_json(state_of("old", ::getpid()));
  older["vm"].erase("sandbox");
  EXPECT_EQ(state_from_json(older).sandbox_id, "");
}

}  // namespace
}  // namespace ppc::shim
