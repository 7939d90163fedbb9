/* Minimal TAP for the rules unit tests: plan, ok, is_str, done. */
#ifndef RULES_TAP_H
#define RULES_TAP_H
#include <stdio.h>
#include <string.h>

static int tap_n, tap_failed;

static void tap_plan(int n) { printf("1..%d\n", n); }

static int tap_ok(int cond, const char *name) {
  ++tap_n;
  printf("%sok %d - %s\n", cond ? "" : "not ", tap_n, name);
  if (!cond) ++tap_failed;
  return cond;
}

/* compares byte strings; shows both (NULs as |) when they differ */
__attribute__((unused)) static int tap_is(const char *got, size_t glen, const char *want, size_t wlen, const char *name) {
  int same = glen == wlen && (!glen || !memcmp(got, want, glen));
  if (!tap_ok(same, name)) {
    printf("#   got:  '");
    for (size_t i = 0; i < glen; ++i) putchar(got[i] ? got[i] : '|');
    printf("'\n#   want: '");
    for (size_t i = 0; i < wlen; ++i) putchar(want[i] ? want[i] : '|');
    printf("'\n");
  }
  return same;
}
#define tap_is_str(got, glen, want, name) tap_is((got), (glen), (want), strlen(want), (name))

static int tap_done(void) { return tap_failed ? 1 : 0; }
#endif
