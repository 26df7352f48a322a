#include "protocol/stdio_credit.h"

#include <string>

#include "base/error.h"

namespace ppc::protocol {

void StdioCredit::spend(size_t n) {
  if (n > available_) {
    throw Error("stdio flow control: " + std::to_string(n) + " bytes sent with " + std::to_string(available_) +
                " bytes of credit");
  }
  available_ -= n;
}

void StdioCredit::grant(size_t n) {
  if (n > kStdioWindow - available_) {
    throw Error("stdio flow control: " + std::to_string(n) + " bytes granted with only " +
                std::to_string(kStdioWindow - available_) + " bytes in flight");
  }
  available_ += n;
}

}  // namespace ppc::protocol
