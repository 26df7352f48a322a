#pragma once
// Where archive bytes go: a file descriptor for real builds, a string for tests that
// inspect the exact bytes.
#include <cstddef>
#include <string>
#include <utility>

namespace ppc::rootfs {

class ByteSink {
 public:
  virtual ~ByteSink() = default;
  // Writes all of data or throws ppc::Error.
  virtual void write(const void* data, size_t size) = 0;
};

// Writes to an fd it does not own; `name` (the output path) is what errors mention.
class FdSink : public ByteSink {
 public:
  FdSink(int fd, std::string name) : fd_(fd), name_(std::move(name)) {}
  void write(const void* data, size_t size) override;

 private:
  int fd_;
  std::string name_;
};

class StringSink : public ByteSink {
 public:
  void write(const void* data, size_t size) override { bytes_.append(static_cast<const char*>(data), size); }
  const std::string& bytes() const { return bytes_; }

 private:
  std::string bytes_;
};

}  // namespace ppc::rootfs
