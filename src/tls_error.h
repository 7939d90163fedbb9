#ifndef TLS_ERROR_H
#define TLS_ERROR_H
/* One-line reasons for TLS set-up failures, from errno or OpenSSL's queue. */

#include <libowfat/stralloc.h>

/* The system error recorded in OpenSSL's queue (a file that could not be
   opened says more than OpenSSL's own "system lib"), or 0. Drains the queue. */
const char *tls_error_sys_reason(void);

/* The reason OpenSSL's queue gives: its first system error, else the
   reason of its oldest entry that has one (oldest) or of its newest entry;
   0 when there is none. Drains the queue. */
const char *tls_error_queue_reason(int oldest);

/* err = what file ": " reason (file may be 0); a null reason is taken from
   OpenSSL's queue, then errno. Clears the queue. */
void tls_error_set(stralloc *err, const char *what, const char *file, const char *reason);

/* Queues one of our own reasons, for a callback that refuses a handshake
   (OpenSSL then adds its "callback failed" after it). */
enum tls_error_reason { TLS_ERROR_UNKNOWN_NAME = 1 };
void tls_error_raise(enum tls_error_reason r);

#endif
