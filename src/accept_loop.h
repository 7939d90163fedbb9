#ifndef ACCEPT_LOOP_H
#define ACCEPT_LOOP_H
/* sslserver's listener (and sslprint's): accepts, refuses a client over a
   global MAXCONIP, decides the rules it can decide alone, and forks a
   connection child per connection that runs conn_serve and exits with its
   code; keeps the child table for -c and MAXCONIP and logs the status and
   "ended by" lines. Exits 0 on SIGTERM. */

#include "conn_serve.h"

/* SIGHUP: s->ctx is built anew from the files between two connections
   (children already forked keep theirs); a bad file keeps the old one. */
_Noreturn void accept_loop(struct conn_server *s, int listenfd);

#endif
