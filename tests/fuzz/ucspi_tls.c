/* libFuzzer target for the clear-text phase of sslserver -n: what the
   program sends on the control socket (SSLCTLFD) and what the client sends
   before TLS (the STARTTLS line scanner, the injection check, the hello
   gate). Input: a byte n, a byte m, n control bytes, m bytes of program
   output, then the client's bytes; every sender then closes its end, so
   the relay must end by itself. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fuzz_nosigpipe.h"
#include "ucspi_tls.h"

static void put(int fd, const uint8_t *b, size_t n) {
  if (n && write(fd, b, n) != (ssize_t)n) abort();
}

static void drain(int fd) {
  char buf[4096];
  while (read(fd, buf, sizeof buf) > 0) {}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct ucspi_tls_plain p;
  int sp[2], cp[2], tp[2], fp[2];
  const char *reason = 0;
  enum ucspi_tls_result r;
  size_t n, m;
  if (size < 2 || size > 8192) return 0;
  n = data[0];
  m = data[1];
  if (2 + n + m > size) return 0;
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sp) == -1 ||
      socketpair(AF_UNIX, SOCK_STREAM, 0, cp) == -1 || pipe(tp) == -1 || pipe(fp) == -1)
    abort();
  put(cp[1], data + 2, n);
  close(cp[1]);
  put(fp[1], data + 2 + n, m);
  close(fp[1]);
  put(sp[1], data + 2 + n + m, size - 2 - n - m);
  shutdown(sp[1], SHUT_WR);
  memset(&p, 0, sizeof p);
  p.sock = sp[0];
  p.to_prog = tp[1];
  p.from_prog = fp[0];
  p.ctl = cp[0];
  p.idle = 1; /* a client that waits for nothing ends by -w */
  p.banner = "220 fuzz\r\n";
  p.bannerlen = 10;
  r = ucspi_tls_plain_relay(&p, &reason);
  if (r > UCSPI_TLS_ERROR || !reason) abort();
  if (p.to_prog != -1 || p.from_prog != -1) abort(); /* closed, as promised */
  drain(tp[0]);
  close(tp[0]);
  close(sp[0]);
  close(sp[1]);
  close(cp[0]);
  return 0;
}
