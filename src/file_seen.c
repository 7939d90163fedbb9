/* Change detection for files re-read by a running server. */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "file_seen.h"

void file_seen_look(const char *file, struct file_seen *s) {
  struct stat st;
  memset(s, 0, sizeof *s);
  if (stat(file, &st) == -1) {
    s->err = errno ? errno : -1;
    return;
  }
  s->dev = st.st_dev;
  s->ino = st.st_ino;
  s->size = st.st_size;
  s->mtime = st.st_mtim;
}

int file_seen_same(const struct file_seen *a, const struct file_seen *b) {
  return a->err == b->err && a->dev == b->dev && a->ino == b->ino && a->size == b->size &&
         a->mtime.tv_sec == b->mtime.tv_sec && a->mtime.tv_nsec == b->mtime.tv_nsec;
}
