#include <errno.h>
#include <poll.h>
#include <time.h>

#include "deadline.h"

long long deadline_now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

long long deadline_in(unsigned long seconds) {
  return deadline_now() + (long long)seconds * 1000;
}

int deadline_poll(int fd, short events, long long deadline) {
  for (;;) {
    struct pollfd p = {fd, events, 0};
    long long left = deadline - deadline_now();
    int r;
    if (left <= 0) {
      errno = ETIMEDOUT;
      return 0;
    }
    /* in slices, so that a timeout of hours never overflows poll's int */
    r = poll(&p, 1, left > 60000 ? 60000 : (int)left);
    if (r > 0) return 1;
    if (r < 0 && errno != EINTR) return -1;
  }
}
