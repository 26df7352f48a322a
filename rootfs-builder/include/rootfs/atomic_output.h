#pragma once
// An output file that readers see either complete or not at all: bytes go to PATH.tmp,
// commit() renames it over PATH, and destruction without commit removes it.
#include <string>

#include "base/unique_fd.h"

namespace ppc::rootfs {

class AtomicOutput {
 public:
  explicit AtomicOutput(std::string path);
  AtomicOutput(const AtomicOutput&) = delete;
  AtomicOutput& operator=(const AtomicOutput&) = delete;
  ~AtomicOutput();

  int fd() const { return fd_.get(); }
  const std::string& temp_path() const { return temp_path_; }
  void commit();

 private:
  std::string path_;
  std::string temp_path_;
  UniqueFd fd_;
  bool committed_ = false;
};

}  // namespace ppc::rootfs
