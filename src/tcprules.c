/* tcprules rules.cdb rules.tmp < rules.txt
   Compiles access rules into a CDB with the same keys and values as djb's
   tcprules (see rules_line.h, rules_keys.h), plus CIDR. Writes rules.tmp, then
   renames it over rules.cdb, so readers see the old file or the new one.
   A bad line stops everything with its number, exit 100, old rules.cdb kept. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cdb.h>
#include <libowfat/buffer.h>
#include <libowfat/fmt.h>
#include <libowfat/ip4.h>
#include <libowfat/ip6.h>
#include <libowfat/stralloc.h>
#include "rules_keys.h"
#include "rules_line.h"

/* Longer lines are refused: no environment string this long could be passed
   to a program anyway (Linux allows 128 KiB per string), and memory stays bounded. */
#define LINE_LIMIT 131072

static const char *fn, *fntemp;
static int tempmade;
static unsigned long linenum;
static struct cdb_make cm;

/* prints "tcprules: " and the strings up to 0, then exits */
static _Noreturn void die(int code, ...) {
  va_list ap;
  const char *s;
  if (tempmade) unlink(fntemp);
  buffer_puts(buffer_2, "tcprules: ");
  va_start(ap, code);
  while ((s = va_arg(ap, const char *))) buffer_puts(buffer_2, s);
  va_end(ap);
  buffer_putsflush(buffer_2, "\n");
  _exit(code);
}

static _Noreturn void nomem(void) { die(111, "fatal: out of memory", (char *)0); }
static _Noreturn void die_write(void) {
  die(111, "fatal: unable to write to ", fntemp, ": ", strerror(errno), (char *)0);
}

/* the line for a message: one line of printable text, cut if very long */
static const char *shown(const char *s, size_t len) {
  static char buf[204];
  size_t n = len > 200 ? 200 : len, i;
  for (i = 0; i < n; ++i) buf[i] = ((unsigned char)s[i] < 32 || s[i] == 127) ? '?' : s[i];
  if (n < len) memcpy(buf + n, "...", 3), n += 3;
  buf[n] = 0;
  return buf;
}

static const char *lineno(void) {
  static char num[FMT_ULONG];
  num[fmt_ulong(num, linenum)] = 0;
  return num;
}

/* one line with its '\n' (if any) into sa; 1 line, 0 end of input,
   -1 read error, -2 longer than LINE_LIMIT */
static int getline_bounded(buffer *b, stralloc *sa) {
  sa->len = 0;
  for (;;) {
    ssize_t n = buffer_feed(b);
    if (n < 0) return -1;
    if (n == 0) return sa->len ? 1 : 0;
    char *p = buffer_peek(b);
    char *nl = memchr(p, '\n', (size_t)n);
    size_t take = nl ? (size_t)(nl - p) + 1 : (size_t)n;
    if (sa->len + take > LINE_LIMIT + 1) return -2;
    if (!stralloc_catb(sa, p, take)) nomem();
    buffer_seek(b, take);
    if (nl) return 1;
  }
}

static stralloc data;

/* An IPv6 address is matched by its text, as the server prints it: say so when
   a rule spells it otherwise (upper case, leading zeros, v4-mapped). The
   fully expanded form is fehcom's and is looked up as well. */
static void lint6(const stralloc *a) {
  char buf[IP6_FMT + 1], ip[16], want[IP6_FMT + 1];
  size_t n;
  if (a->len < 2 || a->len >= sizeof buf || a->len == 39 || !memchr(a->s, ':', a->len)) return;
  memcpy(buf, a->s, a->len);
  buf[a->len] = 0;
  if (scan_ip6(buf, ip) != a->len) return;
  n = ip6_isv4mapped(ip) ? fmt_ip4(want, ip + 12) : fmt_ip6(want, ip);
  want[n] = 0;
  if (n == a->len && !memcmp(want, a->s, n)) return;
  buffer_puts(buffer_2, "tcprules: warning: line ");
  buffer_puts(buffer_2, lineno());
  buffer_puts(buffer_2, ": clients at this address are looked up as ");
  buffer_puts(buffer_2, want);
  buffer_puts(buffer_2, ", which this rule does not match: ");
  buffer_puts(buffer_2, shown(a->s, a->len));
  buffer_putsflush(buffer_2, "\n");
}

static int add(void *ctx, const char *key, size_t len) {
  (void)ctx;
  return cdb_make_add(&cm, key, (unsigned)len, data.s, (unsigned)data.len) ? -1 : 0;
}

int main(int argc, char **argv) {
  static stralloc line, address;
  struct stat a, b;
  const char *why;
  int fd, r;

  if (argc < 3 || !argv[1] || !argv[2])
    die(100, "usage: tcprules rules.cdb rules.tmp", (char *)0);
  fn = argv[1];
  fntemp = argv[2];
  /* writing the temp file over the CDB itself would lose the old rules */
  if (!strcmp(fn, fntemp) ||
      (stat(fn, &a) == 0 && stat(fntemp, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino))
    die(100, "fatal: ", fn, " and ", fntemp, " must be different files", (char *)0);

  fd = open(fntemp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd == -1) die(111, "fatal: unable to create ", fntemp, ": ", strerror(errno), (char *)0);
  /* clean up after a failure, but only a plain file of our own making */
  tempmade = fstat(fd, &b) == 0 && S_ISREG(b.st_mode);
  if (cdb_make_start(&cm, fd) == -1) die_write();

  for (;;) {
    r = getline_bounded(buffer_0, &line);
    if (r == 0) break;
    ++linenum;
    if (r == -1) die(111, "fatal: unable to read input: ", strerror(errno), (char *)0);
    if (r == -2) die(100, "fatal: line ", lineno(), " is too long (the limit is 131072 bytes)", (char *)0);

    switch (rules_line_parse(line.s, line.len, &address, &data, &why)) {
      case RULES_LINE_NOMEM: nomem();
      case RULES_LINE_SKIP: continue;
      case RULES_LINE_BAD:
        die(100, "fatal: unable to parse line ", lineno(), ": ", why, ": ",
            shown(line.s, rules_line_trim(line.s, line.len)), (char *)0);
    }
    lint6(&address);
    switch (rules_keys(address.s, address.len, add, 0, &why)) {
      case RULES_KEYS_NOMEM: nomem();
      case RULES_KEYS_ADDFAIL: die_write();
      case RULES_KEYS_BAD:
        die(100, "fatal: unable to parse line ", lineno(), ": ", why, ": ",
            shown(line.s, rules_line_trim(line.s, line.len)), (char *)0);
    }
  }

  if (cdb_make_finish(&cm) == -1) die_write();
  if (fsync(fd) == -1) die_write();
  if (close(fd) == -1) die_write(); /* NFS reports write errors here */
  if (rename(fntemp, fn) == -1)
    die(111, "fatal: unable to move ", fntemp, " to ", fn, ": ", strerror(errno), (char *)0);
  _exit(0);
}
