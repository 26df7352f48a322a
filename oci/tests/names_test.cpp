// Capability, rlimit, signal and seccomp name tables.
#include <sys/resource.h>

#include <gtest/gtest.h>

#include <csignal>

#include "oci/capabilities.h"
#include "oci/rlimits.h"
#include "oci/seccomp_names.h"
#include "oci/signals.h"

namespace ppc::oci {
namespace {

TEST(oci_Capabilities, KnownNumbers) {
  EXPECT_EQ(capability_number("CAP_CHOWN"), 0);
  EXPECT_EQ(capability_number("CAP_KILL"), 5);
  EXPECT_EQ(capability_number("CAP_NET_BIND_SERVICE"), 10);
  EXPECT_EQ(capability_number("CAP_NET_RAW"), 13);
  EXPECT_EQ(capability_number("CAP_SYS_CHROOT"), 18);
  EXPECT_EQ(capability_number("CAP_SYS_ADMIN"), 21);
  EXPECT_EQ(capability_number("CAP_MKNOD"), 27);
  EXPECT_EQ(capability_number("CAP_AUDIT_WRITE"), 29);
  EXPECT_EQ(capability_number("CAP_SETFCAP"), 31);
  EXPECT_EQ(capability_number("CAP_AUDIT_READ"), 37);
  EXPECT_EQ(capability_number("CAP_PERFMON"), 38);
  EXPECT_EQ(capability_number("CAP_BPF"), 39);
  EXPECT_EQ(capability_number("CAP_CHECKPOINT_RESTORE"), 40);
}

TEST(oci_Capabilities, EveryNumberHasOneName) {
  for (int n = 0; n <= kLastCapability; ++n) {
    const auto name = capability_name(n);
    ASSERT_TRUE(name.has_value()) << n;
    EXPECT_EQ(capability_number(*name), n) << *name;
  }
  EXPECT_EQ(capability_name(-1), std::nullopt);
  EXPECT_EQ(capability_name(kLastCapability + 1), std::nullopt);
}

TEST(oci_Capabilities, UnknownOrMisspelled) {
  EXPECT_EQ(capability_number("CAP_FOO"), std::nullopt);
  EXPECT_EQ(capability_number("cap_sys_admin"), std::nullopt);
  EXPECT_EQ(capability_number("SYS_ADMIN"), std::nullopt);
  EXPECT_EQ(capability_number(""), std::nullopt);
  EXPECT_EQ(capability_number("CAP_SYS_ADMIN "), std::nullopt);
}

TEST(oci_Rlimits, Names) {
  EXPECT_EQ(rlimit_resource("RLIMIT_NOFILE"), RLIMIT_NOFILE);
  EXPECT_EQ(rlimit_resource("RLIMIT_NPROC"), RLIMIT_NPROC);
  EXPECT_EQ(rlimit_resource("RLIMIT_CORE"), RLIMIT_CORE);
  EXPECT_EQ(rlimit_resource("RLIMIT_AS"), RLIMIT_AS);
  EXPECT_EQ(rlimit_resource("RLIMIT_MEMLOCK"), RLIMIT_MEMLOCK);
  EXPECT_EQ(rlimit_resource("RLIMIT_RTTIME"), RLIMIT_RTTIME);
  EXPECT_EQ(rlimit_resource("RLIMIT_CPU"), RLIMIT_CPU);
  // The Linux numbers, which ppc64le and x86_64 share.
  EXPECT_EQ(rlimit_resource("RLIMIT_NOFILE"), 7);
  EXPECT_EQ(rlimit_resource("RLIMIT_RTTIME"), 15);
  EXPECT_EQ(rlimit_resource("NOFILE"), std::nullopt);
  EXPECT_EQ(rlimit_resource("rlimit_nofile"), std::nullopt);
  EXPECT_EQ(rlimit_resource("RLIMIT_FOO"), std::nullopt);
}

TEST(oci_Signals, NamesWithAndWithoutPrefix) {
  EXPECT_EQ(signal_number("SIGTERM"), 15);
  EXPECT_EQ(signal_number("TERM"), 15);
  EXPECT_EQ(signal_number("sigterm"), 15);
  EXPECT_EQ(signal_number("Term"), 15);
  EXPECT_EQ(signal_number("SIGKILL"), 9);
  EXPECT_EQ(signal_number("HUP"), 1);
  EXPECT_EQ(signal_number("SIGINT"), 2);
  EXPECT_EQ(signal_number("SIGUSR1"), 10);
  EXPECT_EQ(signal_number("SIGUSR2"), 12);
  EXPECT_EQ(signal_number("SIGCHLD"), 17);
  EXPECT_EQ(signal_number("SIGCONT"), 18);
  EXPECT_EQ(signal_number("SIGSTOP"), 19);
  EXPECT_EQ(signal_number("SIGWINCH"), 28);
  EXPECT_EQ(signal_number("SIGPWR"), 30);
  EXPECT_EQ(signal_number("SIGSYS"), 31);
  EXPECT_EQ(signal_number("IOT"), SIGABRT);
}

TEST(oci_Signals, Numbers) {
  EXPECT_EQ(signal_number("15"), 15);
  EXPECT_EQ(signal_number("1"), 1);
  EXPECT_EQ(signal_number("64"), 64);
  EXPECT_EQ(signal_number("0"), std::nullopt);
  EXPECT_EQ(signal_number("65"), std::nullopt);
  EXPECT_EQ(signal_number("-9"), std::nullopt);
  EXPECT_EQ(signal_number("+9"), std::nullopt);
  EXPECT_EQ(signal_number("9x"), std::nullopt);
  EXPECT_EQ(signal_number("99999999999999999999"), std::nullopt);
}

TEST(oci_Signals, RealTime) {
  EXPECT_EQ(signal_number("SIGRTMIN"), SIGRTMIN);
  EXPECT_EQ(signal_number("SIGRTMIN+3"), SIGRTMIN + 3);
  EXPECT_EQ(signal_number("RTMIN+3"), SIGRTMIN + 3);
  EXPECT_EQ(signal_number("sigrtmin+3"), SIGRTMIN + 3);
  EXPECT_EQ(signal_number("SIGRTMAX"), 64);
  EXPECT_EQ(signal_number("SIGRTMAX-1"), 63);
  EXPECT_EQ(signal_number("SIGRTMIN+" + std::to_string(SIGRTMAX - SIGRTMIN)), 64);
  EXPECT_EQ(signal_number("SIGRTMIN+" + std::to_string(SIGRTMAX - SIGRTMIN + 1)), std::nullopt);
  EXPECT_EQ(signal_number("SIGRTMAX-" + std::to_string(SIGRTMAX - SIGRTMIN + 1)), std::nullopt);
  EXPECT_EQ(signal_number("SIGRTMIN+"), std::nullopt);
  EXPECT_EQ(signal_number("SIGRTMIN-1"), std::nullopt);
}

TEST(oci_Signals, Invalid) {
  EXPECT_EQ(signal_number(""), std::nullopt);
  EXPECT_EQ(signal_number("SIG"), std::nullopt);
  EXPECT_EQ(signal_number("SIGFOO"), std::nullopt);
  EXPECT_EQ(signal_number("SIGSIGTERM"), std::nullopt);
  EXPECT_EQ(signal_number(" SIGTERM"), std::nullopt);
  EXPECT_EQ(signal_number("SIGTERMINATE"), std::nullopt);
}

TEST(oci_SeccompNames, Actions) {
  for (const char* name : {"SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP",
                           "SCMP_ACT_ERRNO", "SCMP_ACT_TRACE", "SCMP_ACT_ALLOW", "SCMP_ACT_LOG", "SCMP_ACT_NOTIFY"}) {
    EXPECT_TRUE(is_known_seccomp_action(name)) << name;
  }
  EXPECT_FALSE(is_known_seccomp_action("SCMP_ACT_DENY"));
  EXPECT_FALSE(is_known_seccomp_action("scmp_act_allow"));
  EXPECT_FALSE(is_known_seccomp_action(""));
  EXPECT_TRUE(seccomp_action_takes_errno("SCMP_ACT_ERRNO"));
  EXPECT_TRUE(seccomp_action_takes_errno("SCMP_ACT_TRACE"));
  EXPECT_FALSE(seccomp_action_takes_errno("SCMP_ACT_ALLOW"));
}

TEST(oci_SeccompNames, Operators) {
  for (const char* name : {"SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT",
                           "SCMP_CMP_MASKED_EQ"}) {
    EXPECT_TRUE(is_known_seccomp_operator(name)) << name;
  }
  EXPECT_FALSE(is_known_seccomp_operator("SCMP_CMP_IN"));
  EXPECT_FALSE(is_known_seccomp_operator("EQ"));
}

TEST(oci_SeccompNames, ArchitecturesAndFlags) {
  for (const char* name : {"SCMP_ARCH_PPC64LE", "SCMP_ARCH_PPC64", "SCMP_ARCH_PPC", "SCMP_ARCH_X86_64", "SCMP_ARCH_X86",
                           "SCMP_ARCH_X32", "SCMP_ARCH_AARCH64", "SCMP_ARCH_RISCV64", "SCMP_ARCH_S390X",
                           "SCMP_ARCH_LOONGARCH64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_SHEB"}) {
    EXPECT_TRUE(is_known_seccomp_arch(name)) << name;
  }
  EXPECT_FALSE(is_known_seccomp_arch("SCMP_ARCH_PPC64EL"));
  EXPECT_FALSE(is_known_seccomp_arch("ppc64le"));
  EXPECT_TRUE(is_known_seccomp_flag("SECCOMP_FILTER_FLAG_TSYNC"));
  EXPECT_TRUE(is_known_seccomp_flag("SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV"));
  EXPECT_FALSE(is_known_seccomp_flag("SECCOMP_FILTER_FLAG_NEW_LISTENER"));
}

}  // namespace
}  // namespace ppc::oci
