// Lays out the initramfs: /init, the rootfs under its prefix, the extra files, and the
// directories that hold them; then orders the entries and numbers them.
#include "rootfs/plan.h"

#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>
#include <utility>

#include "archive_path.h"
#include "base/error.h"
#include "host_entry.h"
#include "tree_walk.h"

namespace ppc::rootfs {
namespace {

std::string where(const Entry& e) { return e.source.empty() ? "a directory the builder adds" : e.source; }

// Adds a root-owned 0755 directory for each of `wanted` and every ancestor of an entry
// that nothing provides. Fails if an ancestor exists as something other than a directory.
void add_directories(std::vector<Entry>& entries, const std::set<std::string>& wanted) {
  std::map<std::string_view, const Entry*> by_name;
  for (const Entry& e : entries) by_name.emplace(e.name, &e);
  std::set<std::string> missing;
  auto need = [&](std::string_view dir, std::string_view child) {
    const auto it = by_name.find(dir);
    if (it == by_name.end()) {
      missing.emplace(dir);
    } else if (!S_ISDIR(it->second->mode)) {
      throw Error("/" + std::string(dir) + " (from " + where(*it->second) + ") is not a directory" +
                  (child.empty() ? std::string() : ", but /" + std::string(child) + " is inside it"));
    }
  };
  for (const std::string& dir : wanted) {
    need(dir, {});
    for (std::string_view p = parent_name(dir); !p.empty(); p = parent_name(p)) need(p, dir);
  }
  for (const Entry& e : entries) {
    for (std::string_view p = parent_name(e.name); !p.empty(); p = parent_name(p)) need(p, e.name);
  }
  for (const std::string& dir : missing) {
    Entry e;
    e.name = dir;
    e.mode = S_IFDIR | 0755;
    entries.push_back(std::move(e));
  }
}

// Orders entries and fills in what depends on all of them: mtimes, inode numbers (from 1 in
// archive order, never the host's, so the bytes do not depend on where the tree lives), link
// counts, and which link of each hard-link group carries the data.
void finalize(std::vector<Entry>& entries, std::optional<uint32_t> fixed_mtime) {
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) { return a.name < b.name; });

  struct Group {
    uint32_t ino = 0;
    uint32_t links = 0;
    size_t last = 0;
  };
  std::map<std::pair<uint64_t, uint64_t>, Group> groups;
  std::map<std::string_view, Entry*> dirs;
  for (size_t i = 0; i < entries.size(); ++i) {
    Entry& e = entries[i];
    if (e.hardlinked) {
      Group& g = groups[{e.host_dev, e.host_ino}];
      ++g.links;
      g.last = i;
    }
    if (S_ISDIR(e.mode)) {
      e.nlink = 2;  // "." and the entry in its parent; each subdirectory's ".." adds one
      dirs.emplace(e.name, &e);
      const auto parent = dirs.find(parent_name(e.name));
      if (parent != dirs.end()) ++parent->second->nlink;
    }
  }

  uint32_t next_ino = 1;
  for (size_t i = 0; i < entries.size(); ++i) {
    Entry& e = entries[i];
    if (fixed_mtime) {
      e.mtime = *fixed_mtime;
    } else if (e.mtime < 0 || e.mtime > UINT32_MAX) {
      throw Error(where(e) + ": mtime " + std::to_string(e.mtime) + " is outside what newc can hold (0 to 4294967295); set a fixed mtime");
    }
    if (!e.hardlinked) {
      e.ino = next_ino++;
      continue;
    }
    Group& g = groups[{e.host_dev, e.host_ino}];
    if (g.links == 1) {  // its other links are outside the tree: an ordinary file here
      e.hardlinked = false;
      e.ino = next_ino++;
      continue;
    }
    if (g.ino == 0) g.ino = next_ino++;
    e.ino = g.ino;
    e.nlink = g.links;
    // GNU cpio and the kernel both expect the data with the last link: earlier links are
    // written empty, then linked to the file the last one fills in.
    e.carries_data = (i == g.last);
  }
}

}  // namespace

Plan plan_initramfs(const BuildSpec& spec) {
  if (spec.agent.empty()) throw Error("no agent binary given");
  const std::string prefix = with_context("prefix", [&] { return archive_name(spec.prefix, /*allow_root=*/true); });
  const WarnFn warn = spec.warn ? spec.warn : [](const std::string& m) { std::fprintf(stderr, "warning: %s\n", m.c_str()); };

  std::vector<Entry> entries;
  entries.push_back(with_context("agent", [&] { return root_owned_file("init", spec.agent, 0755); }));
  if (!spec.rootfs.empty()) with_context("rootfs", [&] { walk_tree(spec.rootfs, prefix, warn, entries); });
  for (const ExtraFile& extra : spec.extras) {
    with_context("extra file " + extra.source + " -> " + extra.dest, [&] {
      if (extra.mode && *extra.mode > 07777) throw Error("mode " + std::to_string(*extra.mode) + " has bits beyond 07777");
      entries.push_back(root_owned_file(archive_name(extra.dest, /*allow_root=*/false), extra.source, extra.mode));
    });
  }

  // Two sources for one name would leave the result to the order of extraction.
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) { return a.name < b.name; });
  for (size_t i = 1; i < entries.size(); ++i) {
    if (entries[i].name == entries[i - 1].name) {
      throw Error("/" + entries[i].name + " comes from both " + where(entries[i - 1]) + " and " + where(entries[i]));
    }
  }

  std::set<std::string> wanted;
  for (std::string_view dir : kGuestDirectories) wanted.insert(archive_name(dir, false));
  if (!prefix.empty()) wanted.insert(prefix);
  add_directories(entries, wanted);

  finalize(entries, spec.mtime);
  return Plan{std::move(entries)};
}

}  // namespace ppc::rootfs
