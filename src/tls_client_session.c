/* Session reuse across sslclient runs through a file. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/pem.h>

#include <libowfat/stralloc.h>

#include "tls_client_session.h"

static const char *savefile;

/* written beside the file, then renamed over it: a reader never sees half */
static int new_session(SSL *ssl, SSL_SESSION *sess) {
  stralloc tmp = {0};
  BIO *b = 0;
  int fd = -1, ok = 0;
  (void)ssl;
  if (!savefile || !SSL_SESSION_is_resumable(sess)) return 0;
  if (!stralloc_copys(&tmp, savefile) || !stralloc_cats(&tmp, ".tmp") || !stralloc_0(&tmp)) goto done;
  fd = open(tmp.s, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd == -1) goto done;
  b = BIO_new_fd(fd, BIO_CLOSE);
  if (!b) goto done;
  fd = -1;
  ok = PEM_write_bio_SSL_SESSION(b, sess) == 1 && BIO_flush(b) == 1;
  BIO_free(b);
  if (ok && rename(tmp.s, savefile) == -1) ok = 0;
  if (!ok) unlink(tmp.s);
done:
  if (fd != -1) close(fd);
  stralloc_free(&tmp);
  ERR_clear_error();
  return 0; /* we did not keep a reference */
}

void tls_client_session_save_to(SSL_CTX *ctx, const char *file) {
  savefile = file;
  SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
  SSL_CTX_sess_set_new_cb(ctx, new_session);
}

void tls_client_session_offer(SSL *ssl, const char *file) {
  BIO *b = BIO_new_file(file, "r");
  SSL_SESSION *sess = b ? PEM_read_bio_SSL_SESSION(b, 0, 0, 0) : 0;
  BIO_free(b);
  if (sess && (time_t)(SSL_SESSION_get_time(sess) + SSL_SESSION_get_timeout(sess)) > time(0))
    SSL_set_session(ssl, sess);
  SSL_SESSION_free(sess);
  ERR_clear_error();
}
