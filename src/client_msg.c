/* sslclient's messages, worded and coded as ucspi-ssl's. */
#include <errno.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>

#include <libowfat/fmt.h>

#include "client_msg.h"
#include "log.h"

void client_msg(const char *kind, int code, const char *first, ...) {
  char text[1024], num[FMT_ULONG];
  size_t len = 0;
  const char *s;
  va_list ap;

  if (log_verbosity < 1) return;
  va_start(ap, first);
  for (s = first; s; s = va_arg(ap, const char *)) {
    size_t n = strlen(s);
    if (n > sizeof text - 1 - len) n = sizeof text - 1 - len;
    memcpy(text + len, s, n);
    len += n;
  }
  va_end(ap);
  text[len] = 0;
  num[fmt_ulong(num, (unsigned long)code)] = 0;
  log_line(kind, ": (", num, ") ", text, (char *)0);
}

const char *client_msg_why(const char *reason) {
  static char buf[512];
  size_t n;
  if (log_verbosity < 3 || !reason || !*reason) return "";
  n = strlen(reason);
  if (n > sizeof buf - 3) n = sizeof buf - 3;
  buf[0] = ':';
  buf[1] = ' ';
  memcpy(buf + 2, reason, n);
  buf[n + 2] = 0;
  return buf;
}

void client_msg_fatal(const char *what, const char *arg) {
  const char *reason = errno ? strerror(errno) : 0;
  client_msg("fatal", 111, what, arg ? arg : "", client_msg_why(reason), (char *)0);
  _exit(111);
}
