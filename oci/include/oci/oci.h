#pragma once
// The whole oci library in one include.
#include "oci/capabilities.h"
#include "oci/config.h"
#include "oci/mount_options.h"
#include "oci/parse_config.h"
#include "oci/rlimits.h"
#include "oci/seccomp_names.h"
#include "oci/signals.h"
#include "oci/to_json.h"
