#ifndef SERVER_SETUP_H
#define SERVER_SETUP_H
/* The servers' start-up, in ucspi-ssl's order: descriptors 0-2 held, the
   command line, then the port name, the host name and the bind
   (server_bind), then the key password (-3) and the TLS context built from
   the environment (server_tls_context), then chroot and privilege drop
   (server_drop): the context is built before privileges go, so children
   inherit parsed keys, and errors read as ucspi-ssl's in its order. */

#include <openssl/ssl.h>
#include <libowfat/stralloc.h>

#include "bind_listen.h"
#include "server_options.h"
#include "tls_client_cert.h"

/* fds 0, 1 and 2 must be taken, or pipes and sockets would land there */
void server_hold_std_fds(void);

/* The context and the client-certificate policy at start-up, read as
   SSL_USER/SSL_UID/SSL_GROUP with -3's password; exits 100 or 111, with
   ucspi-ssl's line where it has one ("error: (111) unable to load key:
   FILE", without the file for o->terse). */
SSL_CTX *server_tls_context(const struct server_options *o, struct tls_cc_config *cc);

/* SIGHUP: the same again, non-fatal, into *ctx (which keeps its ticket
   keys and session cache for the new one): the files re-read (as SSL_USER
   while still root; by the key keeper after a drop, see server_keep_keys;
   -3's password is kept in memory for this), cc's policy the same.
   1 reloaded; 0 the old context kept, with one warning. */
int server_tls_reload(SSL_CTX **ctx, const struct tls_cc_config *cc);

/* First: looks for a listening socket passed by systemd
   (LISTEN_PID/LISTEN_FDS) or on descriptor 0 (listen_inherit.h), which
   server_bind then takes instead of binding. -3 with systemd's socket
   (both on descriptor 3) exits 100. Without this call server_bind always
   binds. */
void server_find_listener(const struct server_options *o);

/* Binds and listens on o's host and port, or takes the socket found by
   server_find_listener (host, port, -4, -6, -I and -b then unused). */
void server_bind(const struct server_options *o, struct bound *b);

/* Before server_drop, for the servers that reload on SIGHUP: as root,
   when -u, -g, -U or SSL_CHROOT will take privileges away, forks the key
   keeper (keeper.h) that reads the files for later reloads. */
void server_keep_keys(const struct server_options *o);

/* After server_tls_context: chroots (SSL_CHROOT), drops to -g/-u and
   with -1 prints the port. */
void server_drop(const struct server_options *o, const struct bound *b);

#endif
