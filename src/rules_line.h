#ifndef RULES_LINE_H
#define RULES_LINE_H
/* One line of a tcprules source file, read as djb's tcprules reads it:
     address:allow,NAME="value",...   or   address:deny,...
   Any character may quote a value; '#' starts a comment only in column one;
   trailing blanks are ignored. The colon is the first one followed by "allow"
   or "deny", so IPv6 addresses need no quoting (as Debian's ucspi-tcp-ipv6).
   A line with text but no colon is refused: djb's tcprules ignores it, which
   turns a mistyped "1.2.3.4 deny" into no rule at all. */

#include <stddef.h>
#include <libowfat/stralloc.h>

enum {
  RULES_LINE_NOMEM = -2,
  RULES_LINE_BAD = -1,    /* *why says what is wrong */
  RULES_LINE_SKIP = 0,    /* comment, blank line */
  RULES_LINE_RULE = 1     /* address and data are set */
};

/* line: one line with or without its '\n'. On RULES_LINE_RULE, address is the
   text before the colon and data the CDB value: "D\0" for deny, then one
   "+NAME=value\0" per variable. */
int rules_line_parse(const char *line, size_t len, stralloc *address, stralloc *data,
                     const char **why);

/* len without the trailing spaces, tabs and newlines */
size_t rules_line_trim(const char *line, size_t len);

#endif
