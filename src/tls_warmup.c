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

int tls_warmup(SSL_CTX *server) {
  SSL_CTX *cctx = 0;
  SSL *s = 0, *c = 0;
  int fd[2], sdone = 0, cdone = 0, i, ok = 0;
  char byte;

  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fd) == -1) return 0;
  cctx = SSL_CTX_new(TLS_client_method());
  if (!cctx) goto out;
  SSL_CTX_set_verify(cctx, SSL_VERIFY_NONE, 0);
  s = SSL_new(server);
  c = SSL_new(cctx);
  if (!s || !c || !SSL_set_fd(s, fd[0]) || !SSL_set_fd(c, fd[1])) goto out;
  SSL_set_accept_state(s);
  SSL_set_connect_state(c);
  for (i = 0; i < 20 && !(sdone && cdone); ++i)
    if (!step(c, &cdone) || !step(s, &sdone)) break;
  if (sdone && cdone) {
    /* the server's session tickets: the client reads them, as clients do */
    SSL_read(c, &byte, 1);
    ok = 1;
  }
out:
  SSL_free(s);
  SSL_free(c);
  SSL_CTX_free(cctx);
  close(fd[0]);
  close(fd[1]);
  ERR_clear_error();
  return ok;
}
