// Which network namespace a container gets, and the configs refused for it; the names and
// MACs the shim gives taps and NICs; the network's records in the ledger.
#include "net/network_plan.h"

#include <gtest/gtest.h>

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>

#include "base/error.h"
#include "commands/ledger.h"
#include "net/host_network.h"
#include "net/made_net.h"
#include "net/netns_processes.h"
#include "test_dir.h"

namespace ppc::shim {
namespace {

using test::TestDir;

oci::Config with_namespaces(std::vector<oci::Namespace> namespaces) {
  oci::Config config;
  config.linux.namespaces = std::move(namespaces);
  return config;
}

std::string refusal(const oci::Config& config) {
  try {
    plan_network(config);
  } catch (const Error& e) {
    return e.what();
  }
  return "(accepted)";
}

TEST(shim_network_plan, APathIsTheEnginesNamespaceNoPathTheShimsOwn) {
  const NetworkPlan engine = plan_network(with_namespaces({{"pid", ""}, {"network", "/run/netns/netns-1"}}));
  EXPECT_FALSE(engine.own);
  EXPECT_EQ(engine.path, "/run/netns/netns-1");
  const NetworkPlan own = plan_network(with_namespaces({{"network", ""}, {"mount", ""}}));
  EXPECT_TRUE(own.own);
  EXPECT_EQ(own.path, "");
  // A user namespace with a path to the network's: the engine has set it up already.
  EXPECT_FALSE(plan_network(with_namespaces({{"user", ""}, {"network", "/run/netns/x"}})).own);
}

TEST(shim_network_plan, TheHostsNetworkIsRefusedNamingTheField) {
  EXPECT_EQ(refusal(with_namespaces({{"pid", ""}, {"mount", ""}})).rfind("linux.namespaces: no network namespace, so the "
                                                                         "container would share the host's network", 0),
            0u);
  EXPECT_EQ(refusal(with_namespaces({})).rfind("linux.namespaces: no network namespace", 0), 0u);
}

TEST(shim_network_plan, AUserNamespaceWithANetworkWithoutAPathIsRefused) {
  EXPECT_EQ(refusal(with_namespaces({{"user", ""}, {"pid", ""}, {"network", ""}}))
                .rfind("linux.namespaces[2]: a network namespace without a path beside a user namespace: its engine "
                       "(podman --userns, rootless podman) would set that network up after create",
                       0),
            0u);
}

TEST(shim_network_plan, JoiningTheHostsOwnNamespaceOrNoneIsRefused) {
  try {
    check_joinable(NetworkPlan{false, "/proc/self/ns/net"});
    FAIL() << "the host's own network namespace was accepted";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "linux.namespaces: network namespace /proc/self/ns/net is the host's own (the host's "
                           "network), which a container in a VM cannot share");
  }
  TestDir dir;
  const std::string plain = dir.write("netns", "");
  try {
    check_joinable(NetworkPlan{false, plain});
    FAIL() << "a plain file was accepted as a network namespace";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()),
              "linux.namespaces: network namespace " + plain + ": not a namespace (nothing is mounted there)");
  }
  EXPECT_NO_THROW(check_joinable(NetworkPlan{true, ""}));
}

// A procfs of two processes and an entry that is no pid, for process_in_netns.
TEST(shim_network_plan, TheProcessesOfANamespaceAreFound) {
  TestDir proc;
  proc.write("self", "");  // not a pid
  proc.write("12/ns/net", "a");
  proc.write("12/comm", "pause\n");
  proc.write("34/ns/net", "b");
  proc.write("34/comm", "my server\n");
  struct stat a {}, b {}, other {};
  ASSERT_EQ(::stat((proc / "12/ns/net").c_str(), &a), 0);
  ASSERT_EQ(::stat((proc / "34/ns/net").c_str(), &b), 0);
  ASSERT_EQ(::stat(proc.path().c_str(), &other), 0);
  const auto in_a = process_in_netns(a, proc.path());
  ASSERT_TRUE(in_a);
  EXPECT_EQ(in_a->pid, 12);
  EXPECT_EQ(in_a->command, "pause");
  const auto in_b = process_in_netns(b, proc.path());
  ASSERT_TRUE(in_b);
  EXPECT_EQ(in_b->command, "my server");
  EXPECT_FALSE(process_in_netns(other, proc.path()));
}

