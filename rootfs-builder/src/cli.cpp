#include "rootfs/cli.h"

#include <cstdint>

#include "archive_path.h"

namespace ppc::rootfs {
namespace {

std::string in_base(uint64_t value, unsigned base) {
  std::string digits;
  do {
    digits.insert(digits.begin(), static_cast<char>('0' + value % base));
    value /= base;
  } while (value > 0);
  return base == 8 ? "0" + digits : digits;
}

// Digits of `base` only (no sign, no spaces, no "0x"): a typo must not become a value.
uint64_t parse_number(const std::string& text, unsigned base, uint64_t max, const std::string& what) {
  if (text.empty()) throw UsageError(what + ": empty value");
  uint64_t value = 0;
  for (char c : text) {
    const unsigned digit = static_cast<unsigned>(c - '0');
    if (c < '0' || digit >= base) throw UsageError(what + ": '" + text + "' is not " + (base == 8 ? "an octal" : "a decimal") + " number");
    value = value * base + digit;
    if (value > max) throw UsageError(what + ": '" + text + "' is too large (at most " + in_base(max, base) + ")");
  }
  return value;
}

}  // namespace

std::string usage() {
  return R"(usage: ppc-kvm-rootfs --agent FILE --rootfs DIR -o OUT [options]

Writes a cpio "newc" initramfs for a ppc-kvm-shim guest: the agent as /init (0755, root),
the contents of DIR under the prefix (owners, modes, links and devices kept), the extra
files, and the directories /dev /proc /sys /tmp /run. Output is sorted and reproducible.

  --agent FILE            the guest agent binary, archived as /init
  --rootfs DIR            the container's root filesystem
  --prefix PATH           where DIR's contents go in the archive (default /rootfs)
  --add SRC:DEST[:MODE]   add host file SRC as DEST, owned by root, mode MODE (octal;
                          default SRC's); repeatable
  --mtime N               give every entry mtime N (seconds since the epoch)
  -o, --output OUT        the archive; written to OUT.tmp and renamed when complete
  --help                  this text

Exit status: 0 written; 1 an input could not be read or the output written (nothing is
left behind); 2 bad arguments.
)";
}

ExtraFile parse_add(const std::string& text) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (;;) {
    const size_t colon = text.find(':', start);
    parts.push_back(text.substr(start, colon == std::string::npos ? std::string::npos : colon - start));
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  const std::string what = "--add " + text;
  if (parts.size() < 2 || parts.size() > 3) throw UsageError(what + ": expected SRC:DEST or SRC:DEST:MODE");
  if (parts[0].empty()) throw UsageError(what + ": empty SRC");
  ExtraFile extra;
  extra.source = parts[0];
  extra.dest = parts[1];
  try {
    archive_name(extra.dest, /*allow_root=*/false);
  } catch (const Error& e) {
    throw UsageError(what + ": DEST " + e.what());
  }
  if (parts.size() == 3) extra.mode = static_cast<uint32_t>(parse_number(parts[2], 8, 07777, what + ": MODE"));
  return extra;
}

CliOptions parse_cli(const std::vector<std::string>& args) {
  CliOptions o;
  bool have_prefix = false;
  bool have_mtime = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& flag = args[i];
    auto value = [&]() -> const std::string& {
      if (i + 1 >= args.size()) throw UsageError(flag + " needs a value");
      return args[++i];
    };
    // A repeated single-valued flag is more likely a mistake than an override.
    auto once = [&](bool seen) {
      if (seen) throw UsageError(flag + " given twice");
    };
    if (flag == "--help" || flag == "-h") {
      o.help = true;
    } else if (flag == "--agent") {
      once(!o.spec.agent.empty());
      o.spec.agent = value();
      if (o.spec.agent.empty()) throw UsageError("--agent: empty path");
    } else if (flag == "--rootfs") {
      once(!o.spec.rootfs.empty());
      o.spec.rootfs = value();
      if (o.spec.rootfs.empty()) throw UsageError("--rootfs: empty path");
    } else if (flag == "--prefix") {
      once(have_prefix);
      have_prefix = true;
      o.spec.prefix = value();
      try {
        archive_name(o.spec.prefix, /*allow_root=*/true);
      } catch (const Error& e) {
        throw UsageError(std::string("--prefix: ") + e.what());
      }
    } else if (flag == "--add") {
      o.spec.extras.push_back(parse_add(value()));
    } else if (flag == "--mtime") {
      once(have_mtime);
      have_mtime = true;
      o.spec.mtime = static_cast<uint32_t>(parse_number(value(), 10, UINT32_MAX, "--mtime"));
    } else if (flag == "-o" || flag == "--output") {
      once(!o.output.empty());
      o.output = value();
      if (o.output.empty()) throw UsageError(flag + ": empty path");
    } else {
      throw UsageError("unknown argument '" + flag + "' (see --help)");
    }
  }
  if (o.help) return o;
  if (o.spec.agent.empty()) throw UsageError("--agent is required");
  if (o.spec.rootfs.empty()) throw UsageError("--rootfs is required");
  if (o.output.empty()) throw UsageError("-o OUT is required");
  return o;
}

}  // namespace ppc::rootfs
