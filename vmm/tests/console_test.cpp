// A console file under its limits: the guest's flood is cut, the file says so, and a panic
// line in what was dropped is still seen.
#include "console.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace ppc::vmm {
namespace {

std::string chunk_of_16() { return std::string(15, 'x') + "\n"; }

TEST(ConsoleFile, AFloodIsCutToTheBurstAndAPanicInTheDroppedPartIsStillSeen) {
  char path[] = "/tmp/console-test.XXXXXX";
  UniqueFd fd(::mkstemp(path));
  ASSERT_TRUE(fd.valid());
  const int raw = fd.get();
  {
    Console console(raw, std::move(fd), -1, OutputBudget::Limits{4096, 16, 1024});
    const std::string chunk = chunk_of_16();
    for (int i = 0; i < 1000; ++i) console.write(chunk);  // 16000 bytes at once
    console.write("Kernel panic - not syncing: test\n");
    EXPECT_EQ(console.panic_line(), "Kernel panic - not syncing: test");
    EXPECT_GE(console.dropped(), 16000u - 1024u);
  }
  std::ifstream in(path);
  std::stringstream content;
  content << in.rdbuf();
  std::filesystem::remove(path);
  const std::string text = content.str();
  EXPECT_LE(text.size(), 1024u + 200u);  // the burst, and perhaps one notice
  std::string burst;
  while (burst.size() < 1024) burst += chunk_of_16();
  EXPECT_EQ(text.substr(0, 1024), burst.substr(0, 1024));
}

TEST(ConsoleFile, WithoutLimitsEverythingIsWritten) {
  int pipe_fds[2];
  ASSERT_EQ(::pipe(pipe_fds), 0);
  UniqueFd read_end(pipe_fds[0]), write_end(pipe_fds[1]);
  Console console(write_end.get(), UniqueFd(), -1);
  for (int i = 0; i < 100; ++i) console.write(std::string(100, 'y'));  // 10000 bytes: within a pipe
  EXPECT_EQ(console.dropped(), 0u);
  write_end.reset();
  std::string got;
  char buf[4096];
  for (ssize_t n; (n = ::read(read_end.get(), buf, sizeof buf)) > 0;) got.append(buf, static_cast<size_t>(n));
  EXPECT_EQ(got, std::string(10000, 'y'));
}

}  // namespace
}  // namespace ppc::vmm
