/* tcprulescheck rules.cdb: says which rule applies to the client described by
   $TCPREMOTEIP, $TCPREMOTEHOST and $TCPREMOTEINFO (or their TCP6 forms) and
   what it sets, with the lookup sslserver uses. Output as djb's tcprulescheck. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <libowfat/buffer.h>
#include <libowfat/ip4.h>
#include <libowfat/ip6.h>
#include <libowfat/byte.h>
#include "rules.h"
#include "rules_bits.h"

static _Noreturn void die_read(const char *fn) {
  const char *e = strerror(errno);
  buffer_flush(buffer_1);
  buffer_puts(buffer_2, "tcprulescheck: fatal: unable to read ");
  buffer_puts(buffer_2, fn);
  buffer_puts(buffer_2, ": ");
  buffer_puts(buffer_2, e);
  buffer_putsflush(buffer_2, "\n");
  _exit(111);
}

static const char *env2(const char *a, const char *b) {
  const char *v = getenv(a);
  return v ? v : getenv(b);
}

int main(int argc, char **argv) {
  static stralloc key, data, shown;
  struct rules_query q;
  char ip[16], ip4[IP4_FMT];
  size_t i, end;
  int fd;

  if (argc < 2 || !argv[1]) {
    buffer_putsflush(buffer_2, "tcprulescheck: usage: tcprulescheck rules.cdb\n");
    _exit(100);
  }
  q.ip = env2("TCPREMOTEIP", "TCP6REMOTEIP");
  if (!q.ip) q.ip = "0.0.0.0";
  q.info = env2("TCPREMOTEINFO", "TCP6REMOTEINFO");
  q.host = env2("TCPREMOTEHOST", "TCP6REMOTEHOST");
  /* sslserver looks a v4-mapped client up by its IPv4 form: do the same */
  if (*q.ip && scan_ip6(q.ip, ip) == strlen(q.ip) && ip6_isv4mapped(ip)) {
    ip4[fmt_ip4(ip4, ip + 12)] = 0;
    q.ip = ip4;
  }

  fd = open(argv[1], O_RDONLY | O_CLOEXEC);
  if (fd == -1) die_read(argv[1]);
  switch (rules_find(fd, &q, &key, &data)) {
    case -1: die_read(argv[1]);
    case 0:
      buffer_putsflush(buffer_1, "default:\nallow connection\n");
      _exit(0);
  }

  buffer_puts(buffer_1, "rule ");
  if (rules_bits_cidr(&shown, key.s, key.len) == 1) buffer_put(buffer_1, shown.s, shown.len);
  else buffer_put(buffer_1, key.s, key.len);
  buffer_puts(buffer_1, ":\n");
  for (i = 0; i < data.len; i = end + 1) {
    end = i + byte_chr(data.s + i, data.len - i, 0);
    if (end == data.len) break;
    if (data.s[i] == 'D') {
      buffer_putsflush(buffer_1, "deny connection\n");
      _exit(0);
    }
    if (data.s[i] == '+') {
      buffer_puts(buffer_1, "set environment variable ");
      buffer_put(buffer_1, data.s + i + 1, end - i - 1);
      buffer_puts(buffer_1, "\n");
    }
  }
  buffer_putsflush(buffer_1, "allow connection\n");
  _exit(0);
}
