#pragma once
// Which guest template (guest_template.h) a container's VM is restored from: the one of its
// shape, made now by the first create of that shape; none when templates are off or cannot
// be made (then the VM boots cold, and the log says why).
#include <sys/types.h>

#include <optional>
#include <string>

#include "base/unique_fd.h"
#include "vm/guest_template.h"
#include "vm/shim_config.h"

namespace ppc::shim {

// A template ready for one restore. `hold` is a shared lock of it, kept until the VMM has
// its files open: meanwhile it is neither evicted nor discarded.
struct ChosenTemplate {
  std::string dir;
  std::string key;
  ino_t inode = 0;
  UniqueFd hold;
};

// Never throws for the store's sake: any failure of it (a full disk, a bad template_dir) is
// logged as a warning and the VM boots cold.
std::optional<ChosenTemplate> choose_template(const ShimConfig& config, const TemplateShape& shape);

// After its guest failed (the VMM refused it, or the restored guest died before the
// container existed): removed unless another create restores from it too. Best effort.
void discard_template(const ShimConfig& config, ChosenTemplate& chosen);

}  // namespace ppc::shim
