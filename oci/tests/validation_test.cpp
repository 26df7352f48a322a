// Every validation rule refuses a bad document with a message that names the field.
#include <gtest/gtest.h>

#include <string>

#include "base/error.h"
#include "oci/parse_config.h"

namespace ppc::oci {
namespace {

using nlohmann::json;

// Valid, and small: each case below breaks exactly one thing in it.
json valid_config() {
  return json::parse(R"({
    "ociVersion": "1.1.0",
    "root": {"path": "rootfs", "readonly": false},
    "process": {
      "terminal": false,
      "consoleSize": {"height": 24, "width": 80},
      "user": {"uid": 1000, "gid": 1000, "umask": 18, "additionalGids": [10, 20]},
      "args": ["/bin/sh", "-c", "true"],
      "env": ["PATH=/bin", "EMPTY="],
      "cwd": "/",
      "capabilities": {"bounding": ["CAP_CHOWN", "CAP_KILL", "CAP_NET_RAW", "CAP_SYS_ADMIN"]},
      "rlimits": [{"type": "RLIMIT_NOFILE", "soft": 1024, "hard": 4096}],
      "oomScoreAdj": 0
    },
    "hostname": "box",
    "mounts": [
      {"destination": "/proc", "type": "proc", "source": "proc"},
      {"destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid"]},
      {"destination": "/data", "type": "bind", "source": "/srv/data", "options": ["rbind", "ro"]}
    ],
    "hooks": {"prestart": [{"path": "/bin/true", "args": ["true"], "env": ["A=1"], "timeout": 5}]},
    "annotations": {"key": "value"},
    "linux": {
      "namespaces": [{"type": "pid"}, {"type": "mount"}, {"type": "network", "path": "/proc/1/ns/net"}],
      "uidMappings": [{"containerID": 0, "hostID": 1000, "size": 1}],
      "devices": [{"path": "/dev/null", "type": "c", "major": 1, "minor": 3}],
      "resources": {"memory": {"limit": 1048576}, "cpu": {"shares": 512}, "pids": {"limit": 10}},
      "sysctl": {"net.ipv4.ip_forward": "1"},
      "seccomp": {
        "defaultAction": "SCMP_ACT_ERRNO",
        "architectures": ["SCMP_ARCH_PPC64LE"],
        "syscalls": [{"names": ["read", "write"], "action": "SCMP_ACT_ALLOW",
                      "args": [{"index": 0, "value": 1, "op": "SCMP_CMP_EQ"}]}]
      },
      "maskedPaths": ["/proc/kcore"],
      "readonlyPaths": ["/proc/sys"],
      "rootfsPropagation": "rprivate"
    }
  })");
}

std::string error_of(const json& document) {
  try {
    parse_config(document);
  } catch (const Error& e) {
    return e.what();
  }
  return "<no error>";
}

TEST(oci_Validation, TheBaseDocumentIsValid) { EXPECT_EQ(error_of(valid_config()), "<no error>"); }

// One broken field: `pointer` is set to `value` (JSON text), or removed when value is "-".
struct Case {
  const char* name;
  const char* pointer;
  const char* value;
  const char* message;  // the whole message parse_config throws
};

class BrokenField : public ::testing::TestWithParam<Case> {};

TEST_P(BrokenField, IsRefusedNamingTheField) {
  const Case& c = GetParam();
  json document = valid_config();
  const json::json_pointer pointer(c.pointer);
  if (std::string(c.value) == "-") {
    document[pointer.parent_pointer()].erase(pointer.back());
  } else {
    document[pointer] = json::parse(c.value);
  }
  EXPECT_EQ(error_of(document), c.message);
}

