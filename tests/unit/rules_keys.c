/* rules_keys: the CDB keys of one rule address (djb ranges, CIDR). */
#include "rules_tap.h"
#include <libowfat/stralloc.h>
#include "rules_keys.h"

static stralloc got;
static int fail_after = -1;

static int add(void *ctx, const char *key, size_t len) {
  (void)ctx;
  if (fail_after == 0) return -1;
  if (fail_after > 0) --fail_after;
  if (got.len) stralloc_catb(&got, " ", 1);
  return stralloc_catb(&got, key, len) ? 0 : -1;
}

static const char *why;

static void t(const char *addr, int want, const char *wkeys, const char *name) {
  got.len = 0;
  int r = rules_keys(addr, strlen(addr), add, 0, &why);
  if (!tap_ok(r == want, name)) printf("#   status %d, want %d (%s)\n", r, want, why);
  if (want == RULES_KEYS_OK) tap_is_str(got.s, got.len, wkeys, "  keys");
  else if (want == RULES_KEYS_BAD) tap_ok(*why != 0, "  with a reason");
}

int main(void) {
  tap_plan(82);
  /* as written */
  t("1.2.3.4", 0, "1.2.3.4", "an address");
  t("10.1.", 0, "10.1.", "a prefix");
  t("", 0, "", "the default");
  t("=host.example", 0, "=host.example", "a name");
  t("=a-b.example", 0, "=a-b.example", "a name with a dash is no range");
  t("joe@1.2.3.4-5", 0, "joe@1.2.3.4-5", "user@ is no range (as djb)");
  t("joe@10.0.0.0/8", 0, "joe@10.0.0.0/8", "user@ is no CIDR either");
  t("2001:db8::1", 0, "2001:db8::1", "IPv6 as written");
  /* djb's ranges */
  t("1.2.3.4-6", 0, "1.2.3.4 1.2.3.5 1.2.3.6", "last-part range");
  t("1.2.3-4.", 0, "1.2.3. 1.2.4.", "middle-part range");
  t("1.2.3-4.9", 0, "1.2.3.9 1.2.4.9", "range with a tail");
  t("1.2.3.254-999", 0, "1.2.3.254 1.2.3.255", "top cut to 255");
  t("1.2.3.7-5", 0, "", "an empty range gives no key (as djb)");
  t("1.2.3.-1", 0, "1.2.3.0 1.2.3.1", "an empty bottom is 0 (as djb)");
  t("1-2.", 0, "1. 2.", "first-part range");
  t("1.2.3.a-5", RULES_KEYS_BAD, 0, "letters in a range");
  t("::1-5", RULES_KEYS_BAD, 0, "an IPv6 range (refused as by djb)");
  /* IPv4 CIDR */
  t("10.0.0.0/8", 0, "10.", "/8");
  t("10.20.0.0/16", 0, "10.20.", "/16");
  t("10.20.30.0/24", 0, "10.20.30.", "/24");
  t("10.20.30.40/32", 0, "10.20.30.40", "/32");
  t("192.168.4.0/22", 0, "192.168.4. 192.168.5. 192.168.6. 192.168.7.", "/22");
  t("10.20.30.40/30", 0, "10.20.30.40 10.20.30.41 10.20.30.42 10.20.30.43", "/30");
  t("172.16.0.0/12", 0, "172.16. 172.17. 172.18. 172.19. 172.20. 172.21. 172.22. 172.23. "
    "172.24. 172.25. 172.26. 172.27. 172.28. 172.29. 172.30. 172.31.", "/12");
  t("254.0.0.0/7", 0, "254. 255.", "/7");
  t("10.0.0.1/8", RULES_KEYS_BAD, 0, "host bits set");
  t("10.0.0.0/33", RULES_KEYS_BAD, 0, "/33");
  t("10.0.0.0/0", RULES_KEYS_BAD, 0, "/0");
  t("10.0.0.0/", RULES_KEYS_BAD, 0, "no length");
  t("10.0.0.0/8x", RULES_KEYS_BAD, 0, "junk after the length");
  t("10.0.0/8", RULES_KEYS_BAD, 0, "three parts");
  t("10.0.0.256/32", RULES_KEYS_BAD, 0, "a part above 255");
  t("1.2.3.0-9/24", RULES_KEYS_BAD, 0, "range and CIDR");
  /* IPv6 CIDR: fehcom's bit key */
  t("2001:db8::/32", 0, "^00`000000000000a0000bc0de0fgh000", "IPv6 /32");
  t("8000::/1", 0, "^`", "IPv6 /1");
  t("::ffff:10.0.0.0/104", 0, "10.", "v4-mapped /104 is IPv4 /8");
  t("2001:db8::1/32", RULES_KEYS_BAD, 0, "IPv6 host bits set");
  t("2001:db8::/129", RULES_KEYS_BAD, 0, "IPv6 /129");
  t("2001:db8::/0", RULES_KEYS_BAD, 0, "IPv6 /0");
  t("2001:zz::/32", RULES_KEYS_BAD, 0, "not an IPv6 address");
  /* a failing add stops the expansion */
  fail_after = 2;
  got.len = 0;
  tap_ok(rules_keys("1.2.3.1-9", 9, add, 0, &why) == RULES_KEYS_ADDFAIL, "a failing add is reported");
  tap_is_str(got.s, got.len, "1.2.3.1 1.2.3.2", "  after the keys it took");
  fail_after = -1;
  return tap_done();
}
