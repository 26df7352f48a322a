#pragma once
// One exception type for the whole project. It carries a message that grows context
// (which file, which field, which guest address) as it travels up, and is printed once,
// in main. Subclasses (a usage error, a queue error, ...) keep their type while context is
// added, so the one place that prints can still tell them apart.
#include <exception>
#include <string>
#include <string_view>

namespace ppc {

class Error : public std::exception {
 public:
  explicit Error(std::string message) : message_(std::move(message)) {}
  const char* what() const noexcept override { return message_.c_str(); }
  // "context: <message>"; the object (and so its dynamic type) stays the same.
  void add_context(std::string_view context) { message_ = std::string(context) + ": " + message_; }

 private:
  std::string message_;
};

// Throws Error("what: <strerror(errno)>"), reading errno at the call.
[[noreturn]] void throw_errno(std::string_view what);

// Runs fn; an Error escaping it is rethrown, as the same object of the same type, with its
// message now "context: <message>".
template <typename Fn>
decltype(auto) with_context(std::string_view context, Fn&& fn) {
  try {
    return fn();
  } catch (Error& e) {
    e.add_context(context);
    throw;
  }
}

}  // namespace ppc