const Case kCases[] = {
    // The document itself and its version.
    {"OciVersionMissing", "/ociVersion", "-", "ociVersion: required field is missing"},
    {"OciVersionNotString", "/ociVersion", "1", "ociVersion: expected a string, got 1"},
    {"OciVersionNull", "/ociVersion", "null", "ociVersion: required field is null"},
    // root
    {"RootMissing", "/root", "-", "root: required field is missing"},
    {"RootNotObject", "/root", R"("rootfs")", R"(root: expected an object, got "rootfs")"},
    {"RootPathMissing", "/root/path", "-", "root.path: required field is missing"},
    {"RootPathEmpty", "/root/path", R"("")", "root.path: must not be empty"},
    {"RootPathNotString", "/root/path", "[]", "root.path: expected a string, got an array"},
    {"RootReadonlyNotBool", "/root/readonly", R"("yes")", R"(root.readonly: expected a boolean, got "yes")"},
    // process
    {"ProcessNotObject", "/process", "[]", "process: expected an object, got an array"},
    {"ArgsMissing", "/process/args", "-", "process.args: required field is missing"},
    {"ArgsEmpty", "/process/args", "[]", "process.args: must not be empty (the first entry is the executable)"},
    {"ArgsNotArray", "/process/args", R"("sh")", R"(process.args: expected an array, got "sh")"},
    {"ArgsEntryNotString", "/process/args/1", "7", "process.args[1]: expected a string, got 7"},
    {"ArgsExecutableEmpty", "/process/args/0", R"("")", "process.args[0]: the executable must not be empty"},
    {"CwdMissing", "/process/cwd", "-", "process.cwd: required field is missing"},
    {"CwdRelative", "/process/cwd", R"("work")", R"(process.cwd: must be an absolute path, got "work")"},
    {"EnvWithoutEquals", "/process/env/1", R"("FOO")", R"(process.env[1]: expected KEY=value, got "FOO")"},
    {"EnvEmptyKey", "/process/env/0", R"("=x")", R"(process.env[0]: expected KEY=value, got "=x")"},
    {"EnvNotArray", "/process/env", R"("A=b")", R"(process.env: expected an array, got "A=b")"},
    {"UidNotNumber", "/process/user/uid", R"("abc")",
     R"(process.user.uid: expected an unsigned 32-bit integer, got "abc")"},
    {"UidNegative", "/process/user/uid", "-1", "process.user.uid: expected an unsigned 32-bit integer, got -1"},
    {"UidTooLarge", "/process/user/uid", "4294967296",
     "process.user.uid: expected an unsigned 32-bit integer, got 4294967296"},
    {"UidFloat", "/process/user/uid", "1.5", "process.user.uid: expected an unsigned 32-bit integer, got 1.5"},
    {"UidMissing", "/process/user/uid", "-", "process.user.uid: required field is missing"},
    {"GidNotNumber", "/process/user/gid", "true", "process.user.gid: expected an unsigned 32-bit integer, got true"},
    {"UmaskNegative", "/process/user/umask", "-18", "process.user.umask: expected an unsigned 32-bit integer, got -18"},
    {"AdditionalGidBad", "/process/user/additionalGids/1", R"("wheel")",
     R"(process.user.additionalGids[1]: expected an unsigned 32-bit integer, got "wheel")"},
    {"TerminalNotBool", "/process/terminal", "1", "process.terminal: expected a boolean, got 1"},
    {"ConsoleSizeNotObject", "/process/consoleSize", "80", "process.consoleSize: expected an object, got 80"},
    {"ConsoleWidthMissing", "/process/consoleSize/width", "-", "process.consoleSize.width: required field is missing"},
    {"ConsoleHeightNegative", "/process/consoleSize/height", "-24",
     "process.consoleSize.height: expected an unsigned 32-bit integer, got -24"},
    {"CapabilityUnknown", "/process/capabilities/bounding/3", R"("CAP_FOO")",
     R"(process.capabilities.bounding[3]: unknown capability "CAP_FOO" (known: CAP_CHOWN .. CAP_CHECKPOINT_RESTORE))"},
    {"CapabilityUnknownInAmbient", "/process/capabilities/ambient", R"(["CAP_KILL", "cap_kill"])",
     R"(process.capabilities.ambient[1]: unknown capability "cap_kill" (known: CAP_CHOWN .. CAP_CHECKPOINT_RESTORE))"},
    // The pre-1.0 spec had a flat list; it is not an object.
    {"CapabilitiesOldFlatList", "/process/capabilities", R"(["CAP_KILL"])",
     "process.capabilities: expected an object, got an array"},
    {"CapabilitySetNotArray", "/process/capabilities/effective", R"("CAP_KILL")",
     R"(process.capabilities.effective: expected an array, got "CAP_KILL")"},
    {"RlimitTypeUnknown", "/process/rlimits/0/type", R"("RLIMIT_FOO")",
     R"(process.rlimits[0].type: unknown rlimit type "RLIMIT_FOO")"},
    {"RlimitSoftAboveHard", "/process/rlimits/0/soft", "8192",
     "process.rlimits[0]: soft limit 8192 exceeds hard limit 4096"},
    {"RlimitHardMissing", "/process/rlimits/0/hard", "-", "process.rlimits[0].hard: required field is missing"},
    {"RlimitSoftNegative", "/process/rlimits/0/soft", "-1",
     "process.rlimits[0].soft: expected an unsigned 64-bit integer, got -1"},
    {"RlimitNotObject", "/process/rlimits/0", R"("RLIMIT_NOFILE")",
     R"(process.rlimits[0]: expected an object, got "RLIMIT_NOFILE")"},
    {"OomScoreAdjTooHigh", "/process/oomScoreAdj", "1001",
     "process.oomScoreAdj: must be between -1000 and 1000, got 1001"},
    {"OomScoreAdjTooLow", "/process/oomScoreAdj", "-1001",
     "process.oomScoreAdj: must be between -1000 and 1000, got -1001"},
    {"OomScoreAdjNotNumber", "/process/oomScoreAdj", R"("0")",
     R"(process.oomScoreAdj: expected a signed 32-bit integer, got "0")"},
    {"NoNewPrivilegesNotBool", "/process/noNewPrivileges", R"("true")",
     R"(process.noNewPrivileges: expected a boolean, got "true")"},
    {"ApparmorNotString", "/process/apparmorProfile", "{}", "process.apparmorProfile: expected a string, got an object"},
    // names
    {"HostnameNotString", "/hostname", "42", "hostname: expected a string, got 42"},
    {"DomainnameNotString", "/domainname", "false", "domainname: expected a string, got false"},
    // mounts
    {"MountsNotArray", "/mounts", "{}", "mounts: expected an array, got an object"},
    {"MountDestinationRelative", "/mounts/2/destination", R"("data")",
     R"(mounts[2].destination: must be an absolute path, got "data")"},
    {"MountDestinationMissing", "/mounts/1/destination", "-", "mounts[1].destination: required field is missing"},
    {"MountTypeNotString", "/mounts/0/type", "1", "mounts[0].type: expected a string, got 1"},
    {"MountSourceNotString", "/mounts/0/source", "[]", "mounts[0].source: expected a string, got an array"},
    {"MountOptionsNotArray", "/mounts/1/options", R"("nosuid,nodev")",
     R"(mounts[1].options: expected an array, got "nosuid,nodev")"},
    {"MountOptionNotString", "/mounts/2/options/1", "true", "mounts[2].options[1]: expected a string, got true"},
    // hooks
    {"HooksNotObject", "/hooks", "[]", "hooks: expected an object, got an array"},
    {"HookPathRelative", "/hooks/prestart/0/path", R"("true")",
     R"(hooks.prestart[0].path: must be an absolute path, got "true")"},
    {"HookPathMissing", "/hooks/prestart/0/path", "-", "hooks.prestart[0].path: required field is missing"},
    {"HookTimeoutZero", "/hooks/prestart/0/timeout", "0",
     "hooks.prestart[0].timeout: must be a positive number of seconds, got 0"},
    {"HookTimeoutNegative", "/hooks/prestart/0/timeout", "-5",
     "hooks.prestart[0].timeout: must be a positive number of seconds, got -5"},
    {"HookTimeoutNotNumber", "/hooks/prestart/0/timeout", R"("5s")",
     R"(hooks.prestart[0].timeout: expected a signed 32-bit integer, got "5s")"},
    {"HookInPoststop", "/hooks/poststop", R"([{"path": "/x"}, {"path": "x"}])",
     R"(hooks.poststop[1].path: must be an absolute path, got "x")"},
    {"HookInCreateRuntime", "/hooks/createRuntime", R"([{"path": "/x", "args": [1]}])",
     "hooks.createRuntime[0].args[0]: expected a string, got 1"},
    {"HookEnvWithoutEquals", "/hooks/prestart/0/env/0", R"("A")", R"(hooks.prestart[0].env[0]: expected KEY=value, got "A")"},
    // annotations
    {"AnnotationsNotObject", "/annotations", "[]", "annotations: expected an object, got an array"},
    {"AnnotationValueNotString", "/annotations/key", "1", R"(annotations["key"]: expected a string, got 1)"},
    {"AnnotationDottedKeyIsQuoted", "/annotations/io.podman.x", "{}",
     R"(annotations["io.podman.x"]: expected a string, got an object)"},
    // linux
    {"LinuxNotObject", "/linux", "true", "linux: expected an object, got true"},
    {"NamespaceTypeUnknown", "/linux/namespaces/1/type", R"("net")",
     R"(linux.namespaces[1].type: unknown namespace type "net" (known: pid network mount ipc uts user cgroup time))"},
    {"NamespaceTypeMissing", "/linux/namespaces/0/type", "-", "linux.namespaces[0].type: required field is missing"},
    {"NamespaceDuplicate", "/linux/namespaces/1/type", R"("pid")", R"(linux.namespaces[1].type: duplicate namespace "pid")"},
    {"NamespacePathRelative", "/linux/namespaces/2/path", R"("ns/net")",
     R"(linux.namespaces[2].path: must be an absolute path, got "ns/net")"},
    {"UidMappingSizeMissing", "/linux/uidMappings/0/size", "-", "linux.uidMappings[0].size: required field is missing"},
    {"GidMappingHostIdBad", "/linux/gidMappings", R"([{"containerID": 0, "hostID": -1, "size": 1}])",
     "linux.gidMappings[0].hostID: expected an unsigned 32-bit integer, got -1"},
    {"DeviceTypeUnknown", "/linux/devices/0/type", R"("x")",
     R"(linux.devices[0].type: unknown device type "x" (known: c b u p))"},
    {"DevicePathRelative", "/linux/devices/0/path", R"("dev/null")",
     R"(linux.devices[0].path: must be an absolute path, got "dev/null")"},
    {"DeviceMajorNotNumber", "/linux/devices/0/major", R"("1")",
     R"(linux.devices[0].major: expected a signed 64-bit integer, got "1")"},
    {"MemoryLimitNotNumber", "/linux/resources/memory/limit", R"("1g")",
     R"(linux.resources.memory.limit: expected a signed 64-bit integer, got "1g")"},
    {"MemoryLimitTooLarge", "/linux/resources/memory/limit", "9223372036854775808",
     "linux.resources.memory.limit: expected a signed 64-bit integer, got 9223372036854775808"},
    {"CpuSharesNegative", "/linux/resources/cpu/shares", "-2",
     "linux.resources.cpu.shares: expected an unsigned 64-bit integer, got -2"},
    {"PidsLimitFloat", "/linux/resources/pids/limit", "1e3",
     "linux.resources.pids.limit: expected a signed 64-bit integer, got 1000.0"},
    {"SysctlValueNotString", "/linux/sysctl/net.ipv4.ip_forward", "1",
     R"(linux.sysctl["net.ipv4.ip_forward"]: expected a string, got 1)"},
    {"SysctlNotObject", "/linux/sysctl", "[]", "linux.sysctl: expected an object, got an array"},
    {"CgroupsPathNotString", "/linux/cgroupsPath", "1", "linux.cgroupsPath: expected a string, got 1"},
    {"MaskedPathRelative", "/linux/maskedPaths/0", R"("proc/kcore")",
     R"(linux.maskedPaths[0]: must be an absolute path, got "proc/kcore")"},
    {"ReadonlyPathRelative", "/linux/readonlyPaths", R"(["/proc/sys", ""])",
     R"(linux.readonlyPaths[1]: must be an absolute path, got "")"},
    {"RootfsPropagationUnknown", "/linux/rootfsPropagation", R"("recursive")",
     R"(linux.rootfsPropagation: unknown propagation "recursive" (known: private rprivate slave rslave shared rshared unbindable runbindable))"},
    // linux.seccomp
    {"SeccompNotObject", "/linux/seccomp", "[]", "linux.seccomp: expected an object, got an array"},
    {"SeccompDefaultActionMissing", "/linux/seccomp/defaultAction", "-",
     "linux.seccomp.defaultAction: required field is missing"},
    {"SeccompDefaultActionUnknown", "/linux/seccomp/defaultAction", R"("SCMP_ACT_DENY")",
     R"(linux.seccomp.defaultAction: unknown seccomp action "SCMP_ACT_DENY")"},
    {"SeccompActionUnknown", "/linux/seccomp/syscalls/0/action", R"("ALLOW")",
     R"(linux.seccomp.syscalls[0].action: unknown seccomp action "ALLOW")"},
    {"SeccompOperatorUnknown", "/linux/seccomp/syscalls/0/args/0/op", R"("SCMP_CMP_IN")",
     R"(linux.seccomp.syscalls[0].args[0].op: unknown seccomp operator "SCMP_CMP_IN")"},
    {"SeccompArgIndexTooLarge", "/linux/seccomp/syscalls/0/args/0/index", "6",
     "linux.seccomp.syscalls[0].args[0].index: must be 0..5, got 6"},
    {"SeccompArgValueMissing", "/linux/seccomp/syscalls/0/args/0/value", "-",
     "linux.seccomp.syscalls[0].args[0].value: required field is missing"},
    {"SeccompArchitectureUnknown", "/linux/seccomp/architectures/0", R"("SCMP_ARCH_PPC64EL")",
     R"(linux.seccomp.architectures[0]: unknown seccomp architecture "SCMP_ARCH_PPC64EL")"},
    {"SeccompFlagUnknown", "/linux/seccomp/flags", R"(["SECCOMP_FILTER_FLAG_FOO"])",
     R"(linux.seccomp.flags[0]: unknown seccomp flag "SECCOMP_FILTER_FLAG_FOO")"},
    {"SeccompNamesEmpty", "/linux/seccomp/syscalls/0/names", "[]",
     "linux.seccomp.syscalls[0].names: must name at least one syscall"},
    {"SeccompNameEmpty", "/linux/seccomp/syscalls/0/names/1", R"("")",
     "linux.seccomp.syscalls[0].names[1]: a syscall name must not be empty"},
    {"SeccompNamesMissing", "/linux/seccomp/syscalls/0/names", "-",
     "linux.seccomp.syscalls[0].names: required field is missing"},
    {"SeccompErrnoWithAllow", "/linux/seccomp/syscalls/0/errnoRet", "1",
     "linux.seccomp.syscalls[0].errnoRet: only SCMP_ACT_ERRNO and SCMP_ACT_TRACE take an errno, the action is "
     "SCMP_ACT_ALLOW"},
    {"SeccompDefaultErrnoNegative", "/linux/seccomp/defaultErrnoRet", "-1",
     "linux.seccomp.defaultErrnoRet: expected an unsigned 32-bit integer, got -1"},
    // Strings end up in C strings: an embedded NUL would silently cut them short.
    {"NulInArgument", "/process/args/0", R"("/bin/sh\u0000x")", "process.args[0]: must not contain a NUL byte"},
    {"NulInMountSource", "/mounts/2/source", R"("/srv\u0000/data")", "mounts[2].source: must not contain a NUL byte"},
};

