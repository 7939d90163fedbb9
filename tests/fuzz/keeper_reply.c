/* libFuzzer target for keeper_reply_parse (make fuzz): any bytes parse or
   are refused without memory errors; what parses holds only what the
   header promises (non-empty NUL-free paths, known kinds, files within
   KEEPER_FILE_MAX), and encodes back into records that parse the same. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "keeper_reply.h"

static void same(const struct file_set *a, const struct file_set *b) {
  size_t i;
  if (a->n != b->n || !a->failed != !b->failed) abort();
  if (a->failed && strcmp(a->failed, b->failed)) abort();
  for (i = 0; i < a->n; ++i) {
    const struct keeper_entry *x = &a->e[i], *y = &b->e[i];
    if (x->kind != y->kind || strcmp(x->path, y->path) || x->len != y->len || x->err != y->err) abort();
    if (x->len && memcmp(x->data, y->data, x->len)) abort();
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct file_set fs, again;
  unsigned char *buf = 0;
  size_t i, len = 0, cap = 0;
  if (keeper_reply_parse(data, size, &fs)) return 0;
  for (i = 0; i < fs.n; ++i) {
    const struct keeper_entry *e = &fs.e[i];
    unsigned char v[4] = {(unsigned char)(e->err >> 24), (unsigned char)(e->err >> 16),
                          (unsigned char)(e->err >> 8), (unsigned char)e->err};
    if (!e->path[0] || strlen(e->path) > KEEPER_PATH_MAX || e->len > KEEPER_FILE_MAX) abort();
    if (e->kind != 'f' && e->kind != 'd' && e->kind != 'x') abort();
    if (!keeper_reply_add(&buf, &len, &cap, e->kind, e->path, e->kind == 'x' ? v : e->data,
                          e->kind == 'x' ? 4 : e->len))
      abort();
  }
  if (fs.failed && !keeper_reply_add(&buf, &len, &cap, 'e', "", fs.failed, strlen(fs.failed))) abort();
  if (keeper_reply_parse(buf, len, &again)) abort();
  same(&fs, &again);
  file_set_free(&again);
  file_set_free(&fs);
  free(buf);
  return 0;
}