TEST(shim_network_plan, AnotherContainersNamespaceIsRefused) {
  if (::geteuid() != 0) GTEST_SKIP() << "a network namespace of its own needs CAP_SYS_ADMIN";
  int ready[2];
  ASSERT_EQ(::pipe2(ready, O_CLOEXEC), 0);
  const pid_t child = ::fork();
  if (child == 0) {  // a process in a namespace of its own, as a pod's infra container is
    ::close(ready[0]);
    if (::unshare(CLONE_NEWNET) != 0) ::_exit(1);
    (void)!::write(ready[1], "x", 1);
    ::pause();
    ::_exit(0);
  }
  ::close(ready[1]);  // a child that fails before it writes ends the read below
  struct Reaper {
    pid_t pid;
    int fd;
    ~Reaper() {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
      ::close(fd);
    }
  } reaper{child, ready[0]};
  char byte = 0;
  ASSERT_EQ(::read(ready[0], &byte, 1), 1) << "the child could not make a network namespace";
  const std::string path = "/proc/" + std::to_string(child) + "/ns/net";
  std::string refused;
  try {
    check_joinable(NetworkPlan{false, path});
  } catch (const Error& e) {
    refused = e.what();
  }
  EXPECT_EQ(refused.rfind("linux.namespaces: network namespace " + path + " already has a process in it (pid " +
                              std::to_string(child) + ", ",
                          0),
            0u)
      << refused;
  EXPECT_NE(refused.find("and no container of ppc-kvm-shim is"), std::string::npos) << refused;
}

TEST(shim_network_plan, TapNamesAreOursAndNoOthers) {
  EXPECT_EQ(tap_name(0), "tap0_kvm");
  EXPECT_EQ(tap_name(7), "tap7_kvm");
  EXPECT_TRUE(is_tap_name("tap0_kvm"));
  EXPECT_TRUE(is_tap_name("tap12_kvm"));
  for (const char* other : {"eth0", "tap_kvm", "tapx_kvm", "tap0_kv", "tap123_kvm", "tap0_kvmx", "xtap0_kvm", ""}) {
    EXPECT_FALSE(is_tap_name(other)) << other;
  }
}

TEST(shim_network_plan, PlaceholderMacsAreLocalUnicastAndStable) {
  const std::string a = placeholder_mac("c1", 0);
  EXPECT_EQ(a.size(), 17u);
  EXPECT_EQ(a.substr(0, 3), "02:");  // locally administered, unicast
  EXPECT_EQ(a.find_first_not_of("0123456789abcdef:"), std::string::npos) << a;
  EXPECT_EQ(a, placeholder_mac("c1", 0));
  EXPECT_NE(a, placeholder_mac("c1", 1));
  EXPECT_NE(a, placeholder_mac("c2", 0));
}

TEST(shim_network_plan, NetFlagsForTheVmm) {
  EXPECT_EQ(net_flag("tap0_kvm", "02:42:0a:58:00:02", 1500), "tap=tap0_kvm,mac=02:42:0a:58:00:02,mtu=1500");
  EXPECT_EQ(net_flag("tap0_kvm", "02:01:02:03:04:05", 0), "tap=tap0_kvm,mac=02:01:02:03:04:05");
}

TEST(shim_network_plan, NetworkRecordsComeBackFromTheLedger) {
  TestDir dir;
  const Ledger ledger(dir.path());
  ledger.append(MadeNetns{dir / "netns"});
  ledger.append(MadeTap{{"/run/netns/netns-1", 4026532}, "tap0_kvm"});
  ledger.append(MadeIngress{{"/run/netns/netns-1", 4026532}, "eth0"});
  const std::vector<MadeThing> things = ledger.read();
  ASSERT_EQ(things.size(), 3u);
  EXPECT_EQ(describe(things[0]), "network namespace " + dir / "netns");
  EXPECT_EQ(describe(things[1]), "tap tap0_kvm in network namespace /run/netns/netns-1");
  EXPECT_EQ(describe(things[2]), "ingress qdisc of eth0 in network namespace /run/netns/netns-1");
  ASSERT_TRUE(std::holds_alternative<MadeTap>(things[1]));
  EXPECT_EQ(std::get<MadeTap>(things[1]).netns.inode, 4026532u);
}

TEST(shim_network_plan, NetworkRecordsTheShimDoesNotMakeAreRefused) {
  const std::vector<std::string> bad = {
      R"({"made":"netns","path":"/run/netns/x"})",
      R"({"made":"netns","path":"DIR/../x"})",
      R"({"made":"tap","netns":{"path":"/run/netns/x","inode":1},"name":"eth0"})",
      R"({"made":"tap","netns":{"path":"relative","inode":1},"name":"tap0_kvm"})",
      R"({"made":"tap","netns":{"path":"/run/netns/x"},"name":"tap0_kvm"})",
      R"({"made":"ingress","netns":{"path":"/run/netns/x","inode":1},"interface":"a/b"})",
      R"({"made":"ingress","netns":{"path":"/run/netns/x","inode":1},"interface":"0123456789abcdef"})",
  };
  for (std::string record : bad) {
    TestDir dir;
    for (size_t at = record.find("DIR"); at != std::string::npos; at = record.find("DIR")) record.replace(at, 3, dir.path());
    std::ofstream(dir / "made.jsonl") << record << "\n";
    EXPECT_THROW(Ledger(dir.path()).read(), Error) << record;
  }
}

}  // namespace
}  // namespace ppc::shim
