#include "state/process_info.h"

#include <dirent.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

namespace ppc::shim {

std::optional<ProcStat> read_proc_stat(pid_t pid) {
  if (pid <= 0) return std::nullopt;
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!in || !std::getline(in, line)) return std::nullopt;
  // The command name is in parentheses and may itself hold ") ": the fields follow the last.
  const size_t close = line.rfind(')');
  if (close == std::string::npos || close + 2 >= line.size()) return std::nullopt;
  std::istringstream fields(line.substr(close + 2));
  ProcStat st;
  std::string skip;
  fields >> st.state >> st.ppid;
  for (int field = 5; field < 22; ++field) fields >> skip;  // fields 5..21
  fields >> st.start_time;
  if (!fields) return std::nullopt;
  return st;
}

bool process_running(pid_t pid, uint64_t start_time) {
  const auto st = read_proc_stat(pid);
  if (!st || st->state == 'Z' || st->state == 'X' || st->state == 'x') return false;
  // Without a start time the pid cannot be told from a reused one: not ours.
  return start_time != 0 && st->start_time == start_time;
}

std::vector<pid_t> process_tree(pid_t pid) {
  if (!read_proc_stat(pid)) return {};
  std::multimap<pid_t, pid_t> children;
  if (DIR* dir = ::opendir("/proc")) {
    while (const dirent* entry = ::readdir(dir)) {
      char* end = nullptr;
      const long p = std::strtol(entry->d_name, &end, 10);
      if (end == entry->d_name || *end != '\0' || p <= 0) continue;
      if (const auto st = read_proc_stat(static_cast<pid_t>(p))) children.emplace(st->ppid, static_cast<pid_t>(p));
    }
    ::closedir(dir);
  }
  std::vector<pid_t> tree = {pid};
  for (size_t i = 0; i < tree.size(); ++i) {
    const auto [first, last] = children.equal_range(tree[i]);
    for (auto it = first; it != last; ++it) tree.push_back(it->second);
  }
  return tree;
}

}  // namespace ppc::shim
