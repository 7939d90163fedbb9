/* rate_table with a fake clock: limit syntax, exact sliding windows for
   n <= RATE_LOG, the "never more than n in any window" guarantee for large
   n, /24 and /64 keys, a flood from a million addresses in a fixed table,
   the 32-bit clock wrap, and the lock shared with (and lost by) a child. */
#include <malloc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ip_address.h"
#include "rate_table.h"
#include "rules_tap.h"

static void ip4(char ip[16], unsigned a, unsigned b, unsigned c, unsigned d) {
  memset(ip, 0, 16);
  ip[10] = ip[11] = (char)0xff;
  ip[12] = (char)a, ip[13] = (char)b, ip[14] = (char)c, ip[15] = (char)d;
}

static struct rate_table *table(void) {
  struct rate_table *t = rate_table_map(RATE_SETS);
  if (!t) {
    printf("Bail out! rate_table_map failed\n");
    exit(1);
  }
  return t;
}

static int admit1(struct rate_table *t, const char ip[16], enum rate_kind k, unsigned long n,
                  unsigned long secs, uint64_t now) {
  struct rate_check c = {ip, k, {n, secs}};
  return rate_table_admit(t, &c, 1, now) == -1;
}

/* the most admissions in any window of w ms among sorted times a[0..n) */
static unsigned long max_in_window(const uint64_t *a, unsigned long n, uint64_t w) {
  unsigned long i, j = 0, best = 0;
  for (i = 0; i < n; ++i) {
    while (a[i] - a[j] >= w) ++j;
    if (i - j + 1 > best) best = i - j + 1;
  }
  return best;
}

static void syntax(void) {
  static const char *bad[] = {"", "5", "5/", "/5", "0/5", "5/0", "a/5", "5/60x", " 5/60", "-1/5",
                              "+5/60", "05/60", "5/2000001", "4000001/1", "5 /60", "5/6/7",
                              "99999999999999999999999/1"};
  struct rate_limit l;
  char s[RATE_LIMIT_FMT];
  size_t i;
  int allbad = 1;
  tap_ok(rate_limit_scan("5/60", &l) && l.n == 5 && l.secs == 60, "syntax: 5/60");
  tap_ok(rate_limit_scan("0", &l) && l.n == 0, "syntax: 0 is no limit");
  tap_ok(rate_limit_scan("4000000/2000000", &l) && l.n == RATE_N_MAX && l.secs == RATE_SECS_MAX,
         "syntax: the largest values");
  for (i = 0; i < sizeof bad / sizeof bad[0]; ++i)
    if (rate_limit_scan(bad[i], &l)) {
      printf("# accepted: '%s'\n", bad[i]);
      allbad = 0;
    }
  tap_ok(allbad, "syntax: malformed values are refused");
  l.n = 20, l.secs = 1;
  rate_limit_fmt(s, &l);
  tap_is_str(s, strlen(s), "20/1", "syntax: fmt 20/1");
}

