// reaper: a subreaper like conmon. Runs COMMAND; every process that ends below it (the
// command, and orphans such as the VMM that `ppc-kvm-shim create` leaves behind) is reaped
// and logged to LOG as "PID STATUS" (STATUS as a shell shows it: 128+N for signal N).
// Returns when no child is left.
//   reaper LOG COMMAND [ARGS...]
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: reaper LOG COMMAND [ARGS...]\n");
    return 2;
  }
  if (::prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0) {
    std::perror("reaper: PR_SET_CHILD_SUBREAPER");
    return 1;
  }
  const pid_t child = ::fork();
  if (child == 0) {
    ::execvp(argv[2], argv + 2);
    std::perror("reaper: exec");
    ::_exit(127);
  }
  for (;;) {
    int status = 0;
    const pid_t pid = ::waitpid(-1, &status, 0);
    if (pid < 0) {
      if (errno == EINTR) continue;
      break;  // ECHILD: nothing left
    }
    const int shown = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    if (FILE* log = std::fopen(argv[1], "a")) {
      std::fprintf(log, "%d %d\n", static_cast<int>(pid), shown);
      std::fclose(log);
    }
  }
  return 0;
}
