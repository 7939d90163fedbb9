/* Parsing one tcprules line; the CDB value format is djb's. */
#include <string.h>
#include "rules_line.h"

size_t rules_line_trim(const char *line, size_t len) {
  while (len && (line[len - 1] == '\n' || line[len - 1] == ' ' || line[len - 1] == '\t')) --len;
  return len;
}

/* the first colon followed by an instruction, or len */
static size_t find_colon(const char *s, size_t len, int *anycolon) {
  *anycolon = 0;
  for (size_t c = 0; c < len; ++c) {
    if (s[c] != ':') continue;
    *anycolon = 1;
    size_t rest = len - c - 1;
    if ((rest >= 4 && !memcmp(s + c + 1, "deny", 4)) ||
        (rest >= 5 && !memcmp(s + c + 1, "allow", 5)))
      return c;
  }
  return len;
}

int rules_line_parse(const char *line, size_t len, stralloc *address, stralloc *data,
                     const char **why) {
  const char *x;
  size_t colon, i;
  int anycolon;
  char q;

  *why = "";
  if (!len || line[0] == '#' || line[0] == '\n') return RULES_LINE_SKIP;
  len = rules_line_trim(line, len);
  colon = find_colon(line, len, &anycolon);
  if (colon == len) {
    if (!anycolon) {
      /* blanks and an indented comment are skipped; other text is a mistake */
      for (i = 0; i < len && (line[i] == ' ' || line[i] == '\t'); ++i) ;
      if (i == len || line[i] == '#') return RULES_LINE_SKIP;
      *why = "no colon before allow or deny";
    } else {
      *why = memchr(line, '\r', len) ? "no allow or deny after a colon (DOS line ends?)"
                                     : "no allow or deny after a colon";
    }
    return RULES_LINE_BAD;
  }

  if (!stralloc_copyb(address, line, colon)) return RULES_LINE_NOMEM;
  x = line + colon + 1;
  len -= colon + 1;
  if (*x == 'd') {
    if (!stralloc_copyb(data, "D", 2)) return RULES_LINE_NOMEM;
    x += 4; len -= 4;
  } else {
    data->len = 0;
    x += 5; len -= 5;
  }

  while (len) {
    if (*x != ',') {
      *why = *x == '\r' ? "unexpected carriage return (DOS line ends?)"
                        : "expected a comma and NAME=\"value\" after the instruction";
      return RULES_LINE_BAD;
    }
    /* ,NAME=qVALUEq with any quote character q */
    const char *eq = memchr(x, '=', len);
    if (!eq) { *why = "a variable without '='"; return RULES_LINE_BAD; }
    i = (size_t)(eq - x);
    if (!stralloc_catb(data, "+", 1) || !stralloc_catb(data, x + 1, i)) return RULES_LINE_NOMEM;
    x += i + 1; len -= i + 1;
    if (!len) { *why = "a variable without a quoted value"; return RULES_LINE_BAD; }
    q = *x++; --len;
    const char *end = memchr(x, q, len);
    if (!end) { *why = "a value without its closing quote"; return RULES_LINE_BAD; }
    i = (size_t)(end - x);
    if (!stralloc_catb(data, x, i) || !stralloc_0(data)) return RULES_LINE_NOMEM;
    x += i + 1; len -= i + 1;
  }
  return RULES_LINE_RULE;
}