static void exact(void) {
  struct rate_table *t = table();
  char a[16], b[16];
  int i, got = 0;
  ip4(a, 192, 0, 2, 1);
  ip4(b, 192, 0, 2, 2);
  for (i = 0; i < 5; ++i) got += admit1(t, a, RATE_IP, 5, 60, 1000 + (uint64_t)i);
  tap_ok(got == 5, "n=5/60: five admitted");
  tap_ok(!admit1(t, a, RATE_IP, 5, 60, 1005), "n=5/60: the sixth is refused");
  tap_ok(!admit1(t, a, RATE_IP, 5, 60, 60999), "n=5/60: still refused 1 ms before the first leaves");
  tap_ok(admit1(t, b, RATE_IP, 5, 60, 1006), "n=5/60: another address is admitted meanwhile");
  tap_ok(admit1(t, a, RATE_IP, 5, 60, 61000), "n=5/60: one admitted when the first left the window");
  tap_ok(!admit1(t, a, RATE_IP, 5, 60, 61000), "n=5/60: and only one");
  tap_ok(admit1(t, a, RATE_IP, 5, 60, 61001) && !admit1(t, a, RATE_IP, 5, 60, 61001),
         "n=5/60: the window slides by each admission");
  /* n = RATE_LOG: every admission kept */
  ip4(a, 192, 0, 2, 3);
  /* the table's clock only goes forward: times from 100000 on */
  for (got = 0, i = 0; i < RATE_LOG * 3; ++i) got += admit1(t, a, RATE_IP, RATE_LOG, 10, 100000);
  tap_ok(got == RATE_LOG, "n=RATE_LOG: exactly RATE_LOG admitted in the window");
  tap_ok(admit1(t, a, RATE_IP, RATE_LOG, 10, 110000), "n=RATE_LOG: admitted again after the window");
  /* a refused connection is not counted: a flooder is admitted n per window */
  ip4(a, 192, 0, 2, 4);
  {
    uint64_t now, adm[400];
    unsigned long k = 0;
    for (now = 200000; now < 210000; now += 10)
      if (admit1(t, a, RATE_IP, 20, 1, now) && k < 400) adm[k++] = now;
    tap_ok(k == 200 && max_in_window(adm, k, 1000) == 20,
           "n=20/1 offered 100/s for 10 s: 20 per second, 200 in all");
  }
  rate_table_free(t);
}

static void large(void) {
  struct rate_table *t = table();
  static uint64_t adm[200000];
  unsigned long k = 0, best;
  uint64_t now;
  char a[16];
  unsigned r = 12345;
  ip4(a, 198, 51, 100, 7);
  /* n = 1000 per 10 s, offered about 3000 per 10 s at uneven times for 100 s */
  for (now = 0; now < 100000;) {
    if (admit1(t, a, RATE_IP, 1000, 10, now) && k < sizeof adm / sizeof adm[0]) adm[k++] = now;
    r = r * 1103515245 + 12345;
    now += (r >> 16) % 7; /* 0..6 ms, bursts of equal times included */
  }
  best = max_in_window(adm, k, 10000);
  printf("# n=1000/10: %lu admitted in 100 s, at most %lu in a window\n", k, best);
  tap_ok(best <= 1000, "n=1000/10: never more than 1000 in any 10 s window");
  /* conservative by at most one batch of ceil(1000/RATE_LOG) per window */
  tap_ok(k >= 10 * (1000 - (1000 + RATE_LOG - 1) / RATE_LOG), "n=1000/10: close to n per window");
  tap_ok(best >= 1000 - (1000 + RATE_LOG - 1) / RATE_LOG, "n=1000/10: some window is nearly full");
  rate_table_free(t);
}

