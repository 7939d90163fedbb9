/* libFuzzer target for the rules lookup (rules.c) that sslserver and
   tcprulescheck run on a rules.cdb. First byte even: the rest is the CDB
   file itself, looked up for a few fixed clients. Odd: the rest is lines:
   the client's address, ident name and host name, then key and data
   lines, from which a well-formed CDB is made ('|' in data stands for
   NUL), so that the lookup's own logic is reached. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cdb.h>

#include "fuzz_file.h"
#include "rules.h"

static void lookup(int fd, const struct rules_query *q) {
  stralloc key = {0}, vars = {0};
  size_t i;
  int r;
  lseek(fd, 0, SEEK_SET);
  r = rules_lookup(fd, q, &key, &vars);
  if (r != RULES_ALLOW && r != RULES_DENY && r != RULES_ERROR) abort();
  /* vars are NAME=value\0 strings */
  for (i = 0; r != RULES_ERROR && i < vars.len; ++i)
    if (i + 1 == vars.len && vars.s[i]) abort();
  stralloc_free(&key);
  stralloc_free(&vars);
}

static void raw(const uint8_t *data, size_t size) {
  static const struct rules_query q[] = {
    {"10.1.2.3", "joe", "h.example.com"}, {"::1", 0, 0},
    {"2001:db8::5", "u", "x."}, {"127.0.0.1", 0, "localhost"},
  };
  struct fuzz_file f;
  size_t i;
  fuzz_file_open(&f, data, size);
  for (i = 0; i < sizeof q / sizeof q[0]; ++i) lookup(f.fd, &q[i]);
  fuzz_file_close(&f);
}

/* the next line of [*s, end) as a new C string */
static char *line(const char **s, const char *end) {
  const char *nl = memchr(*s, '\n', (size_t)(end - *s));
  size_t n = nl ? (size_t)(nl - *s) : (size_t)(end - *s);
  char *out = malloc(n + 1);
  if (!out) abort();
  memcpy(out, *s, n);
  out[n] = 0;
  *s += nl ? n + 1 : n;
  return out;
}

static void made(const uint8_t *data, size_t size) {
  const char *s = (const char *)data, *end = s + size;
  struct rules_query q;
  struct cdb_make cm;
  struct fuzz_file f;
  char *ip = line(&s, end), *info = line(&s, end), *host = line(&s, end);
  fuzz_file_open(&f, 0, 0);
  if (cdb_make_start(&cm, f.fd) == -1) abort();
  while (s < end) {
    char *k = line(&s, end), *d = line(&s, end);
    size_t i, dl = strlen(d);
    for (i = 0; i < dl; ++i)
      if (d[i] == '|') d[i] = 0;
    if (cdb_make_add(&cm, k, (unsigned)strlen(k), d, (unsigned)dl) == -1) abort();
    free(k);
    free(d);
  }
  if (cdb_make_finish(&cm) == -1) abort();
  q.ip = ip;
  q.info = *info ? info : 0;
  q.host = *host ? host : 0;
  lookup(f.fd, &q);
  fuzz_file_close(&f);
  free(ip);
  free(info);
  free(host);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (!size || size > 1 << 16) return 0;
  if (data[0] & 1) made(data + 1, size - 1);
  else raw(data + 1, size - 1);
  return 0;
}
