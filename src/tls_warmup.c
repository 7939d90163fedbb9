/* A non-blocking client and server in one thread: each step runs both
   sides until neither can move. A bounded number of rounds; no waiting. */
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>

#include "tls_warmup.h"

static int step(SSL *ssl, int *done) {
  int r, e;
  if (*done) return 1;
  r = SSL_do_handshake(ssl);
  if (r == 1) return *done = 1;
  e = SSL_get_error(ssl, r);
  return e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE;
}

/* One handshake, offering *session when there is one; *session is then
   the client's newest session (0 when none came) */
static int handshake(SSL_CTX *server, SSL_CTX *client, SSL_SESSION **session) {
  SSL *s = 0, *c = 0;
  int fd[2], sdone = 0, cdone = 0, i, ok = 0;
  char byte;

  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fd) == -1) return 0;
  s = SSL_new(server);
  c = SSL_new(client);
  if (!s || !c || !SSL_set_fd(s, fd[0]) || !SSL_set_fd(c, fd[1])) goto out;
  if (*session && !SSL_set_session(c, *session)) goto out;
  SSL_set_accept_state(s);
  SSL_set_connect_state(c);
  for (i = 0; i < 20 && !(sdone && cdone); ++i)
    if (!step(c, &cdone) || !step(s, &sdone)) break;
  if (sdone && cdone) {
    /* the server's session tickets: the client reads them, as clients do */
    SSL_read(c, &byte, 1);
    SSL_shutdown(c); /* freed without it, the session would not resume */
    ok = 1;
  }
out:
  SSL_SESSION_free(*session);
  *session = ok ? SSL_get1_session(c) : 0;
  SSL_free(s);
  SSL_free(c);
  close(fd[0]);
  close(fd[1]);
  return ok;
}

int tls_warmup(SSL_CTX *server) {
  SSL_CTX *cctx = SSL_CTX_new(TLS_client_method());
  SSL_SESSION *session = 0;
  int ok = 0;

  if (cctx) {
    SSL_CTX_set_verify(cctx, SSL_VERIFY_NONE, 0);
    /* a full handshake, then a resumed one: each has algorithms of its own */
    ok = handshake(server, cctx, &session);
    if (ok && session && SSL_SESSION_is_resumable(session)) handshake(server, cctx, &session);
    SSL_SESSION_free(session);
  }
  SSL_CTX_free(cctx);
  ERR_clear_error();
  return ok;
}
