#include "vm/initramfs.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>

#include "base/error.h"
#include "base/unique_fd.h"
#include "log/logger.h"
#include "rootfs/byte_sink.h"
#include "rootfs/cpio_writer.h"
#include "rootfs/initramfs.h"

namespace ppc::shim {
namespace {

namespace fs = std::filesystem;

// Inode numbers of the appended archive start far above the first archive's (numbered from
// 1), so that the two can never look like hard links of each other.
constexpr uint32_t kFirstAppendedInode = 0x40000000;

rootfs::CpioHeader header_of(const struct stat& st, uint32_t ino) {
  rootfs::CpioHeader h;
  h.ino = ino;
  h.mode = st.st_mode;
  h.uid = st.st_uid;
  h.gid = st.st_gid;
  h.nlink = S_ISDIR(st.st_mode) ? 2 : 1;
  h.mtime = st.st_mtime < 0 || st.st_mtime > UINT32_MAX ? 0 : static_cast<uint32_t>(st.st_mtime);
  return h;
}

void add_file(rootfs::CpioWriter& writer, const std::string& name, const std::string& path, rootfs::CpioHeader h,
              uint64_t size) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC));
  if (!fd.valid()) throw_errno("open " + path);
  if (size > UINT32_MAX) throw Error(path + ": larger than a cpio archive member can be");
  h.filesize = static_cast<uint32_t>(size);
  writer.begin_entry(name, h);
  char buf[65536];
  uint64_t left = size;
  while (left > 0) {
    const ssize_t n = ::read(fd.get(), buf, std::min<uint64_t>(sizeof buf, left));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw_errno("read " + path);
    if (n == 0) throw Error(path + ": the file shrank while it was copied");
    writer.write_data(buf, static_cast<size_t>(n));
    left -= static_cast<uint64_t>(n);
  }
  writer.end_entry();
}

// One bind directory as "binds/<n>/...": directories before their contents.
void add_directory(rootfs::CpioWriter& writer, const BindCopy& bind, uint32_t& ino) {
  const std::string top = bind.guest_path.substr(1);
  struct stat st {};
  if (::stat(bind.host_source.c_str(), &st) != 0) throw_errno("stat " + bind.host_source);
  writer.add_entry(top, header_of(st, ino++));
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(bind.host_source, fs::directory_options::none, ec);
       !ec && it != fs::end(it); it.increment(ec)) {
    const std::string path = it->path().string();
    // Lexical: fs::relative would resolve a symlink to its target's name.
    const std::string name = top + "/" + it->path().lexically_relative(bind.host_source).string();
    if (::lstat(path.c_str(), &st) != 0) throw_errno("lstat " + path);
    const rootfs::CpioHeader h = header_of(st, ino++);
    if (S_ISDIR(st.st_mode)) {
      writer.add_entry(name, h);
    } else if (S_ISREG(st.st_mode)) {
      add_file(writer, name, path, h, static_cast<uint64_t>(st.st_size));
    } else if (S_ISLNK(st.st_mode)) {
      std::error_code link_ec;
      const std::string target = fs::read_symlink(it->path(), link_ec).string();
      if (link_ec) throw Error("readlink " + path + ": " + link_ec.message());
      rootfs::CpioHeader link = h;
      link.filesize = static_cast<uint32_t>(target.size());
      writer.add_entry(name, link, target);
    } else {
      logger().warning("bind mount " + bind.host_source + ": " + path + " is a special file; not copied into the guest");
    }
  }
  if (ec) throw Error("reading " + bind.host_source + ": " + ec.message());
}

}  // namespace

uint64_t build_container_initramfs(const std::string& agent, const std::string& rootfs_dir,
                                   const std::vector<BindCopy>& binds, const std::string& output) {
  rootfs::BuildSpec spec;
  spec.agent = agent;
  spec.rootfs = rootfs_dir;
  spec.warn = [](const std::string& m) { logger().warning("initramfs: " + m); };
  bool any_directory = false;
  for (const BindCopy& b : binds) {
    if (b.directory) any_directory = true;
    else spec.extras.push_back({b.host_source, b.guest_path, std::nullopt});
  }
  const std::string first = any_directory ? output + ".part" : output;
  rootfs::build_initramfs(spec, first);
  if (any_directory) {
    try {
      UniqueFd fd(::open(first.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC));
      if (!fd.valid()) throw_errno("open " + first);
      rootfs::FdSink sink(fd.get(), first);
      rootfs::CpioWriter writer(sink);
      uint32_t ino = kFirstAppendedInode;
      struct stat dir {};
      dir.st_mode = S_IFDIR | 0755;
      writer.add_entry(std::string(kGuestBindDir).substr(1), header_of(dir, ino++));
      for (const BindCopy& b : binds) {
        if (b.directory) with_context("bind mount " + b.host_source, [&] { add_directory(writer, b, ino); });
      }
      writer.finish();
      if (::fsync(fd.get()) != 0) throw_errno("fsync " + first);
      if (::rename(first.c_str(), output.c_str()) != 0) throw_errno("rename " + first);
    } catch (...) {
      ::unlink(first.c_str());
      throw;
    }
  }
  struct stat st {};
  if (::stat(output.c_str(), &st) != 0) throw_errno("stat " + output);
  return static_cast<uint64_t>(st.st_size);
}

}  // namespace ppc::shim
