#ifndef TLS_RELOAD_H
#define TLS_RELOAD_H
/* SIGHUP asks the listener to rebuild its TLS context from the files
   (certificates, keys, CERTDIR, ticket keys, OCSP responses). The handler
   only sets a flag; the accept loop does the work between connections, so
   connections already forked keep the context they started with. */

#include <signal.h>

/* Installs the handler (no SA_RESTART: a blocked accept returns) and adds
   SIGHUP to *blocked, the set kept blocked outside accept and sigsuspend. */
void tls_reload_catch(sigset_t *blocked);

/* Is a reload asked for? Clears the request. */
int tls_reload_take(void);

#endif
