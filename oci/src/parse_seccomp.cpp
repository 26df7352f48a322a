// linux.seccomp: checked against libseccomp's vocabulary here, so that a typo is reported
// with its field path before the guest ever tries to build the filter.
#include <string>

#include "oci/seccomp_names.h"
#include "parsers.h"

namespace ppc::oci::detail {

namespace {

constexpr uint32_t kMaxSyscallArgs = 6;  // a syscall has arguments 0..5

std::string action(const Field& f) {
  std::string name = f.string();
  if (!is_known_seccomp_action(name)) f.fail("unknown seccomp action " + Field::describe(f.json()));
  return name;
}

// The spec: "When the action doesn't support an errno, the runtime MUST print an error and fail."
void check_errno_allowed(const Field& errno_field, const std::string& action_name) {
  if (!seccomp_action_takes_errno(action_name)) {
    errno_field.fail("only SCMP_ACT_ERRNO and SCMP_ACT_TRACE take an errno, the action is " + action_name);
  }
}

SeccompArg parse_arg(const Field& f) {
  SeccompArg arg;
  const Field index = f.required("index");
  arg.index = index.u32();
  if (arg.index >= kMaxSyscallArgs) index.fail("must be 0..5, got " + std::to_string(arg.index));
  arg.value = f.required("value").u64();
  if_present(f, "valueTwo", [&](const Field& v) { arg.value_two = v.u64(); });
  const Field op = f.required("op");
  arg.op = op.string();
  if (!is_known_seccomp_operator(arg.op)) op.fail("unknown seccomp operator " + Field::describe(op.json()));
  return arg;
}

SeccompSyscall parse_syscall(const Field& f) {
  SeccompSyscall s;
  const Field names = f.required("names");
  for (const Field& element : names.elements()) {
    std::string name = element.string();
    if (name.empty()) element.fail("a syscall name must not be empty");
    s.names.push_back(std::move(name));
  }
  if (s.names.empty()) names.fail("must name at least one syscall");
  s.action = action(f.required("action"));
  if_present(f, "errnoRet", [&](const Field& v) {
    s.errno_ret = v.u32();
    check_errno_allowed(v, s.action);
  });
  if_present(f, "args", [&](const Field& v) {
    for (const Field& element : v.elements()) s.args.push_back(parse_arg(element));
  });
  return s;
}

}  // namespace

Seccomp parse_seccomp_object(const Field& f) {
  f.expect_object();
  Seccomp s;
  s.default_action = action(f.required("defaultAction"));
  if_present(f, "defaultErrnoRet", [&](const Field& v) {
    s.default_errno_ret = v.u32();
    check_errno_allowed(v, s.default_action);
  });
  if_present(f, "architectures", [&](const Field& v) {
    for (const Field& element : v.elements()) {
      std::string arch = element.string();
      if (!is_known_seccomp_arch(arch)) element.fail("unknown seccomp architecture " + Field::describe(element.json()));
      s.architectures.push_back(std::move(arch));
    }
  });
  if_present(f, "flags", [&](const Field& v) {
    for (const Field& element : v.elements()) {
      std::string flag = element.string();
      if (!is_known_seccomp_flag(flag)) element.fail("unknown seccomp flag " + Field::describe(element.json()));
      s.flags.push_back(std::move(flag));
    }
  });
  if_present(f, "listenerPath", [&](const Field& v) { s.listener_path = v.string(); });
  if_present(f, "syscalls", [&](const Field& v) {
    for (const Field& element : v.elements()) s.syscalls.push_back(parse_syscall(element));
  });
  return s;
}

}  // namespace ppc::oci::detail
