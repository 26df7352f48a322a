#pragma once
// The devices every container gets (oci/default_devices.h: runc's defaults)
// and its /dev symlinks (fd, stdin, stdout, stderr, ptmx), plus config.json's linux.devices.
#include <string>
#include <vector>

#include "oci/config.h"

namespace ppc::agent {

void create_default_devices(const std::string& root, const std::vector<oci::Device>& extra);

}  // namespace ppc::agent
