#ifndef RELAY_LOOP_H
#define RELAY_LOOP_H
/* The one relay loop between a network socket and a program's pipes, for
   both TLS (tls_relay) and the clear text before it (ucspi_tls). Each round
   tries every transfer that can make progress, and sleeps in poll(2) only
   when none can. The network side moves bytes through ops (SSL_read or
   read(2) ...); the clear-text phase adds its hooks. Network EOF closes the
   program's input; the program's EOF closes the network side for writing;
   the other direction keeps flowing (half-close both ways). */

#include <stddef.h>
#include <sys/types.h>

/* one full TLS record: one SSL_read and one write(2) per record */
#define RELAY_BUFSIZE 16384

enum relay_end {
  RELAY_DONE,    /* both directions ended */
  RELAY_IDLE,    /* nothing moved for idle seconds */
  RELAY_CLOSED,  /* the peer reset or vanished */
  RELAY_ERROR,   /* reason says which */
  RELAY_STOPPED, /* the control hook ended it */
};

/* what a network op returns besides a byte count (> 0) */
enum relay_io {
  RELAY_IO_EOF = 0,
  RELAY_IO_WAIT = -1,   /* *wants says what to poll for */
  RELAY_IO_AGAIN = -2,  /* interrupted: try again at once */
  RELAY_IO_CLOSED = -3, /* the ends below set reason */
  RELAY_IO_ERROR = -4,
};

struct relay_loop;

struct relay_ops {
  ssize_t (*net_read)(struct relay_loop *L, char *buf, size_t len, short *wants);
  ssize_t (*net_write)(struct relay_loop *L, const char *buf, size_t len, short *wants);
  /* before the FIN (close_notify): 1 done, 0 wait for *wants; may be 0 */
  int (*net_close)(struct relay_loop *L, short *wants);
  /* The clear-text phase's hooks; 0 when there are none.
     control: first in every round; 1 ends the relay (RELAY_STOPPED).
     gate: 1 leaves the network unread from now on.
     scan: looks on through the n new bytes at s and says how many it took;
     *cut = 1 when they end a line after which nothing passes until the
     program writes (the TLS start command). */
  int (*control)(struct relay_loop *L);
  int (*gate)(struct relay_loop *L);
  size_t (*scan)(struct relay_loop *L, const char *s, size_t n, int *cut);
};

struct relay_loop {
  const struct relay_ops *ops;
  void *ctx;            /* the ops' own state */
  int sock;             /* non-blocking */
  int to_prog, from_prog; /* non-blocking pipe ends, -1 once closed */
  int extra_fd;         /* polled for input too (the control socket), or -1 */
  unsigned long idle;   /* -w seconds */
  const char *reason;   /* why it ended, "" if it just did */
  /* network -> program: inbuf[inpos, cutat or else scanpos) may go now */
  char *inbuf;
  size_t inpos, inlen, scanpos, cutat;
  /* program -> network: the banner first, then outbuf */
  char *outbuf;
  const char *out;
  size_t outpos, outlen;
  int hold;             /* a cut was reached: nothing passes until the program writes */
  int gated;            /* the gate closed the network side for reading */
  int net_eof, shut;
  short read_wants, write_wants, shut_wants;
  void (*quiet)(void);  /* after a second with nothing moved: memory back, or 0 */
  int quieted;          /* done since the last move */
};

/* Sets L up with the shared buffers; the pipes must be non-blocking. */
void relay_loop_init(struct relay_loop *L, const struct relay_ops *ops, void *ctx, int sock,
                     int to_prog, int from_prog, unsigned long idle, const char *banner,
                     size_t bannerlen);

/* Relays until it ends; closes to_prog and from_prog before returning. */
enum relay_end relay_loop_run(struct relay_loop *L);

#endif
