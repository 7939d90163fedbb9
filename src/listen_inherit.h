#ifndef LISTEN_INHERIT_H
#define LISTEN_INHERIT_H
/* A listening socket handed over by whoever started the server instead of
   one the server binds itself: systemd's socket activation (LISTEN_PID,
   LISTEN_FDS: the socket is descriptor 3) or a listening socket on
   descriptor 0 (inetd's wait mode, s6-fdholder, a wrapper script). */

#include "bind_listen.h"

enum listen_source { LISTEN_BIND = 0, LISTEN_SYSTEMD, LISTEN_STDIN };

/* Looks at the environment and descriptors 3 and 0 without changing them,
   except that LISTEN_PID, LISTEN_FDS and LISTEN_FDNAMES are always removed
   from the environment (the program must not act on them) and systemd's
   socket is made close-on-exec. LISTEN_PID not ours: the variables are
   ignored, as sd_listen_fds(3) does. Exits 100 when more than one socket is
   passed, 111 when the passed descriptor is not a listening TCP socket. */
enum listen_source listen_inherit_find(void);

/* Takes the socket found (descriptor 0's is moved off 0, which then gets
   /dev/null), makes it blocking and fills out with its address and port. */
void listen_inherit_take(enum listen_source src, struct bound *out);

/* "LISTEN_FDS, descriptor 3" or "descriptor 0", for log lines */
const char *listen_inherit_name(enum listen_source src);

#endif