INSTANTIATE_TEST_SUITE_P(oci, BrokenField, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<Case>& info) { return std::string(info.param.name); });

TEST(oci_Validation, TheTopLevelMustBeAnObject) {
  EXPECT_EQ(error_of(json::array()), "expected an object, got an array");
  EXPECT_EQ(error_of(json("config")), R"(expected an object, got "config")");
}

// The spec allows extensions: fields nobody knows are skipped, at every level.
TEST(oci_Validation, UnknownFieldsAreIgnored) {
  json document = valid_config();
  document["org.example.vm"] = {{"memory", "1G"}};
  document["process"]["ioPriority"] = {{"class", "IOPRIO_CLASS_IDLE"}};
  document["linux"]["intelRdt"] = {{"closID", "guaranteed_group"}};
  document["linux"]["seccomp"]["listenerMetadata"] = "x";
  EXPECT_EQ(parse_config(document), parse_config(valid_config()));
}

// A huge value is quoted only in part: a message is for a terminal, not for the whole input.
TEST(oci_Validation, LongValuesAreCutShortInMessages) {
  json document = valid_config();
  document["process"]["cwd"] = std::string(100000, 'x');
  const std::string message = error_of(document);
  EXPECT_EQ(message, "process.cwd: must be an absolute path, got \"" + std::string(64, 'x') + "\"...");
}

