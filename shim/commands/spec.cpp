// spec: a default config.json in the bundle, never over an existing one.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "base/error.h"
#include "base/unique_fd.h"
#include "cli/usage_error.h"
#include "commands/command_spec.h"
#include "commands/commands.h"
#include "commands/features_json.h"

namespace ppc::shim {

int run_spec(Context&, const std::vector<std::string>& args) {
  static const CommandSpec spec{"spec", "", "Writes a default config.json (into --bundle, default the current directory).",
                                {{"bundle", {"b"}, true}, {"rootless", {}, false}}, false, 0, 0};
  const auto flags = parse_command(spec, args);
  if (!flags) return 0;
  if (flags->enabled("rootless")) throw UsageError("--rootless: rootless containers are not supported (the VMM needs /dev/kvm)");
  const std::string dir = flags->value("bundle", ".");
  const std::string path = dir + "/config.json";
  // O_EXCL: an existing file is refused, even one created between a check and the write.
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666));
  if (!fd.valid()) {
    if (errno == EEXIST) throw Error("File " + path + " exists. Remove it first");
    throw_errno("create " + path);
  }
  const std::string text = default_spec_json().dump(4) + "\n";
  if (::write(fd.get(), text.data(), text.size()) != static_cast<ssize_t>(text.size())) throw_errno("write " + path);
  return 0;
}

}  // namespace ppc::shim
