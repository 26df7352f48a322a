#pragma once
// Every command of the CLI, one file each.
#include <string_view>
#include <vector>

#include "commands/context.h"

namespace ppc::shim {

int run_create(Context&, const std::vector<std::string>&);
int run_start(Context&, const std::vector<std::string>&);
int run_state(Context&, const std::vector<std::string>&);
int run_kill(Context&, const std::vector<std::string>&);
int run_delete(Context&, const std::vector<std::string>&);
int run_exec(Context&, const std::vector<std::string>&);
int run_run(Context&, const std::vector<std::string>&);
int run_ps(Context&, const std::vector<std::string>&);
int run_list(Context&, const std::vector<std::string>&);
int run_pause(Context&, const std::vector<std::string>&);
int run_resume(Context&, const std::vector<std::string>&);
int run_features(Context&, const std::vector<std::string>&);
int run_spec(Context&, const std::vector<std::string>&);
int run_update(Context&, const std::vector<std::string>&);
int run_check(Context&, const std::vector<std::string>&);

struct CommandEntry {
  std::string_view name;
  std::string_view summary;
  CommandFn run;
};

const std::vector<CommandEntry>& command_table();
const CommandEntry* find_command(std::string_view name);

}  // namespace ppc::shim
