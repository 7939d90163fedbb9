/* libFuzzer target for tcprules' line parser and the keys an address
   stands for: each line of the input as tcprules reads it. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rules_keys.h"
#include "rules_line.h"

static int count(void *ctx, const char *key, size_t len) {
  if (!len && key == 0) abort();
  ++*(size_t *)ctx;
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  stralloc address = {0}, dat = {0};
  const char *s = (const char *)data, *end = s + size;
  while (s < end) {
    const char *nl = memchr(s, '\n', (size_t)(end - s));
    size_t len = nl ? (size_t)(nl - s) + 1 : (size_t)(end - s);
    const char *why = 0;
    int r = rules_line_parse(s, len, &address, &dat, &why);
    if (r == RULES_LINE_BAD && !why) abort();
    if (r == RULES_LINE_RULE) {
      size_t keys = 0;
      if (dat.len && dat.s[dat.len - 1] != 0) abort(); /* entries end in \0 */
      if (rules_keys(address.s, address.len, count, &keys, &why) == RULES_KEYS_BAD && !why) abort();
    }
    if (rules_line_trim(s, len) > len) abort();
    s += len;
  }
  stralloc_free(&address);
  stralloc_free(&dat);
  return 0;
}
