#pragma once
// Flow control for one stdio stream (one exec id and stream), kept alike on both ends.
//
// The rule: a sender never has more than kStdioWindow bytes of a stream sent and not yet
// granted back. It starts with kStdioWindow of credit, spends data.size() for each
// StdioData, and waits for a StdioWindow when its credit is short (it may send a smaller
// chunk meanwhile). The receiver grants n bytes with StdioWindow{n} only once it has passed
// them on (written to the process's stdin, or to the host's stdout), never for bytes it
// still buffers. So a slow reader stalls its writer instead of filling the other side's
// memory, and no stream can starve the connection for the others.
//
// The receiver keeps the same account for its peer: data beyond the credit is a protocol
// error (spend throws), which bounds what one stream can make it buffer to kStdioWindow.
#include <cstddef>

#include "protocol/limits.h"

namespace ppc::protocol {

class StdioCredit {
 public:
  size_t available() const { return available_; }
  // Throws Error when n exceeds available(): on the receiving side, the peer overran.
  void spend(size_t n);
  // Throws Error when the credit would exceed kStdioWindow: more granted than was sent.
  void grant(size_t n);

 private:
  size_t available_ = kStdioWindow;
};

}  // namespace ppc::protocol
