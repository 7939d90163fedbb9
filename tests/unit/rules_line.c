/* rules_line_parse: djb's tcprules syntax, line by line. */
#include "rules_tap.h"
#include "rules_line.h"

static stralloc address, data;
static const char *why;

/* parse LINE; expect status, and for rules the address and data (| for NUL) */
static void t(const char *line, int want, const char *waddr, const char *wdata, const char *name) {
  char wd[256];
  size_t i;
  address.len = data.len = 0;
  int r = rules_line_parse(line, strlen(line), &address, &data, &why);
  if (!tap_ok(r == want, name)) printf("#   status %d, want %d (%s)\n", r, want, why);
  if (want != RULES_LINE_RULE) return;
  for (i = 0; wdata[i]; ++i) wd[i] = wdata[i] == '|' ? 0 : wdata[i];
  tap_is(address.s, address.len, waddr, strlen(waddr), "  address");
  tap_is(data.s, data.len, wd, i, "  data");
}

int main(void) {
  tap_plan(75);
  t("1.2.3.4:allow\n", RULES_LINE_RULE, "1.2.3.4", "", "plain allow");
  t("1.2.3.4:deny\n", RULES_LINE_RULE, "1.2.3.4", "D|", "plain deny");
  t("1.2.3.4:allow,A=\"b\",C='d'\n", RULES_LINE_RULE, "1.2.3.4", "+A=b|+C=d|", "two variables, two quotes");
  t("1.2.3.4:deny,A=\"b\"\n", RULES_LINE_RULE, "1.2.3.4", "D|+A=b|", "deny with a variable");
  t("x:allow,A=/a\"b/\n", RULES_LINE_RULE, "x", "+A=a\"b|", "any quote character");
  t("x:allow,A=\"\"\n", RULES_LINE_RULE, "x", "+A=|", "empty value");
  t("x:allow,=xx\n", RULES_LINE_RULE, "x", "+=|", "empty name (as djb)");
  t("x:allow,A=\"b,c=d\"\n", RULES_LINE_RULE, "x", "+A=b,c=d|", "comma and = inside a value");
  t(":allow\n", RULES_LINE_RULE, "", "", "the default rule");
  t("1.2.3.4:allow \t \n", RULES_LINE_RULE, "1.2.3.4", "", "trailing blanks");
  t("1.2.3.4:allow", RULES_LINE_RULE, "1.2.3.4", "", "no newline at the end");
  t("::1:allow\n", RULES_LINE_RULE, "::1", "", "IPv6: the colon before the instruction");
  t("2001:db8:::deny\n", RULES_LINE_RULE, "2001:db8::", "D|", "IPv6 prefix ending in ::");
  t("=h:x:allow\n", RULES_LINE_RULE, "=h:x", "", "a colon before other text belongs to the address");
  t("=h:denyx:allow\n", RULES_LINE_BAD, 0, 0, "the first colon before allow/deny counts");
  t("  #x:allow\n", RULES_LINE_RULE, "  #x", "", "a # after blanks is an address (as djb)");
  t("joe@=h.example:allow\n", RULES_LINE_RULE, "joe@=h.example", "", "ident and name");
  t("# comment\n", RULES_LINE_SKIP, 0, 0, "comment");
  t("#1.2.3.4:allow\n", RULES_LINE_SKIP, 0, 0, "commented-out rule");
  t("\n", RULES_LINE_SKIP, 0, 0, "empty line");
  t(" \t \n", RULES_LINE_SKIP, 0, 0, "blank line");
  t("  # indented comment\n", RULES_LINE_SKIP, 0, 0, "indented comment without a colon");
  t("", RULES_LINE_SKIP, 0, 0, "nothing");
  t("some words\n", RULES_LINE_BAD, 0, 0, "text without a colon: refused");
  t("1.2.3.4 deny\n", RULES_LINE_BAD, 0, 0, "a rule typed without its colon: refused");
  tap_ok(!strcmp(why, "no colon before allow or deny"), "  named as a missing colon");
  t("1.2.3.4:alow\n", RULES_LINE_BAD, 0, 0, "misspelt instruction");
  t("1.2.3.4:\n", RULES_LINE_BAD, 0, 0, "no instruction");
  t("1.2.3.4:den\n", RULES_LINE_BAD, 0, 0, "short instruction");
  t("1.2.3.4:allowed\n", RULES_LINE_BAD, 0, 0, "junk after allow");
  t("1.2.3.4:allow ,A=\"b\"\n", RULES_LINE_BAD, 0, 0, "blank before the comma");
  t("1.2.3.4:allow,A\n", RULES_LINE_BAD, 0, 0, "no =");
  t("1.2.3.4:allow,A=\n", RULES_LINE_BAD, 0, 0, "no value");
  t("1.2.3.4:allow,A=\"b\n", RULES_LINE_BAD, 0, 0, "no closing quote");
  t("1.2.3.4:allow,A=\"b\"c\n", RULES_LINE_BAD, 0, 0, "junk after the value");
  t("1.2.3.4:allow,A=\"b\",\n", RULES_LINE_BAD, 0, 0, "trailing comma");
  t("1.2.3.4:allow\r\n", RULES_LINE_BAD, 0, 0, "carriage return");
  tap_ok(strstr(why, "DOS") != 0, "  named as DOS line ends");
  {
    /* NUL bytes are data, not string ends */
    static const char l[] = "a\0b:allow,X=\"c\0d\"\n";
    address.len = data.len = 0;
    int r = rules_line_parse(l, sizeof l - 1, &address, &data, &why);
    tap_ok(r == RULES_LINE_RULE, "NUL bytes in a line");
    tap_is(address.s, address.len, "a\0b", 3, "  address keeps its NUL");
    tap_is(data.s, data.len, "+X=c\0d\0", 7, "  value keeps its NUL");
  }
  tap_ok(rules_line_trim("ab \t\n\n", 6) == 2, "trim blanks and newlines");
  tap_ok(rules_line_trim("ab\r\n", 4) == 3, "trim keeps a carriage return (as djb)");
  return tap_done();
}
