#ifndef SERVER_SETUP_H
#define SERVER_SETUP_H
/* The servers' start-up, in this order: descriptors 0-2 held, the TLS
   context built from the environment (every key-material error fatal
   before anything listens), then bind, chroot and privilege drop. */

#include <openssl/ssl.h>
#include <libowfat/stralloc.h>

#include "bind_listen.h"
#include "server_options.h"
#include "tls_client_cert.h"

/* fds 0, 1 and 2 must be taken, or pipes and sockets would land there */
void server_hold_std_fds(void);

/* The context and the client-certificate policy at start-up, read as
   SSL_USER/SSL_UID/SSL_GROUP with -3's password; exits 100 or 111. */
SSL_CTX *server_tls_context(const struct server_options *o, struct tls_cc_config *cc);

/* SIGHUP: the same again, non-fatal, into *ctx (which keeps its ticket
   keys and session cache for the new one): the files re-read (as SSL_USER
   while still root; -3's password is not kept, so an encrypted key
   fails), cc's policy the same. 1 reloaded; 0 the old context kept, with
   one warning. */
int server_tls_reload(SSL_CTX **ctx, const struct tls_cc_config *cc);

/* Before server_tls_context: looks for a listening socket passed by
   systemd (LISTEN_PID/LISTEN_FDS) or on descriptor 0 (listen_inherit.h),
   which server_listen then takes instead of binding. -3 with systemd's
   socket (both on descriptor 3) exits 100. Without this call server_listen
   always binds. */
void server_find_listener(const struct server_options *o);

/* Binds and listens on o's host and port, or takes the socket found by
   server_find_listener (host, port, -4, -6, -I and -b then unused),
   chroots (SSL_CHROOT), drops to -g/-u and with -1 prints the port. */
void server_listen(const struct server_options *o, struct bound *b);

#endif
