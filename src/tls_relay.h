#ifndef TLS_RELAY_H
#define TLS_RELAY_H
/* Relays between a TLS connection and a program's pipes until both
   directions are done: network EOF (close_notify or FIN) closes the
   program's input; the program's EOF sends close_notify and a FIN; the
   other direction keeps flowing (half-close both ways). */

#include <stddef.h>
#include <openssl/ssl.h>

struct tls_relay {
  SSL *ssl;
  int sock;              /* non-blocking */
  int to_prog;           /* write end of the program's input pipe */
  int from_prog;         /* read end of the program's output pipe */
  unsigned long idle;    /* -w: give up after this many seconds without progress */
  const char *banner;    /* -B: sent first, inside TLS */
  size_t bannerlen;
  int nagle;             /* -d: TCP_NODELAY (on until now) goes off after the
                            first record written, and on again for close_notify */
  void (*quiet)(void);   /* while nothing moves: memory back (child_arena_trim), or 0 */
};

enum tls_relay_result {
  TLS_RELAY_DONE = 0,
  TLS_RELAY_IDLE,    /* nothing moved for r->idle seconds */
  TLS_RELAY_CLOSED,  /* the client reset or vanished without TLS closure */
  TLS_RELAY_ERROR,   /* TLS protocol failure; reason says which */
};

/* Closes to_prog and from_prog before returning. */
enum tls_relay_result tls_relay_run(struct tls_relay *r, const char **reason);

#endif
