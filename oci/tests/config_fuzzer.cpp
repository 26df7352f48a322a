// libFuzzer target: arbitrary bytes as config.json. Bad JSON is skipped without exceptions
// (the allow_exceptions=false parse); a parsed document must either give a Config or a
// ppc::Error. Anything else escaping (another exception type, a crash, a sanitizer report)
// is a bug. A Config that parsed must also survive to_json and parse back equal, and the
// process alone must parse the same way.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include <nlohmann/json.hpp>

#include "base/error.h"
#include "oci/mount_options.h"
#include "oci/parse_config.h"
#include "oci/to_json.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const nlohmann::json document = nlohmann::json::parse(data, data + size, nullptr, /*allow_exceptions=*/false);
  if (document.is_discarded()) return 0;
  try {
    const ppc::oci::Config config = ppc::oci::parse_config(document);
    if (!(ppc::oci::parse_config(ppc::oci::to_json(config)) == config)) std::abort();
    if (config.process && !(ppc::oci::parse_process(ppc::oci::to_json(*config.process)) == *config.process)) {
      std::abort();
    }
    for (const ppc::oci::Mount& mount : config.mounts) (void)ppc::oci::parse_mount_options(mount.options);
  } catch (const ppc::Error&) {
    // A refused document: the expected outcome for almost every input.
  }
  return 0;
}
