// Reading config.json from disk: the only part of the library that touches the filesystem.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "base/error.h"
#include "base/unique_fd.h"
#include "oci/parse_config.h"

namespace ppc::oci {

namespace {

std::string read_file(const std::filesystem::path& file) {
  UniqueFd fd(::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY));
  if (!fd.valid()) throw_errno("cannot open");
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) throw_errno("cannot stat");
  // A FIFO or device could block or never end; a config is a regular file.
  if (!S_ISREG(st.st_mode)) throw Error("not a regular file");
  if (static_cast<uint64_t>(st.st_size) > kMaxConfigBytes) {
    throw Error("larger than " + std::to_string(kMaxConfigBytes) + " bytes");
  }
  std::string text;
  char buffer[65536];
  for (;;) {
    const ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw_errno("cannot read");
    }
    if (n == 0) break;
    text.append(buffer, static_cast<size_t>(n));
    if (text.size() > kMaxConfigBytes) throw Error("larger than " + std::to_string(kMaxConfigBytes) + " bytes");
  }
  return text;
}

nlohmann::json parse_json(const std::string& text) {
  // The depth limit runs inside the parser, so a hostile document is refused while it is
  // being read, before anything walks it recursively.
  const auto limit_depth = [](int depth, nlohmann::json::parse_event_t event, nlohmann::json&) {
    if ((event == nlohmann::json::parse_event_t::object_start || event == nlohmann::json::parse_event_t::array_start) &&
        depth >= kMaxConfigDepth) {
      throw Error("invalid JSON: nested deeper than " + std::to_string(kMaxConfigDepth) + " levels");
    }
    return true;
  };
  try {
    return nlohmann::json::parse(text, limit_depth);
  } catch (const nlohmann::json::parse_error& e) {
    throw Error("invalid JSON at byte " + std::to_string(e.byte) + ": " + e.what());
  } catch (const nlohmann::json::exception& e) {
    // Not a syntax error but still bad input, e.g. a number too large for a double.
    throw Error(std::string("invalid JSON: ") + e.what());
  }
}

}  // namespace

Config load_config(const std::filesystem::path& file) {
  return with_context(file.string(), [&] { return parse_config(parse_json(read_file(file))); });
}

}  // namespace ppc::oci
