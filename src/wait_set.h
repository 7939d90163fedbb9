#ifndef WAIT_SET_H
#define WAIT_SET_H
/* The listener's wait set: each new connection waits here, costing no
   process and no -c slot, until it has sent what it must before the
   handshake can start (a PROXY header when one is due, then a whole
   ClientHello record, tls_hello.h; with -n only the header). Then it is
   ready, and ready connections are taken oldest first as slots free.
   Bounded: at most max connections (when one more comes the oldest not
   yet ready is closed), at most maxip from one address (its oldest goes),
   and -T from accept for a connection not yet ready. One epoll set holds
   the listening socket and the waiting ones. */

#include <signal.h>

#include "conn_env.h"
#include "server_options.h"

/* Sets the set up for listening socket listenfd (TCP_DEFER_ACCEPT when the
   client speaks first; the soft descriptor limit raised to the hard one,
   with a warning when it cannot hold the set). */
void wait_set_init(const struct server_options *o, int listenfd);

/* Accepts what the listening socket has (a batch at a time) into the
   set, each with a PROXY header to come when PROXYPROTOCOL or the rules
   for its address ask for one. Some may be ready at once. */
void wait_set_accept(void);

/* Also watch fd (readable: WAIT_OTHER); the caller reads it. */
void wait_set_watch(int fd);

/* Waits (epoll_pwait with mask) for the listening socket, a waiting
   connection or a watched descriptor, at most until the first deadline
   or max_ms (-1: no limit); advances what arrived, closes the late.
   Returns what else was readable: */
#define WAIT_LISTENER 1 /* call wait_set_accept */
#define WAIT_OTHER 2    /* a descriptor of wait_set_watch */
int wait_set_wait(const sigset_t *mask, int max_ms);

/* Takes the oldest ready connection: its socket, or -1 when none. */
int wait_set_take(struct conn *c, int *formatted);

/* In a forked child: closes every socket of the set and the epoll set. */
void wait_set_close_all(void);

/* -v logs "waiting n/max/maxip ready r" (the status line's companion) at
   most once a second while the number of connections not yet ready
   changes, and once more when it has settled */

#endif
