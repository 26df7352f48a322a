#include "commands/ledger.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <optional>
#include <type_traits>

#include "base/error.h"
#include "base/unique_fd.h"
#include "log/logger.h"

namespace ppc::shim {
namespace {

constexpr const char* kLedgerFile = "made.jsonl";
constexpr const char* kCgroupRoot = "/sys/fs/cgroup";

bool inside(const std::string& path, const std::string& dir) {
  return path.size() > dir.size() + 1 && path.compare(0, dir.size(), dir) == 0 && path[dir.size()] == '/' &&
         path.find("/../") == std::string::npos && path.substr(path.size() - 3) != "/..";
}

// As Linux takes one: 1..15 bytes, no '/', ':' or white space, not . or ..
bool is_interface_name(const std::string& name) {
  return !name.empty() && name.size() < 16 && name != "." && name != ".." &&
         name.find_first_of("/: \t\n\v\f\r") == std::string::npos;
}

// A pod member's directory in its sandbox's share, <root>/<sandbox>/share/<id>, when `path` is
// at or below one (dir is <root>/<id>).
std::optional<std::string> member_entry_of(const std::string& path, const std::string& dir) {
  const size_t slash = dir.rfind('/');
  if (slash == std::string::npos || slash == 0) return std::nullopt;
  const std::string root = dir.substr(0, slash), id = dir.substr(slash + 1);
  if (!inside(path, root)) return std::nullopt;
  const size_t end = path.find('/', root.size() + 1);
  const std::string sandbox = path.substr(root.size() + 1, end == std::string::npos ? std::string::npos : end - root.size() - 1);
  if (end == std::string::npos || sandbox.empty() || sandbox == "." || sandbox == ".." || sandbox == id) return std::nullopt;
  const std::string entry = root + "/" + sandbox + "/share/" + id;
  if (path != entry && !inside(path, entry)) return std::nullopt;
  return entry;
}

// Each kind of thing can only be where a container of this directory makes it.
void check_place(const MadeThing& thing, const std::string& dir) {
  const bool ok = std::visit(
      [&](const auto& t) {
        using T = std::decay_t<decltype(t)>;
        if constexpr (std::is_same_v<T, MadeStateDirectory>) return t.path == dir;
        else if constexpr (std::is_same_v<T, MadeShare>) return inside(t.path, dir);
        else if constexpr (std::is_same_v<T, MadeBind>) {
          const auto entry = member_entry_of(t.path, dir);
          return inside(t.path, dir) || (entry && *entry != t.path);
        }
        else if constexpr (std::is_same_v<T, MadeShareEntry>) return member_entry_of(t.path, dir) == t.path;
        else if constexpr (std::is_same_v<T, MadeCgroup>) return inside(t.path, kCgroupRoot);
        else if constexpr (std::is_same_v<T, MadeNetns>) return inside(t.path, dir);
        else if constexpr (std::is_same_v<T, MadeTap>) return is_tap_name(t.name);
        else if constexpr (std::is_same_v<T, MadeIngress>) return is_interface_name(t.interface);
        else return t.pid > 1;
      },
      thing);
  if (!ok) throw Error("ledger of " + dir + ": " + describe(thing) + " is not something this container makes");
}

}  // namespace

void Ledger::append(const MadeThing& thing) const {
  const std::string path = dir_ + "/" + kLedgerFile;
  const std::string line = record_of(thing).dump() + "\n";
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600));
  if (!fd.valid()) throw_errno("open " + path);
  for (size_t done = 0; done < line.size();) {
    const ssize_t n = ::write(fd.get(), line.data() + done, line.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw_errno("write " + path);
    done += static_cast<size_t>(n);
  }
  if (::fdatasync(fd.get()) != 0) throw_errno("sync " + path);
}

std::vector<MadeThing> Ledger::read() const {
  const std::string path = dir_ + "/" + kLedgerFile;
  std::ifstream in(path);
  std::vector<MadeThing> things;
  if (!in) return things;
  std::string line;
  while (std::getline(in, line)) {
    // A line without its newline is the one a crash cut short: it was never acted upon
    // (the thing is made only after its record is on disk).
    if (in.eof()) break;
    const nlohmann::json record = nlohmann::json::parse(line, nullptr, false);
    if (record.is_discarded()) throw Error(path + ": a record is not JSON: " + line.substr(0, 200));
    MadeThing thing = with_context(path, [&] { return thing_of(record); });
    check_place(thing, dir_);
    things.push_back(std::move(thing));
  }
  return things;
}

size_t undo_newest_first(const std::vector<MadeThing>& things, const std::function<void(const MadeThing&)>& undo) {
  size_t failed = 0;
  for (auto thing = things.rbegin(); thing != things.rend(); ++thing) {
    try {
      logger().debug("undoing " + describe(*thing));
      undo(*thing);
    } catch (const std::exception& e) {
      ++failed;
      logger().warning("could not undo " + describe(*thing) + ": " + e.what());
    }
  }
  return failed;
}

}  // namespace ppc::shim
