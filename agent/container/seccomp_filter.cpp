#include "container/seccomp_filter.h"

#include <seccomp.h>

#include <cerrno>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "base/error.h"

namespace ppc::agent {
namespace {

uint32_t action(const std::string& name, std::optional<uint32_t> errno_ret, const std::string& field) {
  if (name == "SCMP_ACT_ALLOW") return SCMP_ACT_ALLOW;
  if (name == "SCMP_ACT_ERRNO") return SCMP_ACT_ERRNO(errno_ret.value_or(EPERM));
  if (name == "SCMP_ACT_KILL" || name == "SCMP_ACT_KILL_THREAD") return SCMP_ACT_KILL_THREAD;
  if (name == "SCMP_ACT_KILL_PROCESS") return SCMP_ACT_KILL_PROCESS;
  if (name == "SCMP_ACT_TRAP") return SCMP_ACT_TRAP;
  if (name == "SCMP_ACT_TRACE") return SCMP_ACT_TRACE(errno_ret.value_or(EPERM));
  if (name == "SCMP_ACT_LOG") return SCMP_ACT_LOG;
  // A notify listener would be a host process; there is none to hand the fd to in a guest.
  throw Error(field + ": action \"" + name + "\" is not supported");
}

scmp_compare comparison(const std::string& op, const std::string& field) {
  static const std::map<std::string, scmp_compare> kOps = {
      {"SCMP_CMP_NE", SCMP_CMP_NE}, {"SCMP_CMP_LT", SCMP_CMP_LT}, {"SCMP_CMP_LE", SCMP_CMP_LE},
      {"SCMP_CMP_EQ", SCMP_CMP_EQ}, {"SCMP_CMP_GE", SCMP_CMP_GE}, {"SCMP_CMP_GT", SCMP_CMP_GT},
      {"SCMP_CMP_MASKED_EQ", SCMP_CMP_MASKED_EQ},
  };
  auto it = kOps.find(op);
  if (it == kOps.end()) throw Error(field + ": unknown operator \"" + op + "\"");
  return it->second;
}

scmp_arg_cmp condition(const oci::SeccompArg& arg, const std::string& field) {
  // For MASKED_EQ the spec's value is the mask and valueTwo the datum, libseccomp's order.
  return scmp_arg_cmp{arg.index, comparison(arg.op, field), arg.value, arg.value_two};
}

void check(int rc, const std::string& what) {
  if (rc < 0) throw Error(what + ": " + std::strerror(-rc));
}

}  // namespace

void load_seccomp_filter(const oci::Seccomp& seccomp) {
  const uint32_t default_action = action(seccomp.default_action, seccomp.default_errno_ret, "linux.seccomp.defaultAction");
  std::unique_ptr<void, void (*)(scmp_filter_ctx)> ctx(seccomp_init(default_action), seccomp_release);
  if (!ctx) throw Error("linux.seccomp: seccomp_init failed");
  // libseccomp sets no_new_privs itself by default; whether the process gets it is
  // process.noNewPrivileges' say alone (process_setup.cpp), as with runc and crun.
  check(seccomp_attr_set(ctx.get(), SCMP_FLTATR_CTL_NNP, 0), "linux.seccomp: leaving no_new_privs alone");

  for (const std::string& arch : seccomp.architectures) {
    const std::string name = arch.rfind("SCMP_ARCH_", 0) == 0 ? arch.substr(10) : arch;
    std::string lower;
    for (char c : name) lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    const uint32_t token = seccomp_arch_resolve_name(lower.c_str());
    if (token == 0) throw Error("linux.seccomp.architectures: unknown architecture \"" + arch + "\"");
    const int rc = seccomp_arch_add(ctx.get(), token);
    if (rc != -EEXIST) check(rc, "linux.seccomp.architectures: " + arch);
  }
  for (const std::string& flag : seccomp.flags) {
    if (flag == "SECCOMP_FILTER_FLAG_LOG") check(seccomp_attr_set(ctx.get(), SCMP_FLTATR_CTL_LOG, 1), flag);
    else if (flag == "SECCOMP_FILTER_FLAG_SPEC_ALLOW") check(seccomp_attr_set(ctx.get(), SCMP_FLTATR_CTL_SSB, 1), flag);
    else if (flag == "SECCOMP_FILTER_FLAG_TSYNC") check(seccomp_attr_set(ctx.get(), SCMP_FLTATR_CTL_TSYNC, 1), flag);
    else throw Error("linux.seccomp.flags: unknown flag \"" + flag + "\"");
  }

  for (size_t i = 0; i < seccomp.syscalls.size(); ++i) {
    const oci::SeccompSyscall& rule = seccomp.syscalls[i];
    const std::string field = "linux.seccomp.syscalls[" + std::to_string(i) + "]";
    const uint32_t rule_action = action(rule.action, rule.errno_ret, field + ".action");
    if (rule_action == default_action) continue;  // libseccomp refuses rules that change nothing
    std::vector<scmp_arg_cmp> conditions;
    bool repeated_index = false;
    for (size_t a = 0; a < rule.args.size(); ++a) {
      conditions.push_back(condition(rule.args[a], field + ".args[" + std::to_string(a) + "]"));
      for (size_t b = 0; b < a; ++b) repeated_index |= rule.args[b].index == rule.args[a].index;
    }
    for (const std::string& name : rule.names) {
      const int nr = seccomp_syscall_resolve_name(name.c_str());
      if (nr == __NR_SCMP_ERROR) continue;
      const std::string what = field + " " + name;
      if (!repeated_index) {
        check(seccomp_rule_add_array(ctx.get(), rule_action, nr, static_cast<unsigned>(conditions.size()),
                                     conditions.data()),
              what);
      } else {
        // libseccomp cannot AND two conditions on one argument; runc adds one rule for each,
        // which matches when any of them does. Same here.
        for (const scmp_arg_cmp& c : conditions) check(seccomp_rule_add_array(ctx.get(), rule_action, nr, 1, &c), what);
      }
    }
  }
  check(seccomp_load(ctx.get()), "linux.seccomp: loading the filter");
}

}  // namespace ppc::agent
