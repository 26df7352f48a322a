#pragma once
// One exception type for the whole project. It carries a message that grows context
// (which file, which field, which guest address) as it travels up, and is printed once,
// in main.
#include <stdexcept>
#include <string>
#include <string_view>

namespace ppc {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Throws Error("what: <strerror(errno)>"), reading errno at the call.
[[noreturn]] void throw_errno(std::string_view what);

// Runs fn; an Error escaping it is rethrown as "context: <message>".
template <typename Fn>
decltype(auto) with_context(std::string_view context, Fn&& fn) {
  try {
    return fn();
  } catch (const Error& e) {
    throw Error(std::string(context) + ": " + e.what());
  }
}

}  // namespace ppc
