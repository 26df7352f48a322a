// load_config reads a file and says which file any problem is in.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "base/error.h"
#include "oci/parse_config.h"
#include "podman_config.h"

namespace ppc::oci {
namespace {

namespace fs = std::filesystem;

class oci_LoadConfig : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "oci-load-XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path write(const std::string& name, const std::string& text) {
    const fs::path path = dir_ / name;
    std::ofstream(path, std::ios::binary) << text;
    return path;
  }

  // The message load_config throws, or "<no error>".
  static std::string error_of(const fs::path& path) {
    try {
      load_config(path);
    } catch (const Error& e) {
      return e.what();
    }
    return "<no error>";
  }

  fs::path dir_;
};

TEST_F(oci_LoadConfig, ReadsAValidFile) {
  const fs::path path = write("config.json", testing::kPodmanConfig);
  EXPECT_EQ(load_config(path), parse_config(nlohmann::json::parse(testing::kPodmanConfig)));
}

TEST_F(oci_LoadConfig, MissingFileNamesThePathAndTheReason) {
  const fs::path path = dir_ / "absent.json";
  EXPECT_EQ(error_of(path), path.string() + ": cannot open: No such file or directory");
}

TEST_F(oci_LoadConfig, DirectoryIsNotAConfig) {
  EXPECT_EQ(error_of(dir_), dir_.string() + ": not a regular file");
}

TEST_F(oci_LoadConfig, InvalidJsonGivesTheByteOffset) {
  const fs::path path = write("config.json", R"({"ociVersion": "1.0", "root": {"path": x}})");
  const std::string message = error_of(path);
  // The parser counts bytes from 1: the stray x is the 40th.
  EXPECT_EQ(message.rfind(path.string() + ": invalid JSON at byte 40: ", 0), 0u) << message;
  EXPECT_NE(message.find("syntax error"), std::string::npos) << message;
}

TEST_F(oci_LoadConfig, EmptyFileIsInvalidJson) {
  const fs::path path = write("config.json", "");
  const std::string message = error_of(path);
  EXPECT_EQ(message.rfind(path.string() + ": invalid JSON at byte 1: ", 0), 0u) << message;
}

TEST_F(oci_LoadConfig, ValidationErrorsArePrefixedWithThePath) {
  const fs::path path = write("config.json", R"({"ociVersion": "1.0", "root": {"path": "rootfs"},
    "mounts": [{"destination": "/a"}, {"destination": "/b"}, {"destination": "c"}]})");
  EXPECT_EQ(error_of(path), path.string() + R"(: mounts[2].destination: must be an absolute path, got "c")");
}

TEST_F(oci_LoadConfig, DeepNestingIsRefusedWhileParsing) {
  const int depth = kMaxConfigDepth + 1;
  std::string text = R"({"ociVersion": "1.0", "root": {"path": "rootfs"}, "x": )";
  text += std::string(static_cast<size_t>(depth), '[') + std::string(static_cast<size_t>(depth), ']') + "}";
  const fs::path path = write("config.json", text);
  EXPECT_EQ(error_of(path), path.string() + ": invalid JSON: nested deeper than 64 levels");
}

TEST_F(oci_LoadConfig, NestingUpToTheLimitIsAccepted) {
  // The top-level object is level 1, so the extension value may open 62 more.
  const int depth = kMaxConfigDepth - 2;
  std::string text = R"({"ociVersion": "1.0", "root": {"path": "rootfs"}, "x": )";
  text += std::string(static_cast<size_t>(depth), '[') + std::string(static_cast<size_t>(depth), ']') + "}";
  EXPECT_EQ(error_of(write("config.json", text)), "<no error>");
}

TEST_F(oci_LoadConfig, UnreadableFileNamesTheReason) {
  if (::geteuid() == 0) GTEST_SKIP() << "root reads files whatever their mode";
  const fs::path path = write("config.json", "{}");
  ASSERT_EQ(::chmod(path.c_str(), 0), 0);
  EXPECT_EQ(error_of(path), path.string() + ": cannot open: Permission denied");
}

}  // namespace
}  // namespace ppc::oci
