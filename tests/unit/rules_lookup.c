/* rules_lookup / rules_find: order across both dialects, values, errors, and
   corrupt files (run under SANITIZE=1 to catch any read out of bounds). */
#include "rules_tap.h"
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>
#include <cdb.h>
#include "rules.h"
#include "rules_bits.h"

static char path[256];

/* a CDB of n keys; data strings use | for NUL; returns an open fd */
static int mk(const char *const *keys, const char *const *datas, size_t n) {
  struct cdb_make cm;
  char d[512];
  int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
  if (fd == -1 || cdb_make_start(&cm, fd) == -1) { perror("mk"); exit(2); }
  for (size_t i = 0; i < n; ++i) {
    const char *s = datas ? datas[i] : "+K=x|";
    size_t len = strlen(s);
    for (size_t j = 0; j < len; ++j) d[j] = s[j] == '|' ? 0 : s[j];
    if (cdb_make_add(&cm, keys[i], strlen(keys[i]), d, len) == -1) { perror("add"); exit(2); }
  }
  if (cdb_make_finish(&cm) == -1) { perror("finish"); exit(2); }
  return fd;
}

static stralloc key, vars;

/* with all of keys[] present, the lookup must find them one by one in order
   as each found one is taken away */
static void order(const struct rules_query *q, const char *const *keys, size_t n, const char *name) {
  int good = 1;
  for (size_t i = 0; i < n && good; ++i) {
    int fd = mk(keys + i, 0, n - i);
    int r = rules_lookup(fd, q, &key, &vars);
    close(fd);
    if (r != RULES_ALLOW || key.len != strlen(keys[i]) || memcmp(key.s, keys[i], key.len)) {
      printf("#   step %zu: r=%d key '%.*s', want '%s'\n", i, r, (int)key.len, key.s, keys[i]);
      good = 0;
    }
  }
  tap_ok(good, name);
}

