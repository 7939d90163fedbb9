/* The TLS loaders' files, from disk or from the key keeper's set. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>

#include "file_source.h"

static const struct file_set *set;

void file_source_use(const struct file_set *fs) { set = fs; }

/* the set's entry for path, or 0 to read the file system */
static const struct keeper_entry *held(const char *path) {
  return set ? file_set_find(set, path) : 0;
}

static void failed(int e) {
  ERR_raise(ERR_LIB_SYS, e);
  errno = e;
}

BIO *file_source_bio(const char *path) {
  const struct keeper_entry *e = held(path);
  BIO *b;
  if (!e) return BIO_new_file(path, "r");
  if (e->kind != 'f') {
    failed(e->kind == 'x' ? e->err : EISDIR);
    return 0;
  }
  b = BIO_new_mem_buf(e->data ? e->data : (const void *)"", (int)e->len);
  if (!b) failed(ENOMEM);
  return b;
}

int file_source_read(const char *path, stralloc *out, size_t max) {
  const struct keeper_entry *e = held(path);
  int fd;
  out->len = 0;
  if (e) {
    size_t n = e->len > max ? max + 1 : e->len;
    if (e->kind != 'f') return errno = e->kind == 'x' ? e->err : EISDIR, 0;
    if (!stralloc_copyb(out, (const char *)(e->data ? e->data : (unsigned char *)""), n))
      return errno = ENOMEM, 0;
    return 1;
  }
  if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1) return 0;
  for (;;) {
    ssize_t r;
    if (!stralloc_readyplus(out, max + 1 - out->len)) {
      close(fd);
      return errno = ENOMEM, 0;
    }
    r = out->len > max ? 0 : read(fd, out->s + out->len, max + 1 - out->len);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) {
      int saved = errno;
      close(fd);
      errno = saved;
      return r == 0;
    }
    out->len += (size_t)r;
  }
}

int file_source_exists(const char *path) {
  struct stat st;
  if (set) {
    const struct keeper_entry *e = file_set_find(set, path);
    /* one the keeper could not read is there all the same (its error shows) */
    return e && (e->kind == 'f' || (e->kind == 'x' && e->err != ENOENT));
  }
  return stat(path, &st) == 0;
}

/* the set's names under dir: its 'f' entries "dir/NAME" */
static int held_names(const char *dir, stralloc *names) {
  size_t i, n = strlen(dir);
  for (i = 0; i < set->n; ++i) {
    const char *p = set->e[i].path, *name = p + n + 1;
    if (set->e[i].kind != 'f' || strncmp(p, dir, n) || p[n] != '/') continue;
    if (!*name || *name == '.' || strchr(name, '/')) continue;
    if (!stralloc_cats(names, name) || !stralloc_0(names)) return errno = ENOMEM, 0;
  }
  return 1;
}

int file_source_names(const char *dir, stralloc *names) {
  const struct keeper_entry *e = held(dir);
  struct dirent *d;
  DIR *dh;
  names->len = 0;
  if (e && e->kind == 'd') return held_names(dir, names);
  if (e) return errno = e->kind == 'x' ? e->err : ENOTDIR, 0;
  if (!(dh = opendir(dir))) return 0;
  while ((d = readdir(dh)))
    if (d->d_name[0] != '.' && (!stralloc_cats(names, d->d_name) || !stralloc_0(names))) {
      closedir(dh);
      return errno = ENOMEM, 0;
    }
  closedir(dh);
  return 1;
}
