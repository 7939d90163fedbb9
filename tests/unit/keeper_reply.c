/* keeper_reply: records round-trip; every prefix of a reply parses or is
   refused without harm; lengths past the end, bad paths, unknown kinds,
   bad errno and reason records, and oversized prefixes are refused. */
#include <stdlib.h>
#include <string.h>

#include "keeper_reply.h"
#include "rules_tap.h"

static unsigned char *buf;
static size_t len, cap;

static void start(void) {
  free(buf);
  buf = 0;
  len = cap = 0;
  cap = 64;
  len = KEEPER_HEAD; /* room for the prefix */
  if (!(buf = malloc(cap))) exit(1);
}

/* parses the records after the prefix; the reason or "ok" */
static const char *parse(struct file_set *fs) {
  const char *why = keeper_reply_parse(buf + KEEPER_HEAD, len - KEEPER_HEAD, fs);
  return why ? why : "ok";
}

static void is_why(const char *got, const char *want, const char *name) {
  tap_is_str(got, strlen(got), want, name);
}

static const char *raw(const char *bytes, size_t n) {
  struct file_set fs;
  const char *why = keeper_reply_parse((const unsigned char *)bytes, n, &fs);
  file_set_free(&fs);
  return why ? why : "ok";
}

int main(void) {
  static const unsigned char errno13[4] = {0, 0, 0, 13};
  struct file_set fs;
  const struct keeper_entry *e;
  size_t i, whole, boundaries = 0, refused = 0;
  unsigned char head[KEEPER_HEAD];
  tap_plan(19);

  start();
  keeper_reply_add(&buf, &len, &cap, 'f', "/k/cert.pem", "CERT", 4);
  keeper_reply_add(&buf, &len, &cap, 'x', "/k/key.pem", errno13, 4);
  keeper_reply_add(&buf, &len, &cap, 'd', "/k/sni", 0, 0);
  keeper_reply_add(&buf, &len, &cap, 'f', "/k/sni/a.pem", "", 0);
  keeper_reply_add(&buf, &len, &cap, 'f', "/k/cert.pem", "NEWER", 5);
  keeper_reply_frame(buf, len);
  tap_ok(keeper_reply_length(buf) == len - KEEPER_HEAD, "the prefix holds the records' length");
  is_why(parse(&fs), "ok", "five records parse");
  tap_ok(fs.n == 5 && !fs.failed, "five entries, no failure");
  e = file_set_find(&fs, "/k/cert.pem");
  tap_ok(e && e->kind == 'f' && e->len == 5 && !memcmp(e->data, "NEWER", 5), "find: the last entry for a path");
  e = file_set_find(&fs, "/k/key.pem");
  tap_ok(e && e->kind == 'x' && e->err == 13, "an unreadable file keeps its errno");
  e = file_set_find(&fs, "/k/sni/a.pem");
  tap_ok(e && e->kind == 'f' && e->len == 0, "an empty file");
  tap_ok(!file_set_find(&fs, "/k/none"), "a path not in the set: 0");
  file_set_free(&fs);

  whole = len - KEEPER_HEAD;
  for (i = 0; i < whole; ++i) {
    const char *why = keeper_reply_parse(buf + KEEPER_HEAD, i, &fs);
    if (why) ++refused;
    else ++boundaries;
    file_set_free(&fs);
  }
  tap_ok(boundaries == 5 && refused == whole - 5, "every prefix: whole records parse, cut ones are refused");

  start();
  keeper_reply_add(&buf, &len, &cap, 'e', "", "the key keeper is out of memory", 31);
  is_why(parse(&fs), "ok", "a failure record parses");
  tap_ok(fs.failed && !strcmp(fs.failed, "the key keeper is out of memory"), "... into the reason");
  file_set_free(&fs);

  is_why(raw("q\0\0\0\1\0\0\0\0a", 10), "unknown record kind",
             "an unknown kind is refused");
  is_why(raw("f\0\0\0\0\0\0\0\0", 9), "bad path", "an empty path is refused");
  is_why(raw("f\0\0\0\2\0\0\0\0a\0", 11), "bad path", "a path with a NUL is refused");
  is_why(raw("x\0\0\0\1\0\0\0\2abc", 12), "bad data length", "an errno record of 2 bytes is refused");
  is_why(raw("d\0\0\0\1\0\0\0\1ab", 11), "bad data length", "a directory with data is refused");
  is_why(raw("e\0\0\0\0\0\0\0\2a\n", 11), "bad reason", "a reason with a newline is refused");
  is_why(raw("f\0\0\0\1\xff\xff\xff\xff" "a", 10), "truncated record",
             "a length past the end is refused");
  head[0] = 0x04, head[1] = 0, head[2] = 0, head[3] = 1;
  tap_ok(!keeper_reply_length(head), "a prefix over KEEPER_REPLY_MAX gives 0");
  tap_ok(!keeper_reply_add(&buf, &len, &cap, 'f', "big", "", KEEPER_FILE_MAX + 1),
         "a file over KEEPER_FILE_MAX is not encoded");
  free(buf);
  return tap_done();
}
