#pragma once
// The section parsers parse_config is built from, each taking the Field of its object so
// that errors carry the full path. Private to the library.
#include <string>
#include <vector>

#include "field.h"
#include "oci/config.h"

namespace ppc::oci::detail {

Process parse_process_object(const Field& process);
Linux parse_linux_object(const Field& linux_section);
Seccomp parse_seccomp_object(const Field& seccomp);

// An environment list: strings of the form KEY=value with a non-empty KEY.
std::vector<std::string> parse_env(const Field& env);

}  // namespace ppc::oci::detail
