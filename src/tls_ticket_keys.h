#ifndef TLS_TICKET_KEYS_H
#define TLS_TICKET_KEYS_H
/* Session-ticket keys from a file, so that several sslserver processes (and
   machines behind one load balancer) resume each other's sessions.

   The file holds one or more keys of 80 bytes each, nothing else: a 16-byte
   key name, a 32-byte HMAC-SHA256 secret, a 32-byte AES-256 key (the layout
   of nginx's 80-byte ticket key files; `openssl rand 80` makes one). The
   first key encrypts new tickets; every key decrypts, and a resumed client
   gets a new ticket (under the first key). Rotation: put a new key in
   front, keep the previous ones behind it for a ticket lifetime. */

#include <openssl/ssl.h>
#include <libowfat/stralloc.h>

/* Reads file and makes ctx use its keys. Returns 0 with a reason in err. */
int tls_ticket_keys_setup(SSL_CTX *ctx, const char *file, stralloc *err);

/* Re-reads ctx's key file if it changed since it was read. Returns 1 when
   nothing changed or the new keys are in use, 2 when new keys were read,
   0 with a reason in err when the new file is bad (the old keys stay). */
int tls_ticket_keys_refresh(SSL_CTX *ctx, stralloc *err);

/* Gives to OpenSSL's own random ticket keys of from, so that a context
   built anew (reload) still opens the tickets of the old one. */
void tls_ticket_keys_inherit(SSL_CTX *to, SSL_CTX *from);

#endif
