#ifndef TLS_CLIENT_SESSION_H
#define TLS_CLIENT_SESSION_H
/* sslclient's session file (SESSIONFILE): the session a server gave on one
   run, offered to it on the next, so that the handshake resumes. The file
   is PEM (as `openssl s_client -sess_out` writes it), mode 0600, replaced
   whole whenever the server sends a new session (TLS 1.3 sends tickets
   after the handshake, while data flows). It holds the session's master
   secret: keep it private. */

#include <openssl/ssl.h>

/* Makes ctx write every new session the server gives to file. */
void tls_client_session_save_to(SSL_CTX *ctx, const char *file);

/* Offers the session in file, if there is a usable one (a missing, bad or
   expired file just means a full handshake). */
void tls_client_session_offer(SSL *ssl, const char *file);

#endif
