/* libFuzzer target for the PROXY v1/v2 header reader: the parser on the
   bytes, its answer consistent over every prefix (a header found in a
   prefix is found the same in the whole), and proxy_read over a socket
   pair that delivers the bytes and then EOF. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "proxy_header.h"

static void over_socket(const uint8_t *data, size_t size) {
  struct proxy_reader r;
  struct proxy_header h;
  const char *why = 0;
  int fd[2];
  enum proxy_status st;
  if (size > 65536) return;
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, fd) == -1) abort();
  if (size && write(fd[1], data, size) != (ssize_t)size) abort();
  shutdown(fd[1], SHUT_WR);
  memset(&r, 0, sizeof r);
  do st = proxy_read(&r, fd[0], &h, &why);
  while (st == PROXY_AGAIN && r.have < size);
  if (st == PROXY_DONE && (h.version < 1 || h.version > 2)) abort();
  close(fd[0]);
  close(fd[1]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  struct proxy_header h, hp;
  const char *why = 0;
  long whole = proxy_header_parse(data, size, &h, &why), part;
  size_t i;
  if (whole > (long)size || whole > PROXY_HEADER_MAX) abort();
  if (whole < 0 && !why) abort();
  for (i = 0; i < size && i < PROXY_HEADER_MAX + 2; ++i) {
    part = proxy_header_parse(data, i, &hp, &why);
    if (part > 0 && (part != whole || memcmp(&hp, &h, sizeof h))) abort();
  }
  proxy_header_signature(data, size);
  over_socket(data, size);
  return 0;
}
