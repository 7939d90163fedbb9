/* An ident query from the local address of the connection to port 113 of
   the client: "remoteport , localport", answered by
   "remoteport , localport : USERID : opsys : user". */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <libowfat/fmt.h>

#include "ip_address.h"
#include "remote_info.h"
#include "deadline.h"

static int parse(stralloc *out, const char *line, size_t len) {
  const char *p = line, *end = line + len;
  const char *colon1, *colon2, *colon3;
  colon1 = memchr(p, ':', (size_t)(end - p));
  if (!colon1) return 0;
  colon2 = memchr(colon1 + 1, ':', (size_t)(end - colon1 - 1));
  if (!colon2) return 0;
  /* the reply type between the first two colons must be USERID */
  for (p = colon1 + 1; p < colon2 && (*p == ' ' || *p == '\t'); ++p) {}
  if ((size_t)(colon2 - p) < 6 || memcmp(p, "USERID", 6)) return 0;
  colon3 = memchr(colon2 + 1, ':', (size_t)(end - colon2 - 1));
  if (!colon3) return 0;
  for (p = colon3 + 1; p < end && (*p == ' ' || *p == '\t'); ++p) {}
  while (end > p && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' ' || end[-1] == '\t'))
    --end;
  if (end == p) return 0;
  if (!stralloc_copyb(out, p, (size_t)(end - p))) return 0;
  return stralloc_0(out);
}

int remote_info(stralloc *out, const char remoteip[16], uint16 remoteport,
                const char localip[16], uint16 localport, uint32 scope,
                unsigned long seconds) {
  long long deadline = deadline_in(seconds);
  struct sockaddr_storage ss;
  socklen_t len;
  char query[2 * FMT_ULONG + 8];
  char reply[1024];
  size_t qlen = 0, got = 0;
  int fd, ok = 0, err;

  fd = socket(ip_address_is4(remoteip) ? AF_INET : AF_INET6,
              SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd == -1) return 0;
  len = ip_address_to_sockaddr(&ss, localip, 0, scope);
  if (bind(fd, (struct sockaddr *)&ss, len) == -1) goto done;
  len = ip_address_to_sockaddr(&ss, remoteip, 113, scope);
  if (connect(fd, (struct sockaddr *)&ss, len) == -1) {
    if (errno != EINPROGRESS) goto done;
    if (deadline_poll(fd, POLLOUT, deadline) != 1) goto done;
    len = sizeof err;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1 || err) goto done;
  }
  qlen += fmt_ulong(query + qlen, remoteport);
  memcpy(query + qlen, " , ", 3);
  qlen += 3;
  qlen += fmt_ulong(query + qlen, localport);
  memcpy(query + qlen, "\r\n", 2);
  qlen += 2;
  if (write(fd, query, qlen) != (ssize_t)qlen) goto done;
  while (got < sizeof reply) {
    ssize_t r;
    if (deadline_poll(fd, POLLIN, deadline) != 1) goto done;
    r = read(fd, reply + got, sizeof reply - got);
    if (r < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (r <= 0) break;
    got += (size_t)r;
    if (memchr(reply, '\n', got)) break;
  }
  {
    char *nl = memchr(reply, '\n', got);
    ok = parse(out, reply, nl ? (size_t)(nl - reply) : got);
  }
done:
  close(fd);
  return ok;
}