// The agent gets a process object alone: paths then start at the object.
TEST(oci_Validation, ParseProcessNamesFieldsWithoutPrefix) {
  json process = valid_config()["process"];
  process["user"]["uid"] = "abc";
  try {
    parse_process(process);
    FAIL() << "parse_process accepted a string uid";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), R"(user.uid: expected an unsigned 32-bit integer, got "abc")");
  }
  process = valid_config()["process"];
  process.erase("args");
  EXPECT_THROW(
      {
        try {
          parse_process(process);
        } catch (const Error& e) {
          EXPECT_STREQ(e.what(), "args: required field is missing");
          throw;
        }
      },
      Error);
}

// Limits are inclusive and the full unsigned ranges are accepted.
TEST(oci_Validation, BoundaryValuesAreAccepted) {
  json document = valid_config();
  document["process"]["oomScoreAdj"] = -1000;
  document["process"]["user"]["uid"] = 4294967295u;
  document["process"]["rlimits"][0] = {{"type", "RLIMIT_CORE"}, {"soft", 7}, {"hard", 7}};
  document["linux"]["seccomp"]["syscalls"][0]["args"][0]["index"] = 5;
  document["hooks"]["prestart"][0]["timeout"] = 1;
  document["linux"]["resources"]["memory"]["limit"] = INT64_MIN;
  const Config c = parse_config(document);
  EXPECT_EQ(c.process->oom_score_adj, -1000);
  EXPECT_EQ(c.process->user.uid, 4294967295u);
  EXPECT_EQ(c.process->rlimits[0].soft, 7u);
  EXPECT_EQ(c.linux.seccomp->syscalls[0].args[0].index, 5u);
  EXPECT_EQ(c.hooks.prestart[0].timeout, 1);
  EXPECT_EQ(c.linux.resources.memory.limit, INT64_MIN);
  document["process"]["oomScoreAdj"] = 1000;
  EXPECT_EQ(parse_config(document).process->oom_score_adj, 1000);
}

}  // namespace
}  // namespace ppc::oci
