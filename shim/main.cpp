// ppc-kvm-shim: the runc-compatible OCI runtime CLI. Parses the global flags, runs one
// command, and is the one place where errors are printed (in the --log-format asked for).
#include <signal.h>

#include <cstdio>
#include <string>
#include <vector>

#include "agent_client/agent_session.h"
#include "base/scope_exit.h"
#include "cli/global_options.h"
#include "cli/usage_error.h"
#include "commands/commands.h"
#include "log/logger.h"

namespace {

using namespace ppc::shim;

constexpr const char* kVersion = "ppc-kvm-shim version 0.1.0\nspec: 1.1.0\n";

std::string usage() {
  std::string text =
      "usage: ppc-kvm-shim [global options] command [command options] [arguments...]\n\n"
      "An OCI runtime that runs each container in its own PowerPC KVM guest.\n\ncommands:\n";
  for (const CommandEntry& c : command_table()) {
    text += "   " + std::string(c.name) + std::string(10 - c.name.size(), ' ') + std::string(c.summary) + "\n";
  }
  text +=
      "\nglobal options:\n"
      "   --root value        state directory (default /run/ppc-kvm-shim)\n"
      "   --log value         log file (default: stderr)\n"
      "   --log-format value  text (default) or json\n"
      "   --debug             debug messages in the log\n"
      "   --systemd-cgroup    accepted; the VMM stays in the caller's cgroup\n"
      "   --version, -v       print the version\n"
      "   --help, -h          this text; `COMMAND --help` for a command's\n";
  return text;
}

// A cleanup that fails on the way out of an error (a scope guard, create's undo) is a warning
// in the log, beside the error that caused it.
void warn_cleanup_failure(std::string_view message) noexcept {
  try {
    logger().warning(message);
  } catch (...) {
    // No memory left to format the line: the error itself is still printed.
  }
}

int run(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  GlobalOptions global;
  try {
    global = parse_global_options(args);
  } catch (const ppc::Error&) {
    // The log flags may be what is wrong: report in the default format.
    throw;
  }
  logger().configure(global.log_format, global.log, global.debug);
  if (global.version) {
    std::fputs(kVersion, stdout);
    return 0;
  }
  if (global.help || global.command.empty() || global.command == "help") {
    std::fputs(usage().c_str(), global.command.empty() && !global.help ? stderr : stdout);
    return global.command.empty() && !global.help ? 1 : 0;
  }
  const CommandEntry* command = find_command(global.command);
  if (command == nullptr) throw UsageError("No help topic for '" + global.command + "'");
  Context context{global, StateStore(global.root)};
  return command->run(context, global.args);
}

}  // namespace

int main(int argc, char** argv) {
  // A vanished reader (a closed pipe, a hook that does not read its stdin) is an error to
  // report, not a reason to die.
  ::signal(SIGPIPE, SIG_IGN);
  ppc::set_cleanup_failure_reporter(warn_cleanup_failure);
  try {
    return run(argc, argv);
  } catch (const ppc::agent_client::AgentError& e) {
    logger().error(e.what());
    return e.reply().exit_status;
  } catch (const StatusError& e) {
    logger().error(e.what());
    return e.status();
  } catch (const std::exception& e) {
    logger().error(e.what());
    return 1;
  }
}