int main(void) {
  const char *tmp = getenv("TMPDIR");
  static const char *v4[80], *v6[200];
  static char bitkeys[160][130];
  char bits[128];
  size_t n, i;
  int fd, r;

  snprintf(path, sizeof path, "%s/rules_lookup.%ld.cdb", tmp ? tmp : "/tmp", (long)getpid());
  tap_plan(22);

  /* IPv4: every kind of key */
  struct rules_query q4 = {"10.1.2.3", "joe", "h.example.com"};
  unsigned char ip4[4] = {10, 1, 2, 3};
  n = 0;
  v4[n++] = "joe@10.1.2.3"; v4[n++] = "joe@=h.example.com"; v4[n++] = "10.1.2.3";
  v4[n++] = "=h.example.com"; v4[n++] = "10.1.2."; v4[n++] = "10.1."; v4[n++] = "10.";
  rules_bits4(bits, ip4);
  for (i = 32; i > 0; --i) {
    char *k = bitkeys[32 - i];
    k[0] = '_'; memcpy(k + 1, bits, i); k[i + 1] = 0;
    v4[n++] = k;
  }
  v4[n++] = "=.example.com"; v4[n++] = "=.com"; v4[n++] = "="; v4[n++] = "";
  order(&q4, v4, n, "IPv4 order: info@ip info@=host ip =host prefixes /32../1 =.domain = default");

  /* IPv6: Debian's text forms, fehcom's expanded forms and bit keys */
  struct rules_query q6 = {"2001:db8::ab", "joe", "h.example.com"};
  unsigned char ip6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xab};
  n = 0;
  v6[n++] = "joe@2001:db8::ab";
  v6[n++] = "joe@2001:0DB8:0000:0000:0000:0000:0000:00AB";
  v6[n++] = "joe@2001:0db8:0000:0000:0000:0000:0000:00ab";
  v6[n++] = "joe@=h.example.com";
  v6[n++] = "2001:db8::ab";
  v6[n++] = "2001:0DB8:0000:0000:0000:0000:0000:00AB";
  v6[n++] = "2001:0db8:0000:0000:0000:0000:0000:00ab";
  v6[n++] = "=h.example.com";
  v6[n++] = "2001:db8::"; v6[n++] = "2001:db8:"; v6[n++] = "2001:";
  rules_bits6(bits, ip6);
  for (i = 128; i > 0; --i) {
    char *k = bitkeys[32 + 128 - i];
    k[0] = '^'; memcpy(k + 1, bits, i); k[i + 1] = 0;
    v6[n++] = k;
  }
  v6[n++] = "=.example.com"; v6[n++] = "=.com"; v6[n++] = "="; v6[n++] = "";
  order(&q6, v6, n, "IPv6 order: text, expanded (upper, lower), =host, ':' prefixes, /128../1, names");

  /* without info and host only the address keys count */
  {
    static const char *k[] = {"joe@10.1.2.3", "=h.example.com", "=", "=.com", "10.1.2.3"};
    struct rules_query q = {"10.1.2.3", 0, 0};
    fd = mk(k, 0, 5); r = rules_lookup(fd, &q, &key, &vars); close(fd);
    tap_is_str(key.s, key.len, "10.1.2.3", "no info, no host: the ident and name rules are skipped");
  }
  /* an empty host is a host (as djb): "=" matches */
  {
    static const char *k[] = {"="};
    struct rules_query q = {"10.1.2.3", 0, ""};
    fd = mk(k, 0, 1); r = rules_lookup(fd, &q, &key, &vars); close(fd);
    tap_is_str(key.s, key.len, "=", "an empty host name matches '='");
  }
  /* the bits of fehcom's examples */
  {
    unsigned char lo[4] = {127, 0, 0, 1};
    rules_bits4(bits, lo);
    tap_is(bits, 8, "0bcdefgh", 8, "127/8 is _0bcdefgh");
    stralloc s = {0};
    tap_ok(rules_bits_cidr(&s, "_0bcdefgh", 9) == 1, "a bit key reads back");
    tap_is_str(s.s, s.len, "127.0.0.0/8", "  as 127.0.0.0/8");
    tap_ok(rules_bits_cidr(&s, "_0bcdefgx", 9) == 0, "a wrong letter is no bit key");
    tap_ok(rules_bits_cidr(&s, "_", 1) == 0 && rules_bits_cidr(&s, "10.", 3) == 0, "nor are '_' and a prefix");
    tap_ok(rules_bits_cidr(&s, "^00`000000000000a0000bc0de0fgh000", 33) == 1, "an IPv6 bit key reads back");
    tap_is_str(s.s, s.len, "2001:db8::/32", "  as 2001:db8::/32");
    stralloc_free(&s);
  }

  /* values */
  {
    static const char *k[] = {"1.1.1.1", "2.2.2.2", "3.3.3.3", "4.4.4.4", "5.5.5.5"};
    static const char *d[] = {"D|", "D|+A=b|", "+A=b|+C=|", "+A=b|+C", "X|+A=b|"};
    static const char *ip[] = {"1.1.1.1", "2.2.2.2", "3.3.3.3", "4.4.4.4", "5.5.5.5"};
    static const struct { int r; const char *v; size_t vlen; const char *name; } want[] = {
      {RULES_DENY, "", 0, "deny"},
      {RULES_DENY, "A=b", 4, "deny with a variable"},
      {RULES_ALLOW, "A=b\0C=", 7, "two variables, one empty"},
      {RULES_ALLOW, "A=b", 4, "an unterminated tail is ignored"},
      {RULES_ALLOW, "A=b", 4, "unknown entries are ignored"},
    };
    fd = mk(k, d, 5);
    for (i = 0; i < 5; ++i) {
      struct rules_query q = {ip[i], 0, 0};
      r = rules_lookup(fd, &q, &key, &vars);
      tap_ok(r == want[i].r && vars.len == want[i].vlen && !memcmp(vars.s, want[i].v, vars.len), want[i].name);
    }
    struct rules_query q = {"9.9.9.9", 0, 0};
    key.len = 3; vars.len = 3;
    r = rules_lookup(fd, &q, &key, &vars);
    tap_ok(r == RULES_ALLOW && key.len == 0 && vars.len == 0, "no match at all: allow, empty key and vars");
    r = rules_lookup(fd, &q, 0, &vars);
    tap_ok(r == RULES_ALLOW, "key may be 0");
    stralloc data = {0};
    struct rules_query q2 = {"2.2.2.2", 0, 0};
    tap_ok(rules_find(fd, &q2, &key, &data) == 1 && data.len == 7 && !memcmp(data.s, "D\0+A=b\0", 7),
           "rules_find gives the raw data");
    stralloc_free(&data);
    close(fd);
  }

  /* errors */
  {
    struct rules_query q = {"1.2.3.4", 0, 0};
    fd = open(path, O_RDWR | O_TRUNC);
    tap_ok(rules_lookup(fd, &q, &key, &vars) == RULES_ERROR, "an empty file is an error");
    close(fd);
    tap_ok(rules_lookup(-1, &q, &key, &vars) == RULES_ERROR, "a bad descriptor is an error");
  }

  /* corrupt files: random bytes changed, random lengths cut; every lookup must
     come back with a valid answer (and, under ASan, read nothing out of bounds) */
  {
    static const char *k[40];
    static char kb[40][16];
    for (i = 0; i < 40; ++i) { snprintf(kb[i], sizeof kb[i], "10.0.%zu.", i); k[i] = kb[i]; }
    fd = mk(k, 0, 40);
    off_t size = lseek(fd, 0, SEEK_END);
    char *orig = malloc((size_t)size), *buf = malloc((size_t)size);
    if (pread(fd, orig, (size_t)size, 0) != size) { perror("pread"); return 2; }
    close(fd);
    struct rules_query qs[] = {{"10.0.7.1", "u", "a.b.c"}, {"2001:db8::1", 0, "x.y"}, {"9.9.9.9", 0, 0}};
    int bad = 0, runs = 0;
    srand(4242);
    for (int it = 0; it < 3000; ++it) {
      size_t len = (size_t)size;
      memcpy(buf, orig, len);
      if (it % 3 == 2) len = (size_t)rand() % len;
      else for (int f = 1 + rand() % 8; f > 0; --f) buf[(size_t)rand() % len] = (char)rand();
      fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
      if (write(fd, buf, len) != (ssize_t)len) { perror("write"); return 2; }
      for (i = 0; i < 3; ++i) {
        r = rules_lookup(fd, &qs[i], &key, &vars);
        ++runs;
        if (r != RULES_ALLOW && r != RULES_DENY && r != RULES_ERROR) ++bad;
      }
      close(fd);
    }
    tap_ok(bad == 0 && runs == 9000, "9000 lookups in 3000 corrupt files: valid answers, no crash");
    free(orig); free(buf);
  }
  unlink(path);
  return tap_done();
}
