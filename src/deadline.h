#ifndef DEADLINE_H
#define DEADLINE_H
/* Bounded waits: a deadline on the monotonic clock, in milliseconds, and a
   poll(2) on one descriptor that never waits past it. Every timeout of the
   toolkit (-T, -t, -w, connect) is one of these. */

long long deadline_now(void);
long long deadline_in(unsigned long seconds); /* now + seconds */

/* Waits for events on fd until the deadline; EINTR is retried.
   1: ready; 0: the deadline passed (errno ETIMEDOUT); -1: poll failed (errno). */
int deadline_poll(int fd, short events, long long deadline);

#endif
