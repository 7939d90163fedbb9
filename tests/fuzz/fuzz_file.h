/* For targets whose module reads a file by name: the input as an
   in-memory file (memfd), named by its /proc/self/fd path. */
#ifndef FUZZ_FILE_H
#define FUZZ_FILE_H

#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

struct fuzz_file {
  int fd;
  char path[40];
};

/* Writes data[0..size) to a new memfd; aborts on failure (no input is at fault). */
static inline void fuzz_file_open(struct fuzz_file *f, const unsigned char *data, size_t size) {
  size_t done = 0;
  f->fd = memfd_create("fuzz", MFD_CLOEXEC);
  if (f->fd == -1) abort();
  while (done < size) {
    ssize_t w = write(f->fd, data + done, size - done);
    if (w <= 0) abort();
    done += (size_t)w;
  }
  if (lseek(f->fd, 0, SEEK_SET) != 0) abort();
  snprintf(f->path, sizeof f->path, "/proc/self/fd/%d", f->fd);
}

/* Grows the file by one byte: a change every reader's refresh must see. */
static inline void fuzz_file_grow(struct fuzz_file *f) {
  if (lseek(f->fd, 0, SEEK_END) == -1 || write(f->fd, "x", 1) != 1) abort();
}

static inline void fuzz_file_close(struct fuzz_file *f) {
  close(f->fd);
}

#endif
