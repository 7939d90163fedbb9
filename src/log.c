/* Messages on stderr, one line per write(2). */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libowfat/fmt.h>

#include "log.h"

int log_verbosity = 1;
int log_codes = 0;
static const char *progname = "ucspi-tls";

void log_init(const char *prog) { progname = prog; }

static size_t cat(char *buf, size_t len, size_t size, const char *s) {
  while (*s && len < size) buf[len++] = *s++;
  return len;
}

/* code: "(code) " after kind when above 0 */
static void emit(const char *kind, int code, const char *first, va_list ap, int err) {
  char buf[2048];
  size_t size = sizeof buf - 1, len = 0;
  const char *s;
  const char *errstr = err ? strerror(err) : 0;

  len = cat(buf, len, size, progname);
  len = cat(buf, len, size, ": ");
  if (kind) len = cat(buf, len, size, kind);
  if (code > 0) {
    char num[FMT_ULONG];
    num[fmt_ulong(num, (unsigned long)code)] = 0;
    len = cat(buf, len, size, "(");
    len = cat(buf, len, size, num);
    len = cat(buf, len, size, ") ");
  }
  for (s = first; s; s = va_arg(ap, const char *)) len = cat(buf, len, size, s);
  if (errstr) {
    len = cat(buf, len, size, ": ");
    len = cat(buf, len, size, errstr);
  }
  buf[len++] = '\n';
  s = buf;
  while (len) {
    ssize_t w = write(2, s, len);
    if (w < 0) {
      if (errno == EINTR) continue;
      return;
    }
    s += w;
    len -= (size_t)w;
  }
}

void log_line(const char *first, ...) {
  va_list ap;
  va_start(ap, first);
  emit(0, 0, first, ap, 0);
  va_end(ap);
}

void log_status(const char *first, ...) {
  va_list ap;
  if (log_verbosity < 2) return;
  va_start(ap, first);
  emit(0, 0, first, ap, 0);
  va_end(ap);
}

void log_warn(const char *first, ...) {
  va_list ap;
  if (log_verbosity < 1) return;
  va_start(ap, first);
  emit("warning: ", 0, first, ap, 0);
  va_end(ap);
}

void log_error(const char *first, ...) {
  va_list ap;
  if (log_verbosity < 1) return;
  va_start(ap, first);
  emit("error: ", 0, first, ap, 0);
  va_end(ap);
}

void log_fatal(int code, const char *first, ...) {
  va_list ap;
  if (log_verbosity >= 1) {
    va_start(ap, first);
    emit("fatal: ", log_codes ? code : 0, first, ap, 0);
    va_end(ap);
  }
  _exit(code);
}

void log_fatal_sys(int code, const char *first, ...) {
  va_list ap;
  int err = errno;
  if (log_verbosity >= 1) {
    va_start(ap, first);
    emit("fatal: ", log_codes ? code : 0, first, ap, err ? err : EIO);
    va_end(ap);
  }
  _exit(code);
}

void log_nomem(void) { log_fatal(111, "out of memory", (char *)0); }

void log_fatal_line(int code, const char *first, ...) {
  va_list ap;
  if (log_verbosity < 1) return;
  va_start(ap, first);
  emit("fatal: ", code, first, ap, 0);
  va_end(ap);
}

void log_error_exit(int code, const char *first, ...) {
  va_list ap;
  if (log_verbosity >= 1) {
    va_start(ap, first);
    emit("error: ", code, first, ap, 0);
    va_end(ap);
  }
  _exit(code);
}

void log_clean(char *dst, size_t n, const char *s) {
  size_t i = 0, count = 0;
  if (!n) return;
  for (; s && *s && i + 1 < n; ++s) {
    unsigned char ch = (unsigned char)*s;
    if (count == 100) {
      const char *dots = "...";
      while (*dots && i + 1 < n) dst[i++] = *dots++;
      break;
    }
    if (ch < 33 || ch > 126 || ch == '%') ch = '?';
    dst[i++] = (char)ch;
    ++count;
  }
  dst[i] = 0;
}
