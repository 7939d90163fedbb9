#ifndef PROG_SPAWN_H
#define PROG_SPAWN_H
/* Starts a program cheaply: vfork, then in the child dup2 the map onto
   descriptors 0..count-1, close everything above, put the given signals
   back to their default action, unblock all signals and execvp.
   (glibc's posix_spawn resets every signal one by one: ~120 system calls
   per start; the caller knows which few it changed.) */

#include <signal.h>
#include <sys/types.h>

/* map[i] goes on descriptor i (-1: leave descriptor i as it is); the
   sources must not be among the targets 0..count-1. dflt: the signals
   this process ignores or catches. Returns the pid, or -1 with errno set
   (also when execvp failed: the child then never ran the program). */
pid_t prog_spawn(char **argv, const int *map, int count, const sigset_t *dflt);

#endif
