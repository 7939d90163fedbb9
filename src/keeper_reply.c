/* The key keeper's reply: records of file contents (see keeper_reply.h). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "keeper_reply.h"

#define RECORD_HEAD 9

static void put32(unsigned char *p, size_t v) {
  p[0] = (unsigned char)(v >> 24);
  p[1] = (unsigned char)(v >> 16);
  p[2] = (unsigned char)(v >> 8);
  p[3] = (unsigned char)v;
}

static size_t get32(const unsigned char *p) {
  return (size_t)p[0] << 24 | (size_t)p[1] << 16 | (size_t)p[2] << 8 | p[3];
}

int keeper_reply_add(unsigned char **buf, size_t *len, size_t *cap, char kind, const char *path,
                     const void *data, size_t dlen) {
  size_t plen = strlen(path), need = RECORD_HEAD + plen + dlen;
  unsigned char *p;
  if (plen > KEEPER_PATH_MAX || dlen > KEEPER_FILE_MAX) return 0;
  if (*len > *cap || *cap - *len < need) {
    size_t more = *cap * 2 > *len + need ? *cap * 2 : *len + need;
    unsigned char *b = realloc(*buf, more);
    if (!b) return 0;
    *buf = b;
    *cap = more;
  }
  p = *buf + *len;
  p[0] = (unsigned char)kind;
  put32(p + 1, plen);
  put32(p + 5, dlen);
  memcpy(p + RECORD_HEAD, path, plen);
  if (dlen) memcpy(p + RECORD_HEAD + plen, data, dlen);
  *len += need;
  return 1;
}

void keeper_reply_frame(unsigned char *buf, size_t len) { put32(buf, len - KEEPER_HEAD); }

size_t keeper_reply_length(const unsigned char head[KEEPER_HEAD]) {
  size_t n = get32(head);
  return n > KEEPER_REPLY_MAX ? 0 : n;
}

/* One record's kind-specific checks and copy into e; 0 or a reason. */
static const char *take(struct keeper_entry *e, char kind, const unsigned char *path, size_t plen,
                        const unsigned char *data, size_t dlen) {
  memset(e, 0, sizeof *e);
  if (kind == 'f' ? dlen > KEEPER_FILE_MAX : kind == 'x' ? dlen != 4 : dlen != 0)
    return "bad data length";
  if (!plen || plen > KEEPER_PATH_MAX || memchr(path, 0, plen)) return "bad path";
  if (!(e->path = malloc(plen + 1))) return "out of memory";
  memcpy(e->path, path, plen);
  e->path[plen] = 0;
  e->kind = kind;
  if (kind == 'x') {
    size_t v = get32(data);
    e->err = v && v < 4096 ? (int)v : 5; /* EIO for nonsense */
  }
  if (kind == 'f' && dlen) {
    if (!(e->data = malloc(dlen))) return "out of memory";
    memcpy(e->data, data, dlen);
    e->len = dlen;
  }
  return 0;
}

static const char *failure(struct file_set *fs, const unsigned char *s, size_t n) {
  size_t i;
  if (!n || n > 1000) return "bad reason";
  for (i = 0; i < n; ++i)
    if (s[i] < 32 || s[i] == 127) return "bad reason";
  if (!(fs->failed = malloc(n + 1))) return "out of memory";
  memcpy(fs->failed, s, n);
  fs->failed[n] = 0;
  return 0;
}

const char *keeper_reply_parse(const unsigned char *p, size_t len, struct file_set *fs) {
  const char *why = 0;
  size_t at = 0;
  memset(fs, 0, sizeof *fs);
  if (len > KEEPER_REPLY_MAX) return "reply too long";
  while (!why && at < len) {
    size_t plen, dlen;
    char kind;
    struct keeper_entry *more;
    if (len - at < RECORD_HEAD) {
      why = "truncated record";
      break;
    }
    kind = (char)p[at];
    plen = get32(p + at + 1);
    dlen = get32(p + at + 5);
    at += RECORD_HEAD;
    if (plen > len - at || dlen > len - at - plen) why = "truncated record";
    else if (kind == 'e') {
      why = fs->failed || plen ? "bad reason" : failure(fs, p + at + plen, dlen);
    } else if (kind != 'f' && kind != 'd' && kind != 'x') {
      why = "unknown record kind";
    } else if (!(more = realloc(fs->e, (fs->n + 1) * sizeof *more))) {
      why = "out of memory";
    } else {
      fs->e = more;
      why = take(&fs->e[fs->n], kind, p + at, plen, p + at + plen, dlen);
      ++fs->n; /* freed with the set even when take failed halfway */
    }
    at += plen + dlen;
  }
  if (why) file_set_free(fs);
  return why;
}

const struct keeper_entry *file_set_find(const struct file_set *fs, const char *path) {
  size_t i = fs->n;
  while (i--)
    if (!strcmp(fs->e[i].path, path)) return &fs->e[i];
  return 0;
}

void file_set_free(struct file_set *fs) {
  size_t i;
  for (i = 0; i < fs->n; ++i) {
    free(fs->e[i].path);
    if (fs->e[i].data) {
      /* key bytes: wiped before the memory goes back */
      volatile unsigned char *d = fs->e[i].data;
      size_t k;
      for (k = 0; k < fs->e[i].len; ++k) d[k] = 0;
      free(fs->e[i].data);
    }
  }
  free(fs->e);
  free(fs->failed);
  memset(fs, 0, sizeof *fs);
}
