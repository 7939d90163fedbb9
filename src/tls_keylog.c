/* The key log (see tls_keylog.h). Connection children inherit the
   listener's descriptor (close-on-exec: never the program's), and append
   a line with one write(2), so lines of concurrent children do not mix. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "tls_error.h"
#include "tls_keylog.h"

static int fd = -1;

static void write_line(const SSL *ssl, const char *line) {
  char buf[1024];
  size_t n = strlen(line);
  (void)ssl;
  if (n >= sizeof buf) return;
  memcpy(buf, line, n);
  buf[n++] = '\n';
  while (write(fd, buf, n) == -1 && errno == EINTR) {}
}

int tls_keylog_setup(SSL_CTX *ctx, const char *file, stralloc *err) {
  if (fd == -1) {
    fd = open(file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0600);
    if (fd == -1) {
      tls_error_set(err, "unable to open SSLKEYLOGFILE: ", file, strerror(errno));
      return 0;
    }
    log_warn("SSLKEYLOGFILE is set: writing the TLS secrets of every connection to ", file,
             (char *)0);
  }
  SSL_CTX_set_keylog_callback(ctx, write_line);
  return 1;
}
