// Test aid: stands in for virtiofsd in virtiofsd_test.cpp. It insists on what the VMM
// promises the real daemon (a listening socket as --fd=3, -o source=<an existing directory>,
// stdin from /dev/null, no other fd inherited, no signal ignored or blocked), accepts one connection and answers vhost-user
// requests as virtiofsd does until the VMM hangs up. Exit status 0, or 3 naming the broken
// promise on stderr.
#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <dirent.h>
#include <string>

#include "virtio/fake_vhost_user_backend.h"

namespace {

int broken(const char* what) {
  std::fprintf(stderr, "fake_virtiofsd: %s\n", what);
  return 3;
}

int open_fds() {
  int n = 0;
  DIR* d = ::opendir("/proc/self/fd");
  if (!d) return -1;
  while (const dirent* e = ::readdir(d))
    if (e->d_name[0] != '.') ++n;
  ::closedir(d);
  return n - 1;  // the directory's own fd
}

}  // namespace

int main(int argc, char** argv) {
  std::string fd_arg, source;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a.rfind("--fd=", 0) == 0) fd_arg = a;
    if (a == "-o" && i + 1 < argc && std::string(argv[i + 1]).rfind("source=", 0) == 0) source = argv[i + 1] + 7;
  }
  if (fd_arg != "--fd=3") return broken("no --fd=3");
  struct stat st {};
  if (source.empty() || ::stat(source.c_str(), &st) < 0 || !S_ISDIR(st.st_mode)) return broken("no -o source=DIR");
  int listening = 0;
  socklen_t len = sizeof listening;
  if (::getsockopt(3, SOL_SOCKET, SO_ACCEPTCONN, &listening, &len) < 0 || !listening) return broken("fd 3 is not listening");
  struct stat in {}, null {};
  if (::fstat(STDIN_FILENO, &in) < 0 || ::stat("/dev/null", &null) < 0 || !S_ISCHR(in.st_mode) || in.st_rdev != null.st_rdev)
    return broken("stdin is not /dev/null");
  if (open_fds() != 4) return broken("fds other than 0-3 were inherited");
  struct sigaction pipe {};
  sigset_t blocked;
  if (::sigaction(SIGPIPE, nullptr, &pipe) < 0 || pipe.sa_handler == SIG_IGN) return broken("SIGPIPE is ignored");
  if (::sigprocmask(SIG_BLOCK, nullptr, &blocked) < 0 || !sigisemptyset(&blocked)) return broken("signals are blocked");
  const int conn = ::accept4(3, nullptr, nullptr, SOCK_CLOEXEC);
  if (conn < 0) return broken("accept");
  ppc::vmm::testing::FakeBackend backend{ppc::UniqueFd(conn)};
  backend.serve();
  backend.join();
  return 0;
}
