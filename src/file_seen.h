#ifndef FILE_SEEN_H
#define FILE_SEEN_H
/* What stat(2) says of a file, to notice when it changed (replaced,
   rewritten, removed) without reading it. */

#include <sys/types.h>
#include <time.h>

struct file_seen {
  int err;               /* stat's errno, 0 when it worked */
  dev_t dev;
  ino_t ino;
  off_t size;
  struct timespec mtime;
};

void file_seen_look(const char *file, struct file_seen *s);
int file_seen_same(const struct file_seen *a, const struct file_seen *b);

#endif
