/* vfork + exec: the child borrows the parent's memory until execvp, so it
   only makes system calls and reports an exec failure through a variable
   the parent reads when it resumes. All signals are blocked around vfork:
   no handler of the parent may run on the shared stack; the child unblocks
   only after it has reset the caught signals to their default. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "prog_spawn.h"

pid_t prog_spawn(char **argv, const int *map, int count, const sigset_t *dflt) {
  volatile int child_errno = 0;
  sigset_t all, old, none;
  pid_t pid;
  int e;

  sigfillset(&all);
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &all, &old);
  pid = vfork();
  if (pid == 0) {
    struct sigaction sa;
    int i;
    sa.sa_handler = SIG_DFL;
    sa.sa_flags = 0;
    sigemptyset(&sa.sa_mask);
    for (i = 1; i < NSIG; ++i)
      if (sigismember(dflt, i) == 1) sigaction(i, &sa, 0);
    for (i = 0; i < count; ++i) {
      if (map[i] < 0) continue;
      if (map[i] == i) fcntl(i, F_SETFD, 0);
      else if (dup2(map[i], i) == -1) goto fail;
    }
    /* everything of ours is close-on-exec anyway; this covers the rest */
    close_range(count > 3 ? (unsigned)count : 3u, ~0u, 0);
    sigprocmask(SIG_SETMASK, &none, 0);
    execvp(argv[0], argv);
  fail:
    child_errno = errno;
    _exit(127);
  }
  e = pid == -1 ? errno : child_errno;
  if (pid > 0 && e) {
    while (waitpid(pid, 0, 0) == -1 && errno == EINTR) {}
    pid = -1;
  }
  sigprocmask(SIG_SETMASK, &old, 0);
  if (pid == -1) errno = e;
  return pid;
}
