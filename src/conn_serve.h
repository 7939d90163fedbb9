#ifndef CONN_SERVE_H
#define CONN_SERVE_H
/* The work of one connection, the same in sslserver's connection child, an
   sslhandle worker, sslprint and sslwrap: -y rules, name lookups (-h -p -l
   -r), -x rules and MAXCONIP, the environment, the TLS handshake (-T) and
   the client-certificate decision, and only then the program, with pipes
   on 0/1 and nothing else open; then the relay (-w) until both sides are
   done. With -n (UCSPI-TLS) the program starts first: clear text until it
   asks for TLS on the control socket, then the handshake and the relay
   over two more pipes. */

#include <openssl/ssl.h>

#include "conn_env.h"
#include "conn_rules.h"
#include "server_options.h"
#include "tls_client_cert.h"

struct conn_server {
  const struct server_options *opt;
  SSL_CTX *ctx;                    /* built at start-up */
  const struct tls_cc_config *cc;  /* the client-certificate policy at start-up */
  /* sslprint: runs in a child process instead of the program, with 0 and
     1 on the pipes; its return value is the child's exit status */
  int (*builtin)(void);
  /* sslwrap under a UCSPI server: c's names are given, look nothing up */
  int names_given;
};

/* Serves the connection on t (non-blocking, close-on-exec), of which c
   holds the remote address (and, with st->formatted, the local one);
   ipcount: the connections from the same address besides this one; st:
   the rules the listener already looked up (zeroed: none). Logs as
   sslserver's connection child, closes t, waits for the program and
   returns the exit code the child has: the program's, or 100 or 111.
   Exits (111) only when out of memory or descriptors, or when t has no
   local address. */
int conn_serve(const struct conn_server *s, int t, struct conn *c, unsigned long ipcount,
               struct rules_state *st);

/* Reads t's local address into c and formats c; 0 on failure. */
int conn_serve_local(int t, struct conn *c);

#endif
