#include "test_tree.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <stdexcept>

namespace ppc::rootfs::test {

TempDir::TempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string pattern = std::string(base && *base ? base : "/tmp") + "/rootfs-test.XXXXXX";
  if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp " + pattern + ": " + std::strerror(errno));
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

void write_file(const std::string& path, const std::string& content, mode_t mode) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) throw std::runtime_error("create " + path + ": " + std::strerror(errno));
  const bool ok = ::write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size());
  ::close(fd);
  if (!ok) throw std::runtime_error("write " + path);
  if (::chmod(path.c_str(), mode) != 0) throw std::runtime_error("chmod " + path);  // past the umask
}

std::string read_file(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw std::runtime_error("open " + path + ": " + std::strerror(errno));
  std::string out;
  char buffer[65536];
  ssize_t n;
  while ((n = ::read(fd, buffer, sizeof buffer)) > 0) out.append(buffer, static_cast<size_t>(n));
  ::close(fd);
  if (n < 0) throw std::runtime_error("read " + path);
  return out;
}

bool exists(const std::string& path) {
  struct stat st;
  return ::lstat(path.c_str(), &st) == 0;
}

bool running_as_root() { return ::geteuid() == 0; }

CommandResult run_shell(const std::string& command) {
  CommandResult result;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  if (!pipe) throw std::runtime_error("popen: " + std::string(std::strerror(errno)));
  char buffer[4096];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) result.output.append(buffer, n);
  const int status = ::pclose(pipe);
  result.status = (status != -1 && WIFEXITED(status)) ? WEXITSTATUS(status) : -1;
  return result;
}

std::string quote(const std::string& text) {
  std::string out = "'";
  for (char c : text) out += (c == '\'') ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

namespace {

void snapshot_dir(const std::string& root, const std::string& rel, std::map<std::string, FileInfo>& out) {
  const std::string dir_path = rel.empty() ? root : root + "/" + rel;
  DIR* dir = ::opendir(dir_path.c_str());
  if (!dir) throw std::runtime_error("opendir " + dir_path + ": " + std::strerror(errno));
  std::vector<std::string> names;
  while (const dirent* d = ::readdir(dir)) {
    if (std::strcmp(d->d_name, ".") != 0 && std::strcmp(d->d_name, "..") != 0) names.emplace_back(d->d_name);
  }
  ::closedir(dir);
  for (const std::string& name : names) {
    const std::string child = rel.empty() ? name : rel + "/" + name;
    const std::string path = root + "/" + child;
    struct stat st;
    if (::lstat(path.c_str(), &st) != 0) throw std::runtime_error("lstat " + path);
    FileInfo info;
    info.mode = st.st_mode;
    info.uid = st.st_uid;
    info.gid = st.st_gid;
    info.size = static_cast<uint64_t>(st.st_size);
    info.mtime = st.st_mtim.tv_sec;
    info.rdev = st.st_rdev;
    info.ino = st.st_ino;
    info.nlink = st.st_nlink;
    if (S_ISREG(st.st_mode)) info.content = read_file(path);
    if (S_ISLNK(st.st_mode)) {
      char target[4096];
      const ssize_t n = ::readlink(path.c_str(), target, sizeof target);
      if (n < 0) throw std::runtime_error("readlink " + path);
      info.target.assign(target, static_cast<size_t>(n));
    }
    out[child] = info;
    if (S_ISDIR(st.st_mode)) snapshot_dir(root, child, out);
  }
}

uint32_t hex_field(const std::string& archive, size_t at) {
  uint32_t value = 0;
  for (size_t i = 0; i < 8; ++i) {
    const char c = archive.at(at + i);
    uint32_t digit;
    if (c >= '0' && c <= '9') digit = static_cast<uint32_t>(c - '0');
    else if (c >= 'a' && c <= 'f') digit = static_cast<uint32_t>(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F') digit = static_cast<uint32_t>(c - 'A' + 10);
    else throw std::runtime_error("non-hex digit at offset " + std::to_string(at + i));
    value = value << 4 | digit;
  }
  return value;
}

size_t align4(size_t n) { return (n + 3) & ~size_t{3}; }

void expect_zeros(const std::string& archive, size_t from, size_t to) {
  if (to > archive.size()) throw std::runtime_error("archive truncated at offset " + std::to_string(archive.size()));
  for (size_t i = from; i < to; ++i) {
    if (archive[i] != '\0') throw std::runtime_error("nonzero padding at offset " + std::to_string(i));
  }
}

}  // namespace

std::map<std::string, FileInfo> snapshot(const std::string& root) {
  std::map<std::string, FileInfo> out;
  snapshot_dir(root, "", out);
  return out;
}

std::vector<NewcEntry> parse_newc(const std::string& archive) {
  std::vector<NewcEntry> entries;
  size_t at = 0;
  for (;;) {
    if (archive.size() < at + 110) throw std::runtime_error("archive ends inside a header at offset " + std::to_string(at));
    if (archive.compare(at, 6, "070701") != 0) throw std::runtime_error("bad magic at offset " + std::to_string(at));
    NewcEntry e;
    uint32_t* fields[] = {&e.ino, &e.mode, &e.uid, &e.gid, &e.nlink, &e.mtime, &e.filesize,
                          &e.devmajor, &e.devminor, &e.rdevmajor, &e.rdevminor, &e.namesize, &e.check};
    for (size_t i = 0; i < 13; ++i) *fields[i] = hex_field(archive, at + 6 + 8 * i);
    if (e.namesize == 0 || archive.size() < at + 110 + e.namesize) throw std::runtime_error("bad name size at offset " + std::to_string(at));
    if (archive[at + 110 + e.namesize - 1] != '\0') throw std::runtime_error("name not NUL-terminated at offset " + std::to_string(at));
    e.name = archive.substr(at + 110, e.namesize - 1);
    const size_t data_at = align4(at + 110 + e.namesize);
    expect_zeros(archive, at + 110 + e.namesize, data_at);
    if (archive.size() < data_at + e.filesize) throw std::runtime_error("data of " + e.name + " truncated");
    e.data = archive.substr(data_at, e.filesize);
    const size_t next = align4(data_at + e.filesize);
    expect_zeros(archive, data_at + e.filesize, next);
    at = next;
    if (e.name == "TRAILER!!!") {
      expect_zeros(archive, at, archive.size());
      entries.push_back(std::move(e));
      return entries;
    }
    entries.push_back(std::move(e));
  }
}

}  // namespace ppc::rootfs::test
