#ifndef TLS_KEYLOG_H
#define TLS_KEYLOG_H
/* SSLKEYLOGFILE: the TLS secrets of every connection, one NSS key-log line
   each (what Wireshark reads to decrypt a capture). For debugging only:
   whoever reads the file can read the connections. */

#include <openssl/ssl.h>
#include <libowfat/stralloc.h>

/* Opens file (append, mode 0600) once per process, with a warning on
   stderr, and makes ctx write to it. Returns 0 with a reason in err. */
int tls_keylog_setup(SSL_CTX *ctx, const char *file, stralloc *err);

#endif
