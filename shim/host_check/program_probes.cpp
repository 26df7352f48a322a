#include "host_check/program_probes.h"

#include <elf.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstring>
#include <fstream>

#include "host_check/probe_files.h"

namespace ppc::shim {
namespace {

constexpr const char* kInstallFix = "install the ppc-kvm-shim package (apt install ./ppc-kvm-shim_*.deb)";

// What keeps `path` from being used (missing, not a regular file, no access), or "".
std::string file_problem(const std::string& path, int access_mode) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return path + ": " + errno_text();
  if (!S_ISREG(st.st_mode)) return path + " is not a regular file";
  if (::access(path.c_str(), access_mode) != 0)
    return path + " is not " + (access_mode == X_OK ? "executable" : "readable") + ": " + errno_text();
  return "";
}

// A 64-bit little-endian PowerPC ELF header: what the guest can load and run.
bool is_ppc64le_elf(const std::string& path) {
  Elf64_Ehdr header{};
  std::ifstream in(path, std::ios::binary);
  if (!in.read(reinterpret_cast<char*>(&header), sizeof header)) return false;
  const auto* ident = header.e_ident;
  // e_machine is little-endian in the file, as on the ppc64le and x86 hosts that read it.
  return std::memcmp(ident, ELFMAG, SELFMAG) == 0 && ident[EI_CLASS] == ELFCLASS64 && ident[EI_DATA] == ELFDATA2LSB &&
         header.e_machine == EM_PPC64;
}

CheckResult program_check(std::string name, const std::string& path, int access_mode, bool guest_file,
                          const std::string& key, const std::string& what) {
  CheckResult r{std::move(name), false, true, "", ""};
  const std::string settings_fix = ", or set \"" + key + "\" in the host settings (/etc/ppc-kvm-shim/config.json)";
  if (std::string problem = file_problem(path, access_mode); !problem.empty()) {
    r.detail = problem;
    r.fix = (key == "virtiofsd" ? "apt install qemu-system-common (Debian 12's has /usr/lib/qemu/virtiofsd)"
                                : std::string(kInstallFix)) + settings_fix;
    return r;
  }
  if (guest_file && !is_ppc64le_elf(path)) {
    r.detail = path + " is not a 64-bit little-endian PowerPC ELF file";
    r.fix = std::string(kInstallFix) + settings_fix;
    return r;
  }
  r.ok = true;
  r.detail = path + " (" + what + ")";
  return r;
}

}  // namespace

CheckResult probe_guest_kernel(const std::string& path) {
  return program_check("guest-kernel", path, R_OK, true, "kernel", "ppc64le ELF, readable");
}

CheckResult probe_vmm(const std::string& path) { return program_check("vmm", path, X_OK, false, "vmm", "executable"); }

CheckResult probe_agent(const std::string& path) {
  return program_check("agent", path, R_OK, true, "agent", "ppc64le ELF, readable");
}

CheckResult probe_virtiofsd(const std::string& path) {
  return program_check("virtiofsd", path, X_OK, false, "virtiofsd", "executable");
}

}  // namespace ppc::shim
