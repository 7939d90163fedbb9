/* Failure reasons for the TLS set-up modules. */
#include <errno.h>
#include <string.h>

#include <openssl/err.h>

#include "tls_error.h"

const char *tls_error_sys_reason(void) {
  unsigned long e;
  while ((e = ERR_get_error()))
    if (ERR_GET_LIB(e) == ERR_LIB_SYS) return strerror(ERR_GET_REASON(e));
  return 0;
}

const char *tls_error_queue_reason(int oldest) {
  unsigned long e, sys = 0, last = 0;
  const char *first = 0;
  while ((e = ERR_get_error())) {
    if (ERR_GET_LIB(e) == ERR_LIB_SYS && !sys) sys = e;
    if (!first) first = ERR_reason_error_string(e);
    last = e;
  }
  if (sys) return strerror(ERR_GET_REASON(sys));
  if (oldest) return first;
  return last ? ERR_reason_error_string(last) : 0;
}

void tls_error_set(stralloc *err, const char *what, const char *file, const char *reason) {
  unsigned long e = ERR_peek_last_error();
  if (!reason) reason = e ? ERR_reason_error_string(e) : 0;
  if (!reason) reason = errno ? strerror(errno) : "unknown error";
  stralloc_copys(err, what);
  if (file) {
    stralloc_cats(err, file);
    stralloc_cats(err, ": ");
  }
  stralloc_cats(err, reason);
  stralloc_0(err);
  ERR_clear_error();
}

void tls_error_raise(enum tls_error_reason r) {
  static ERR_STRING_DATA strings[] = {
    {0, "ucspi-tls"},
    {TLS_ERROR_UNKNOWN_NAME, "unrecognized server name"},
    {0, 0},
  };
  static int lib;
  if (!lib) {
    lib = ERR_get_next_error_library();
    strings[0].error = ERR_PACK(lib, 0, 0);
    ERR_load_strings(lib, strings);
  }
  ERR_raise(lib, r);
}
