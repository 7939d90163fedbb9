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
