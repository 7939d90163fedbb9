/* child_arena: blocks keep their contents through realloc and trimming,
   freed blocks are reused, the listener's memory survives a child's free,
   and trimming gives back (mincore: not resident) exactly the pages with
   nothing in use. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <openssl/crypto.h>

#include "child_arena.h"
#include "rules_tap.h"

static int resident(const void *p) {
  unsigned char v = 0;
  void *page = (void *)((uintptr_t)p & ~(uintptr_t)4095);
  return mincore(page, 4096, &v) == 0 && (v & 1);
}

static int filled(const unsigned char *p, size_t n, unsigned char c) {
  size_t i;
  for (i = 0; i < n; ++i)
    if (p[i] != c) return 0;
  return 1;
}

static void reuse_and_realloc(void) {
  unsigned char *a = OPENSSL_malloc(100), *b, *c;
  memset(a, 0x5a, 100);
  tap_ok(((uintptr_t)a & 15) == 0, "blocks are 16-byte aligned");
  b = OPENSSL_realloc(a, 50);
  tap_ok(b == a, "shrinking keeps the block");
  c = OPENSSL_realloc(b, 20000);
  tap_ok(c && filled(c, 100, 0x5a), "growing into a span keeps the contents");
  tap_ok(((uintptr_t)c & 4095) == 0, "spans are page-aligned");
  OPENSSL_free(c);
  tap_ok(OPENSSL_malloc(20000) == c, "a freed span of that length is reused");
  a = OPENSSL_malloc(64);
  OPENSSL_free(a);
  tap_ok(OPENSSL_malloc(64) == a, "a freed block of that class is reused");
  a = OPENSSL_zalloc(64);
  tap_ok(a && filled(a, 64, 0), "zalloc clears a reused block");
}

static void trimming(void) {
  unsigned char *p[200], *keep, *span;
  int i;
  for (i = 0; i < 200; ++i) memset(p[i] = OPENSSL_malloc(512), 0x11, 512);
  keep = p[199];
  for (i = 0; i < 199; ++i) OPENSSL_free(p[i]);
  span = OPENSSL_malloc(64 * 1024);
  memset(span, 0x22, 64 * 1024);
  OPENSSL_free(span);
  tap_ok(resident(p[0]) && resident(span + 8192), "freed pages resident before trimming");
  child_arena_trim();
  tap_ok(!resident(p[0]), "a page with nothing in use goes back");
  tap_ok(!resident(span + 8192), "a free span goes back");
  tap_ok(resident(keep) && filled(keep, 512, 0x11), "a block in use stays, contents and all");
  for (i = 0; i < 199; ++i) {
    p[i] = OPENSSL_malloc(512);
    memset(p[i], 0x33, 512);
  }
  tap_ok(filled(p[0], 512, 0x33) && filled(keep, 512, 0x11), "pages given back serve again");
}

int main(void) {
  unsigned char *parent;
  tap_plan(16);
  tap_ok(child_arena_install(), "installed before OpenSSL's first allocation");
  parent = OPENSSL_malloc(300);
  memset(parent, 0x44, 300);
  child_arena_start();
  reuse_and_realloc();
  trimming();
  OPENSSL_free(parent);
  tap_ok(filled(parent, 300, 0x44), "freeing the listener's memory leaves it alone");
  {
    unsigned char *moved = OPENSSL_realloc(parent, 5000);
    tap_ok(moved && filled(moved, 300, 0x44), "realloc moves the listener's memory to the arena");
  }
#ifndef __SANITIZE_ADDRESS__
  {
    void *q = 0;
    tap_ok(posix_memalign(&q, 256, 10) == 0 && ((uintptr_t)q & 255) == 0,
           "posix_memalign aligns from the arena");
  }
#else
  tap_ok(1, "# skip posix_memalign: AddressSanitizer's malloc");
#endif
  return tap_done();
}