static void masks(void) {
  struct rate_table *t = table();
  char a[16], b[16], c[16], k1[16], k2[16], s[IP_ADDRESS_FMT + 4];
  uint32 scope;
  ip4(a, 127, 0, 0, 1);
  ip4(b, 127, 0, 0, 2);
  ip4(c, 127, 0, 1, 1);
  rate_key(k1, a, RATE_NET);
  rate_key(k2, b, RATE_NET);
  tap_ok(!memcmp(k1, k2, 16), "/24: 127.0.0.1 and 127.0.0.2 share a key");
  rate_key(k2, c, RATE_NET);
  tap_ok(memcmp(k1, k2, 16) != 0, "/24: 127.0.1.1 has another");
  rate_key_fmt(s, a, RATE_NET);
  tap_is_str(s, strlen(s), "127.0.0.0/24", "/24: shown as 127.0.0.0/24");
  rate_key_fmt(s, a, RATE_IP);
  tap_is_str(s, strlen(s), "127.0.0.1", "ip: shown as the address");
  tap_ok(admit1(t, a, RATE_NET, 2, 60, 1) && admit1(t, b, RATE_NET, 2, 60, 2),
         "/24 limit 2: 127.0.0.1 and 127.0.0.2 admitted");
  tap_ok(!admit1(t, b, RATE_NET, 2, 60, 3), "/24 limit 2: the third from 127.0.0.0/24 refused");
  tap_ok(admit1(t, c, RATE_NET, 2, 60, 4), "/24 limit 2: 127.0.1.1 admitted");
  tap_ok(admit1(t, a, RATE_IP, 2, 60, 5), "an ip key is not a net key");

  ip_address_scan("2001:db8:1:2::1", a, &scope);
  ip_address_scan("2001:db8:1:2:ffff:1:2:3", b, &scope);
  ip_address_scan("2001:db8:1:3::1", c, &scope);
  rate_key(k1, a, RATE_NET);
  rate_key(k2, b, RATE_NET);
  tap_ok(!memcmp(k1, k2, 16), "/64: 2001:db8:1:2::1 and 2001:db8:1:2:ffff:1:2:3 share a key");
  rate_key(k2, c, RATE_NET);
  tap_ok(memcmp(k1, k2, 16) != 0, "/64: 2001:db8:1:3::1 has another");
  rate_key_fmt(s, b, RATE_NET);
  tap_is_str(s, strlen(s), "2001:db8:1:2::/64", "/64: shown as 2001:db8:1:2::/64");
  tap_ok(admit1(t, a, RATE_NET, 1, 60, 10) && !admit1(t, b, RATE_NET, 1, 60, 11) &&
             admit1(t, c, RATE_NET, 1, 60, 12),
         "/64 limit 1: one per /64");

  /* both at once: refused by the net, nothing counted for the address */
  {
    struct rate_check both[2];
    ip4(a, 10, 9, 8, 1);
    ip4(b, 10, 9, 8, 2);
    both[0] = (struct rate_check){a, RATE_IP, {1, 60}};
    both[1] = (struct rate_check){a, RATE_NET, {2, 60}};
    tap_ok(rate_table_admit(t, both, 2, 100) == -1, "ip 1/60 + net 2/60: first admitted");
    both[0].ip = both[1].ip = b;
    tap_ok(rate_table_admit(t, both, 2, 101) == -1, "ip 1/60 + net 2/60: a neighbour admitted");
    tap_ok(rate_table_admit(t, both, 2, 102) == 0, "ip 1/60 + net 2/60: its second refused by ip");
    ip4(c, 10, 9, 8, 3);
    both[0].ip = both[1].ip = c;
    tap_ok(rate_table_admit(t, both, 2, 103) == 1, "ip 1/60 + net 2/60: a third address refused by net");
    tap_ok(admit1(t, c, RATE_IP, 1, 60, 104), "a check refused by the net counted nothing for the ip");
  }
  rate_table_free(t);
}

static void flood(void) {
  static uint64_t hot[20000];
  struct rate_table *t = table();
  struct mallinfo2 before, after;
  unsigned long i, khot = 0, refused = 0, hotmax;
  size_t bytes = rate_table_bytes(RATE_SETS);
  char a[16], h[16];
  uint64_t now = 7;

  printf("# table: %lu slots, %zu bytes\n", (unsigned long)RATE_SETS * RATE_WAYS, bytes);
  tap_ok(bytes < 2u << 20, "flood: the servers' table is under 2 MiB");
  ip4(h, 203, 0, 113, 9);
  before = mallinfo2();
  /* 1,000,000 distinct addresses, one each, 100 per ms; the hot one every 100 */
  for (i = 0; i < 1000000; ++i) {
    ip4(a, 10 + (unsigned)(i >> 24), (unsigned)(i >> 16) & 255, (unsigned)(i >> 8) & 255,
        (unsigned)i & 255);
    if (i % 2) { /* half of them IPv6 */
      memset(a, 0, 10);
      a[0] = 0x20, a[1] = 0x01, a[2] = 0x0d, a[3] = (char)0xb8, a[4] = (char)(i >> 16);
      a[5] = (char)(i >> 8), a[6] = (char)i;
    }
    if (!admit1(t, a, RATE_IP, 3, 1, now)) ++refused;
    if (i % 100 == 0) {
      if (admit1(t, h, RATE_IP, 3, 1, now) && khot < sizeof hot / sizeof hot[0]) hot[khot++] = now;
      ++now;
    }
  }
  after = mallinfo2();
  hotmax = max_in_window(hot, khot, 1000);
  printf("# flood: %lu slots used, hot address admitted %lu times in %llu ms, at most %lu per s\n",
         rate_table_used(t), khot, (unsigned long long)now, hotmax);
  tap_ok(refused == 0, "flood: every one of 1,000,000 addresses under its limit is admitted");
  tap_ok(after.uordblks == before.uordblks && after.hblkhd == before.hblkhd,
         "flood: no memory allocated while it ran");
  tap_ok(rate_table_used(t) <= (unsigned long)RATE_SETS * RATE_WAYS, "flood: slots used <= the table");
  tap_ok(hotmax <= 3, "flood: the interleaved flooder never gets more than 3 per second");
  tap_ok(khot <= 3 * (now / 1000 + 1), "flood: the flooder kept its state throughout");
  rate_table_free(t);
}

