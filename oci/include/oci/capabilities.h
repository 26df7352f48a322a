#pragma once
// Linux capability names to numbers, from this library's own table (CAP_CHOWN = 0 up to
// CAP_CHECKPOINT_RESTORE = 40), so the host can validate names without libcap and the
// guest's kernel headers do not decide what the host accepts.
#include <optional>
#include <string_view>

namespace ppc::oci {

inline constexpr int kLastCapability = 40;  // CAP_CHECKPOINT_RESTORE

// "CAP_SYS_ADMIN" -> 21. Exact spelling only (upper case, with the CAP_ prefix, as the
// spec writes them); nullopt for anything else.
std::optional<int> capability_number(std::string_view name);

// 21 -> "CAP_SYS_ADMIN"; nullopt outside 0..kLastCapability.
std::optional<std::string_view> capability_name(int number);

}  // namespace ppc::oci
