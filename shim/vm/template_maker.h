#pragma once
// Making a guest template (guest_template.h): the VMM boots the guest as a container's VM
// would be booted, saves it once its agent answers (--snapshot-to --save-when-ready) and exits.
#include <chrono>
#include <string>

#include "vm/guest_template.h"
#include "vm/shim_config.h"
#include "vm/vm_sizing.h"

namespace ppc::shim {

// The template for `shape` saved into `making` (an empty 0700 directory). Its NICs' taps are
// made in a network namespace of its own, which ends with them when the VMM does; its share
// is an empty directory (the guest saved has not mounted it). Throws Error with the VMM's
// reason when it fails, or when it has not saved within `timeout` (it is killed then).
void make_template(const ShimConfig& config, const TemplateShape& shape, const std::string& making,
                   std::chrono::seconds timeout);

}  // namespace ppc::shim