static void wrap(void) {
  struct rate_table *t = table();
  const uint64_t w = 1ULL << 32;
  char a[16], b[16];
  int got = 0;
  ip4(a, 192, 0, 2, 77);
  got += admit1(t, a, RATE_IP, 3, 1, w - 2);
  got += admit1(t, a, RATE_IP, 3, 1, w - 1);
  got += admit1(t, a, RATE_IP, 3, 1, w);
  tap_ok(got == 3 && !admit1(t, a, RATE_IP, 3, 1, w + 1),
         "32-bit ms wrap: the window holds across it");
  tap_ok(admit1(t, a, RATE_IP, 3, 1, w + 998), "32-bit ms wrap: and slides across it");
  /* the same low 32 bits a whole wrap later: an old admission is not new */
  ip4(b, 192, 0, 2, 78);
  for (got = 0; got < 3; ++got) admit1(t, b, RATE_IP, 3, 1, 3 * w + 100);
  for (got = 0; got < 3; ++got)
    if (!admit1(t, b, RATE_IP, 3, 1, 4 * w + 101)) break;
  tap_ok(got == 3, "32-bit ms wrap: admissions 2^32 ms old do not count");
  tap_ok(!admit1(t, b, RATE_IP, 3, 1, 5), "a clock behind the table's does not reopen a full window");
  rate_table_free(t);
}

static void shared(void) {
  struct rate_table *t = table();
  char a[16];
  pid_t pid;
  int st, got;
  ip4(a, 192, 0, 2, 99);
  pid = fork();
  if (pid == 0) {
    int i;
    for (i = 0; i < 3; ++i) admit1(t, a, RATE_IP, 5, 60, 100);
    _exit(0);
  }
  waitpid(pid, &st, 0);
  got = admit1(t, a, RATE_IP, 5, 60, 101) + admit1(t, a, RATE_IP, 5, 60, 102);
  tap_ok(got == 2 && !admit1(t, a, RATE_IP, 5, 60, 103), "shared: a child's admissions count here");
  pid = fork();
  if (pid == 0) {
    rate_table_hold(t);
    _exit(0); /* dies holding the lock */
  }
  waitpid(pid, &st, 0);
  ip4(a, 192, 0, 2, 100);
  tap_ok(admit1(t, a, RATE_IP, 5, 60, 200), "robust: a child that died holding the lock wedges nothing");
  tap_ok(admit1(t, a, RATE_IP, 5, 60, 201), "robust: and the lock works after");
  rate_table_free(t);
}

int main(void) {
  tap_plan(5 + 10 + 3 + 17 + 5 + 4 + 4);
  syntax();
  exact();
  large();
  masks();
  flood();
  wrap();
  shared();
  return tap_done();
}
