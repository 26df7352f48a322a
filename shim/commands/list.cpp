// list: every container under --root, as runc's table or JSON.
#include <sys/stat.h>

#include <cstdio>

#include "base/error.h"
#include "cli/usage_error.h"
#include "commands/command_spec.h"
#include "commands/commands.h"
#include "commands/container_ops.h"
#include "log/logger.h"
#include "state/state_views.h"

namespace ppc::shim {
namespace {

// Go's tabwriter as runc sets it up (min width 12, padding 3, spaces).
std::string table(const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> widths;
  for (const auto& row : rows) {
    for (size_t i = 0; i + 1 < row.size(); ++i) {
      if (widths.size() <= i) widths.push_back(0);
      widths[i] = std::max(widths[i], std::max<size_t>(row[i].size() + 3, 12));
    }
  }
  std::string out;
  for (const auto& row : rows) {
    for (size_t i = 0; i < row.size(); ++i) {
      out += row[i];
      if (i + 1 < row.size()) out += std::string(widths[i] - row[i].size(), ' ');
    }
    out += "\n";
  }
  return out;
}

}  // namespace

int run_list(Context& context, const std::vector<std::string>& args) {
  static const CommandSpec spec{"list", "", "Lists the containers under --root.",
                                {{"format", {"f"}, true}, {"quiet", {"q"}, false}}, false, 0, 0};
  const auto flags = parse_command(spec, args);
  if (!flags) return 0;
  const std::string format = flags->value("format", "table");
  if (format != "table" && format != "json") throw UsageError("invalid format option");
  if (context.global.root_given) {
    struct stat st {};
    if (::stat(context.store.root().c_str(), &st) != 0) throw_errno("--root " + context.store.root());
  }
  nlohmann::ordered_json all = nlohmann::ordered_json::array();
  std::vector<std::vector<std::string>> rows = {{"ID", "PID", "STATUS", "BUNDLE", "CREATED", "OWNER"}};
  for (const std::string& id : context.store.ids()) {
    try {
      const auto [container, state, status] = open_container(context.store, id);
      struct stat st {};
      const std::string owner = owner_name(::stat(container.dir().c_str(), &st) == 0 ? st.st_uid : 0);
      if (flags->enabled("quiet")) {
        std::printf("%s\n", id.c_str());
        continue;
      }
      nlohmann::ordered_json j = runc_state_json(state, status, owner);
      rows.push_back({id, std::to_string(j["pid"].get<int>()), std::string(status_name(status)), state.bundle,
                      state.created, owner});
      all.push_back(std::move(j));
    } catch (const ContainerNotFound&) {
      // Being created or deleted right now: not a container to show.
    } catch (const Error& e) {
      logger().warning("container " + id + ": " + e.what());
    }
  }
  if (flags->enabled("quiet")) return 0;
  if (format == "json") std::printf("%s\n", all.dump().c_str());
  else std::fputs(table(rows).c_str(), stdout);
  return 0;
}

}  // namespace ppc::shim
