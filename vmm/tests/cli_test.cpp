#include "cli.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "config_error.h"

namespace ppc::vmm {
namespace {

// The ConfigError message parse_cli throws; "<no throw>" when it does not.
std::string cli_error(const std::vector<std::string>& args) {
  try {
    parse_cli(args);
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "<no throw>";
}

bool size_rejected(const std::string& text) {
  try {
    parse_size(text);
  } catch (const ConfigError&) {
    return true;
  }
  return false;
}

TEST(ParseSize, AcceptsSuffixesAndPlainBytes) {
  EXPECT_EQ(parse_size("512M"), 512ull << 20);
  EXPECT_EQ(parse_size("1G"), 1ull << 30);
  EXPECT_EQ(parse_size("64K"), 64ull << 10);
  EXPECT_EQ(parse_size("1048576"), 1048576u);
  EXPECT_EQ(parse_size("2g"), 2ull << 30);
  EXPECT_EQ(parse_size("3m"), 3ull << 20);
  EXPECT_EQ(parse_size("0"), 0u);
}

TEST(ParseSize, AcceptsTheLargestValues) {
  EXPECT_EQ(parse_size("18446744073709551615"), UINT64_MAX);
  EXPECT_EQ(parse_size("17179869183G"), 17179869183ull << 30);
}

TEST(ParseSize, RejectsMalformedText) {
  for (const char* text : {"", "M", "12Q", "1.5G", "12MB", "-1", " 1", "1 ", "0x10", "G1"}) {
    EXPECT_TRUE(size_rejected(text)) << "'" << text << "'";
  }
}

TEST(ParseSize, RejectsOverflow) {
  EXPECT_TRUE(size_rejected("99999999999999999999"));
  EXPECT_TRUE(size_rejected("18446744073709551616"));
  EXPECT_TRUE(size_rejected("17179869184G"));  // 2^34 GiB = 2^64
  EXPECT_TRUE(size_rejected("17592186044416M"));
}

TEST(ParseSize, ErrorQuotesTheText) {
  try {
    parse_size("12Q");
    FAIL() << "12Q accepted";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("'12Q'"), std::string::npos) << e.what();
  }
}

TEST(ParseCli, EveryFlagRoundTripsIntoMachineConfig) {
  const CliOptions o = parse_cli({"--kernel", "/boot/vmlinux", "--raw-kernel", "--initrd", "/boot/initrd.cpio",
                                  "--cmdline", "console=hvc0 root=/dev/ram", "--memory", "1G", "--vcpus", "4",
                                  "--vm-type", "pr", "--console", "/tmp/console.log", "--console-input", "--kvm",
                                  "/dev/kvm-alt"});
  EXPECT_EQ(o.machine.kernel, "/boot/vmlinux");
  EXPECT_TRUE(o.machine.raw_kernel);
  EXPECT_EQ(o.machine.initrd, "/boot/initrd.cpio");
  EXPECT_EQ(o.machine.cmdline, "console=hvc0 root=/dev/ram");
  EXPECT_EQ(o.machine.memory, 1ull << 30);
  EXPECT_EQ(o.machine.vcpus, 4u);
  EXPECT_EQ(o.machine.vm_type, VmType::Pr);
  EXPECT_EQ(o.machine.console, "/tmp/console.log");
  EXPECT_TRUE(o.machine.console_input);
  EXPECT_EQ(o.machine.kvm_path, "/dev/kvm-alt");
  EXPECT_FALSE(o.probe);
  EXPECT_FALSE(o.help);
}

TEST(ParseCli, DefaultsWithOnlyAKernel) {
  const CliOptions o = parse_cli({"--kernel", "vmlinux"});
  EXPECT_EQ(o.machine.kernel, "vmlinux");
  EXPECT_FALSE(o.machine.raw_kernel);
  EXPECT_EQ(o.machine.initrd, "");
  EXPECT_EQ(o.machine.cmdline, "console=hvc0 panic=-1");
  EXPECT_EQ(o.machine.memory, 512ull << 20);
  EXPECT_EQ(o.machine.vcpus, 1u);
  EXPECT_EQ(o.machine.vm_type, VmType::Auto);
  EXPECT_EQ(o.machine.console, "-");
  EXPECT_FALSE(o.machine.console_input);
  EXPECT_EQ(o.machine.kvm_path, "/dev/kvm");
}

TEST(ParseCli, VmTypeHvAndAutoAndVcpusBounds) {
  EXPECT_EQ(parse_cli({"--kernel", "k", "--vm-type", "hv"}).machine.vm_type, VmType::Hv);
  EXPECT_EQ(parse_cli({"--kernel", "k", "--vm-type", "auto"}).machine.vm_type, VmType::Auto);
  EXPECT_EQ(parse_cli({"--kernel", "k", "--vcpus", "1"}).machine.vcpus, 1u);
  EXPECT_EQ(parse_cli({"--kernel", "k", "--vcpus", "16"}).machine.vcpus, 16u);
}

TEST(ParseCli, BadVmTypeNamesTheFlag) {
  const std::string msg = cli_error({"--kernel", "k", "--vm-type", "bogus"});
  EXPECT_NE(msg.find("--vm-type"), std::string::npos) << msg;
  EXPECT_NE(msg.find("bogus"), std::string::npos) << msg;
}

TEST(ParseCli, VcpusOutOfRangeOrNotANumberNamesTheFlag) {
  for (const char* v : {"0", "17", "abc", "1K", ""}) {
    SCOPED_TRACE(v);
    const std::string msg = cli_error({"--kernel", "k", "--vcpus", v});
    EXPECT_NE(msg.find("--vcpus"), std::string::npos) << msg;
  }
}

TEST(ParseCli, BadMemoryNamesTheFlag) {
  const std::string msg = cli_error({"--kernel", "k", "--memory", "lots"});
  EXPECT_NE(msg.find("--memory"), std::string::npos) << msg;
}

TEST(ParseCli, MissingValueAtTheEndNamesTheFlag) {
  for (const char* flag : {"--kernel", "--initrd", "--cmdline", "--memory", "--vcpus", "--vm-type", "--console",
                           "--kvm"}) {
    SCOPED_TRACE(flag);
    const std::string msg = cli_error({"--kernel", "k", flag});
    EXPECT_NE(msg.find(flag), std::string::npos) << msg;
    EXPECT_NE(msg.find("needs a value"), std::string::npos) << msg;
  }
}

TEST(ParseCli, UnknownFlagIsNamed) {
  const std::string msg = cli_error({"--kernel", "k", "--frobnicate"});
  EXPECT_NE(msg.find("--frobnicate"), std::string::npos) << msg;
  const std::string positional = cli_error({"--kernel", "k", "vmlinux"});
  EXPECT_NE(positional.find("'vmlinux'"), std::string::npos) << positional;
}

TEST(ParseCli, KernelIsRequired) {
  const std::string msg = cli_error({"--memory", "1G"});
  EXPECT_NE(msg.find("--kernel"), std::string::npos) << msg;
  EXPECT_NE(cli_error({}).find("--kernel"), std::string::npos);
}

TEST(ParseCli, HelpAndProbeDoNotNeedAKernel) {
  EXPECT_TRUE(parse_cli({"--help"}).help);
  EXPECT_TRUE(parse_cli({"-h"}).help);
  const CliOptions probe = parse_cli({"--probe"});
  EXPECT_TRUE(probe.probe);
  EXPECT_FALSE(probe.help);
}

TEST(Usage, MentionsEveryFlagParseCliAccepts) {
  // Each flag, with a value when it takes one; parse_cli must accept it and usage() name it.
  const std::vector<std::vector<std::string>> flags = {
      {"--kernel", "k"}, {"--raw-kernel"},      {"--initrd", "i"}, {"--cmdline", "c"},
      {"--memory", "1G"}, {"--vcpus", "2"},     {"--vm-type", "hv"}, {"--console", "-"},
      {"--console-input"}, {"--kvm", "/dev/kvm"}, {"--probe"},       {"--help"},
      {"--fs-share", "d"}, {"--fs-share", "d", "--fs-tag", "t"}, {"--fs-share", "d", "--virtiofsd", "v"},
      {"--snapshot-to", "s", "--vsock-uds", "u", "--save-when-ready"},
  };
  const std::string text = usage();
  for (const auto& flag : flags) {
    SCOPED_TRACE(flag[0]);
    std::vector<std::string> args = {"--kernel", "k"};
    args.insert(args.end(), flag.begin(), flag.end());
    EXPECT_EQ(cli_error(args), "<no throw>");
    // As a whole word: "--console" must not be satisfied by "--console-input" alone.
    for (const std::string& word : flag) {
      if (word.rfind("--", 0) != 0) continue;
      EXPECT_TRUE(text.find("  " + word + " ") != std::string::npos || text.find(" " + word + "\n") != std::string::npos)
          << word << " missing from usage()";
    }
  }
}

TEST(ParseCli, SandboxIsOnByDefault) {
  const CliOptions o = parse_cli({"--kernel", "k"});
  EXPECT_TRUE(o.sandbox.enabled);
  EXPECT_TRUE(o.sandbox.jail);
  EXPECT_EQ(o.sandbox.seccomp, SeccompMode::Kill);
  EXPECT_TRUE(o.sandbox.seccomp_on());
  EXPECT_TRUE(o.sandbox.jail_on());
  EXPECT_FALSE(o.sandbox.uid.has_value());
  EXPECT_FALSE(o.sandbox.gid.has_value());
  EXPECT_EQ(o.sandbox.kvm_fd, -1);
  EXPECT_TRUE(o.sandbox.cgroup.empty());
  EXPECT_TRUE(o.sandbox.debug_violation.empty());
}

TEST(ParseCli, SandboxFlagsRoundTrip) {
  const CliOptions o = parse_cli({"--kernel", "k", "--seccomp", "log", "--uid", "1000", "--gid", "100",
                                  "--cgroup", "/sys/fs/cgroup/vm1", "--rlimit", "nofile=256", "--rlimit", "fsize=unlimited",
                                  "--kvm-fd", "7", "--keep-fd", "9", "--keep-fd", "10",
                                  "--debug-seccomp-violation", "device"});
  EXPECT_EQ(o.sandbox.seccomp, SeccompMode::Log);
  EXPECT_TRUE(o.sandbox.jail_on());
  EXPECT_TRUE(o.sandbox.seccomp_on());
  EXPECT_FALSE(parse_cli({"--kernel", "k", "--no-jail"}).sandbox.jail_on());
  EXPECT_EQ(o.sandbox.uid, 1000u);
  EXPECT_EQ(o.sandbox.gid, 100u);
  EXPECT_EQ(o.sandbox.cgroup, "/sys/fs/cgroup/vm1");
  ASSERT_EQ(o.sandbox.rlimits.size(), 2u);
  EXPECT_EQ(o.sandbox.rlimits[0].resource, RLIMIT_NOFILE);
  EXPECT_EQ(o.sandbox.rlimits[0].value, 256u);
  EXPECT_EQ(o.sandbox.rlimits[1].value, RLIM_INFINITY);
  EXPECT_EQ(o.sandbox.kvm_fd, 7);
  EXPECT_EQ(o.sandbox.keep_fds, (std::vector<int>{9, 10}));
  EXPECT_EQ(o.sandbox.debug_violation, "device");
}

TEST(ParseCli, NoSandboxTurnsEverythingOff) {
  const CliOptions o = parse_cli({"--kernel", "k", "--no-sandbox"});
  EXPECT_FALSE(o.sandbox.enabled);
  EXPECT_FALSE(o.sandbox.seccomp_on());
  EXPECT_FALSE(o.sandbox.jail_on());
  EXPECT_FALSE(parse_cli({"--kernel", "k", "--seccomp", "off"}).sandbox.seccomp_on());
}

TEST(ParseCli, BadSandboxValuesNameTheFlag) {
  const std::vector<std::vector<std::string>> cases = {
      {"--seccomp", "maybe"}, {"--uid", "root"}, {"--uid", "-1"}, {"--gid", "99999999999"},
      {"--rlimit", "nofile"}, {"--rlimit", "files=3"}, {"--rlimit", "nofile=lots"}, {"--kvm-fd", "x"},
      {"--keep-fd", ""}, {"--debug-seccomp-violation", "supervisor"}, {"--debug-seccomp-violation", "gpu"},
      {"--cgroup", ""},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c[0] + " " + c[1]);
    const std::string msg = cli_error({"--kernel", "k", c[0], c[1]});
    EXPECT_NE(msg.find(c[0]), std::string::npos) << msg;
  }
}

TEST(ParseCli, SaveWhenReadyNeedsASnapshotAndTheAgentsSocketAndNoContainer) {
  const std::string want = "--save-when-ready needs --snapshot-to and --vsock-uds, and no --container-request";
  EXPECT_EQ(cli_error({"--kernel", "k", "--vsock-uds", "u", "--save-when-ready"}), want);
  EXPECT_EQ(cli_error({"--kernel", "k", "--snapshot-to", "s", "--save-when-ready"}), want);
  EXPECT_EQ(cli_error({"--kernel", "k", "--snapshot-to", "s", "--vsock-uds", "u", "--save-when-ready", "--container-request",
                       "r", "--ready-fd", "3", "--log", "l"}),
            want);
  const CliOptions o = parse_cli({"--kernel", "k", "--snapshot-to", "s", "--vsock-uds", "u", "--save-when-ready"});
  EXPECT_TRUE(o.save_when_ready);
}

TEST(ParseCli, OptionsThatWouldDoNothingAreRefused) {
  EXPECT_NE(cli_error({"--kernel", "k", "--no-sandbox", "--uid", "5"}).find("--uid"), std::string::npos);
  EXPECT_NE(cli_error({"--kernel", "k", "--no-sandbox", "--gid", "5"}).find("--gid"), std::string::npos);
  EXPECT_NE(cli_error({"--kernel", "k", "--no-jail", "--rlimit", "core=0"}).find("--rlimit"), std::string::npos);
  EXPECT_EQ(cli_error({"--kernel", "k", "--no-jail", "--uid", "5"}), "<no throw>");
  EXPECT_EQ(cli_error({"--kernel", "k", "--no-sandbox", "--cgroup", "/c"}), "<no throw>");
}

TEST(ParseCli, FsShareFlagsRoundTripWithDefaults) {
  const CliOptions plain = parse_cli({"--kernel", "k"});
  EXPECT_TRUE(plain.machine.devices.fs.share_dir.empty());
  const CliOptions o = parse_cli({"--kernel", "k", "--fs-share", "/srv/share"});
  EXPECT_EQ(o.machine.devices.fs.share_dir, "/srv/share");
  EXPECT_EQ(o.machine.devices.fs.tag, "ppc-kvm-share");
  EXPECT_EQ(o.machine.devices.fs.virtiofsd, "/usr/lib/qemu/virtiofsd");
  const std::string tag36(36, 't');
  const CliOptions set = parse_cli({"--kernel", "k", "--fs-share", "d", "--fs-tag", tag36, "--virtiofsd", "/opt/vfsd",
                                    "--virtiofsd-cgroup", "/sys/fs/cgroup/c.virtiofsd"});
  EXPECT_EQ(set.machine.devices.fs.tag, tag36);
  EXPECT_EQ(set.machine.devices.fs.virtiofsd, "/opt/vfsd");
  EXPECT_EQ(set.machine.devices.fs.virtiofsd_cgroup, "/sys/fs/cgroup/c.virtiofsd");
}

TEST(ParseCli, BadFsTagsAndLoneFsOptionsAreRefused) {
  for (const std::string& tag : {std::string(), std::string(37, 't'), std::string("a\nb")}) {
    SCOPED_TRACE(tag);
    EXPECT_NE(cli_error({"--kernel", "k", "--fs-share", "d", "--fs-tag", tag}).find("--fs-tag"), std::string::npos);
  }
  EXPECT_NE(cli_error({"--kernel", "k", "--fs-tag", "x"}).find("go with --fs-share"), std::string::npos);
  EXPECT_NE(cli_error({"--kernel", "k", "--virtiofsd", "/x"}).find("go with --fs-share"), std::string::npos);
  EXPECT_NE(cli_error({"--kernel", "k", "--virtiofsd-cgroup", "/c"}).find("go with --fs-share"), std::string::npos);
  EXPECT_NE(cli_error({"--kernel", "k", "--fs-share", "d", "--virtiofsd-cgroup", ""}).find("--virtiofsd-cgroup needs"),
            std::string::npos);
  EXPECT_NE(cli_error({"--kernel", "k", "--fs-share", ""}).find("--fs-share"), std::string::npos);
}

TEST(ParseCli, NetFlagsKeepTheirOrder) {
  EXPECT_TRUE(parse_cli({"--kernel", "k"}).machine.devices.nics.empty());
  const CliOptions o = parse_cli({"--kernel", "k", "--net", "tap=tap0_ppc,mac=02:00:00:00:00:01,mtu=1450", "--net",
                                  "tap=tap1_ppc,mac=02:00:00:00:00:02"});
  ASSERT_EQ(o.machine.devices.nics.size(), 2u);
  EXPECT_EQ(o.machine.devices.nics[0].tap, "tap0_ppc");
  EXPECT_EQ(o.machine.devices.nics[0].mtu, 1450);
  EXPECT_EQ(o.machine.devices.nics[1].tap, "tap1_ppc");
  EXPECT_EQ(o.machine.devices.nics[1].mac[5], 2);
  EXPECT_NE(cli_error({"--kernel", "k", "--net", "tap=t,mac=01:00:00:00:00:01"}).find("--net tap=t,mac=01:00:00:00:00:01: mac"),
            std::string::npos);
}

TEST(ParseCli, ConsoleLimitTakesThreeSizesForAFile) {
  const auto limits = parse_cli({"--kernel", "k", "--console", "/c.log", "--console-limit", "16K,2K,8K"}).machine.console_limits;
  EXPECT_EQ(limits.total, 16u << 10);
  EXPECT_EQ(limits.bytes_per_second, 2u << 10);
  EXPECT_EQ(limits.burst, 8u << 10);
  EXPECT_EQ(parse_cli({"--kernel", "k"}).machine.console_limits.total, kConsoleFileLimits.total);
  for (const std::string bad : {"16K,2K", "16K,2K,x", "16K,100,8K", ""}) {
    SCOPED_TRACE(bad);
    EXPECT_NE(cli_error({"--kernel", "k", "--console", "/c.log", "--console-limit", bad}).find("--console-limit"),
              std::string::npos);
  }
  EXPECT_NE(cli_error({"--kernel", "k", "--console-limit", "16K,2K,8K"}).find("--console-limit goes with --console FILE"),
            std::string::npos);
}

TEST(ParseCli, PrintSeccompDoesNotNeedAKernel) {
  EXPECT_TRUE(parse_cli({"--print-seccomp"}).print_seccomp);
}

TEST(ParseCli, PrintBootTimesTurnsOnStats) {
  const CliOptions plain = parse_cli({"--kernel", "k"});
  EXPECT_FALSE(plain.print_boot_times);
  EXPECT_FALSE(plain.machine.stats);
  const CliOptions o = parse_cli({"--kernel", "k", "--print-boot-times"});
  EXPECT_TRUE(o.print_boot_times);
  EXPECT_TRUE(o.machine.stats);
  EXPECT_NE(usage().find("--print-boot-times"), std::string::npos);
}

TEST(Usage, MentionsEverySandboxFlag) {
  const std::vector<std::vector<std::string>> flags = {
      {"--no-sandbox"}, {"--seccomp", "kill"}, {"--print-seccomp"}, {"--no-jail"},     {"--uid", "1"},
      {"--gid", "1"},   {"--cgroup", "/c"},    {"--rlimit", "core=0"}, {"--kvm-fd", "3"}, {"--keep-fd", "4"},
      {"--debug-seccomp-violation", "vcpu"},
  };
  const std::string text = usage();
  for (const auto& flag : flags) {
    SCOPED_TRACE(flag[0]);
    std::vector<std::string> args = {"--kernel", "k"};
    args.insert(args.end(), flag.begin(), flag.end());
    EXPECT_EQ(cli_error(args), "<no throw>");
    EXPECT_TRUE(text.find("  " + flag[0] + " ") != std::string::npos ||
                text.find("  " + flag[0] + "\n") != std::string::npos)
        << flag[0] << " missing from usage()";
  }
}

}  // namespace
}  // namespace ppc::vmm
