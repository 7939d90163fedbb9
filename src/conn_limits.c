/* Child table: at most `limit` entries, so plain arrays and linear scans. */
#include <stdlib.h>
#include <string.h>

#include <libowfat/fmt.h>

#include "conn_limits.h"
#include "ip_address.h"
#include "log.h"

struct child {
  pid_t pid;
  char ip[16];
};

static struct child *table;
static unsigned long size, used;

void conn_limits_init(unsigned long limit) {
  size = limit;
  table = calloc(limit ? limit : 1, sizeof *table);
  if (!table) log_nomem();
}

void conn_limits_add(pid_t pid, const char ip[16]) {
  if (used >= size) return; /* the accept loop never lets this happen */
  table[used].pid = pid;
  memcpy(table[used].ip, ip, 16);
  ++used;
}

int conn_limits_remove(pid_t pid) {
  unsigned long i;
  for (i = 0; i < used; ++i)
    if (table[i].pid == pid) {
      table[i] = table[--used];
      return 1;
    }
  return 0;
}

unsigned long conn_limits_count(void) { return used; }

unsigned long conn_limits_count_ip(const char ip[16]) {
  unsigned long i, n = 0;
  for (i = 0; i < used; ++i)
    if (!memcmp(table[i].ip, ip, 16)) ++n;
  return n;
}

int conn_limits_over_ip(const char ip[16], unsigned long ipcount, unsigned long maxconip) {
  char ipstr[IP_ADDRESS_FMT], m[FMT_ULONG];
  if (!maxconip || ipcount < maxconip) return 0;
  ip_address_fmt(ipstr, ip);
  m[fmt_ulong(m, maxconip)] = 0;
  if (log_verbosity >= 1)
    log_line("WARNING ip connection limit of ", m, " exceeded for: ", ipstr, (char *)0);
  return 1;
}
