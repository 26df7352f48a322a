// agent_ctl: the host test client of the guest agent. Talks to a booted guest through the
// VMM's hybrid-vsock socket, with this program's own stdio as the process's.
//
//   agent_ctl --uds PATH [--container C] run CONFIG.json [HOSTNAME [SHARED_FS_TAG [SANDBOX]]]
//                                           create + start the container, wait; exits with its status
//   agent_ctl --uds PATH [--container C] create CONFIG.json [...]   create only
//   agent_ctl --uds PATH [--container C] start
//   agent_ctl --uds PATH [--container C] exec ID PROCESS.json       run one more process in it, wait
//   agent_ctl --uds PATH [--container C] kill ID SIGNAL             signal a process (ID "init": the container's)
//   agent_ctl --uds PATH [--container C] wait ID                    wait for a process; exits with its status
//   agent_ctl --uds PATH [--container C] remove                     forget a later container that has exited
//   agent_ctl --uds PATH [--container C] freeze|thaw                freeze or thaw all of its processes
//   agent_ctl --uds PATH restored          a restored guest: the host's randomness and time
//   agent_ctl --uds PATH shutdown
// The container is "test" unless --container names another (a pod's later one: SANDBOX "test").
// --net NAME,MAC,ADDRESS/PREFIX (before the command): run and create then configure the guest
// NIC as Network does (one IPv4 address, no route).
//
// A request the agent refuses prints "agent_ctl: <message>" and exits with the reply's status.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "agent_client/agent_session.h"
#include "agent_client/restored_values.h"
#include "protocol/agent_port.h"

namespace {

using namespace ppc;
using namespace ppc::protocol;

nlohmann::json read_json(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw Error("cannot read " + path);
  std::stringstream text;
  text << in.rdbuf();
  return nlohmann::json::parse(text.str());
}

UniqueFd dup_fd(int fd) { return UniqueFd(::dup(fd)); }

int wait_and_finish(agent_client::AgentSession& session, const std::string& container, const std::string& id) {
  const Message reply = session.request(Wait{container, id});
  const auto& exited = std::get<Exited>(reply);
  session.finish_stdio(id);
  return exited.status;
}

// "NAME,MAC,ADDRESS/PREFIX": one IPv4 interface, no routes.
Network parse_net(const std::string& text) {
  const size_t a = text.find(','), b = text.find(',', a + 1), slash = text.find('/', b + 1);
  if (a == std::string::npos || b == std::string::npos || slash == std::string::npos)
    throw Error("--net " + text + ": want NAME,MAC,ADDRESS/PREFIX");
  NetInterface i;
  i.name = text.substr(0, a);
  i.mac = text.substr(a + 1, b - a - 1);
  i.addresses.push_back({IpFamily::kIpv4, text.substr(b + 1, slash - b - 1), std::stoi(text.substr(slash + 1))});
  return Network{{i}};
}

int run(int argc, char** argv) {
  if (argc < 4 || std::string(argv[1]) != "--uds") throw Error("usage: agent_ctl --uds PATH [--container C] [--net NAME,MAC,ADDRESS/PREFIX] COMMAND ...");
  std::string container = "test";
  std::optional<Network> network;
  std::vector<char*> args(argv, argv + argc);
  while (args.size() >= 6 && (std::string(args[3]) == "--container" || std::string(args[3]) == "--net")) {
    if (std::string(args[3]) == "--container") container = args[4];
    else network = parse_net(args[4]);
    args.erase(args.begin() + 3, args.begin() + 5);
  }
  argc = static_cast<int>(args.size());
  argv = args.data();
  agent_client::AgentSession session(agent_client::connect_hybrid_vsock(argv[2], kAgentVsockPort, std::chrono::seconds(60)));
  const std::string command = argv[3];
  const auto arg = [&](int i) { return std::string(argc > i ? argv[i] : ""); };
  if ((command == "run" || command == "create") && argc >= 5) {
    const std::string id(kInitExecId);
    session.attach_output(id, dup_fd(STDOUT_FILENO), dup_fd(STDERR_FILENO));
    session.request(CreateContainer{container, read_json(argv[4]), arg(5), arg(6), arg(7)});
    if (network) session.request(*network);
    session.attach_input(id, dup_fd(STDIN_FILENO));
    if (command == "create") return 0;
    session.request(Start{container});
    return wait_and_finish(session, container, id);
  }
  if (command == "exec" && argc == 6) {
    session.attach_output(argv[4], dup_fd(STDOUT_FILENO), dup_fd(STDERR_FILENO));
    session.request(Exec{container, argv[4], read_json(argv[5])});
    session.attach_input(argv[4], dup_fd(STDIN_FILENO));
    return wait_and_finish(session, container, argv[4]);
  }
  if (command == "kill" && argc == 6) {
    session.request(Signal{container, argv[4], std::stoi(argv[5])});
    return 0;
  }
  if (command == "wait" && argc == 5) return std::get<Exited>(session.request(Wait{container, argv[4]})).status;
  if (command == "start" && argc == 4) {
    session.request(Start{container});
    return 0;
  }
  if (command == "remove" && argc == 4) {
    session.request(RemoveContainer{container});
    return 0;
  }
  if ((command == "freeze" || command == "thaw") && argc == 4) {
    session.request(FreezeContainer{container, command == "freeze"});
    return 0;
  }
  if (command == "restored" && argc == 4) {
    session.request(agent_client::restored_values_now());
    return 0;
  }
  if (command == "shutdown" && argc == 4) {
    session.request(Shutdown{});
    return 0;
  }
  throw Error("unknown command or wrong arguments: " + command);
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const agent_client::AgentError& e) {
    std::fprintf(stderr, "agent_ctl: %s\n", e.what());
    return e.reply().exit_status;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "agent_ctl: %s\n", e.what());
    return 1;
  }
}
