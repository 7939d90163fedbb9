/* Taking over a listening socket instead of binding one (see the header).
   sd_listen_fds(3) is re-done here in a few lines rather than linking
   libsystemd: compare LISTEN_PID with our pid, count LISTEN_FDS from 3. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libowfat/scan.h>

#include "ip_address.h"
#include "listen_inherit.h"
#include "log.h"

#define SD_FIRST_FD 3 /* SD_LISTEN_FDS_START */

/* 0 if fd is a listening SOCK_STREAM socket of AF_INET or AF_INET6, else
   why not */
static const char *not_listening_inet(int fd) {
  struct stat st;
  int v;
  socklen_t len;

  if (fstat(fd, &st) == -1) return errno == EBADF ? "not open" : strerror(errno);
  if (!S_ISSOCK(st.st_mode)) return "not a socket";
  len = sizeof v;
  if (getsockopt(fd, SOL_SOCKET, SO_DOMAIN, &v, &len) == -1) return strerror(errno);
  if (v != AF_INET && v != AF_INET6) return "not an IPv4 or IPv6 socket";
  len = sizeof v;
  if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &v, &len) == -1) return strerror(errno);
  if (v != SOCK_STREAM) return "not a stream socket";
  len = sizeof v;
  if (getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &v, &len) == -1) return strerror(errno);
  if (!v) return "not listening";
  return 0;
}

/* a decimal number and nothing else */
static int whole_number(const char *s, unsigned long *u) {
  size_t n = s ? scan_ulong(s, u) : 0;
  return n && !s[n];
}

enum listen_source listen_inherit_find(void) {
  unsigned long pid, fds;
  int ours = whole_number(getenv("LISTEN_PID"), &pid) && pid == (unsigned long)getpid();
  int fdsok = whole_number(getenv("LISTEN_FDS"), &fds);
  const char *why;

  /* never passed down, whoever they were meant for (read before: unsetenv
     may take the strings getenv gave) */
  unsetenv("LISTEN_PID");
  unsetenv("LISTEN_FDS");
  unsetenv("LISTEN_FDNAMES");

  if (ours) {
    if (!fdsok) log_fatal(111, "LISTEN_PID is ours but LISTEN_FDS is not a number", (char *)0);
    if (fds > 1)
      log_fatal(100, "LISTEN_FDS passes more than one socket; one listening socket per server",
                (char *)0);
    if (fds == 1) {
      if ((why = not_listening_inet(SD_FIRST_FD)))
        log_fatal(111, "LISTEN_FDS: descriptor 3 is not a listening TCP socket: ", why, (char *)0);
      /* the program started per connection must not hold the listener */
      if (fcntl(SD_FIRST_FD, F_SETFD, FD_CLOEXEC) == -1)
        log_fatal_sys(111, "unable to set close-on-exec on descriptor 3", (char *)0);
      return LISTEN_SYSTEMD;
    }
  }
  /* anything else on descriptor 0 (a terminal, /dev/null, a connection) is
     left alone, as before there was a way to pass a listener there */
  if (!not_listening_inet(0)) return LISTEN_STDIN;
  return LISTEN_BIND;
}

void listen_inherit_take(enum listen_source src, struct bound *out) {
  struct sockaddr_storage ss;
  socklen_t sslen = sizeof ss;
  int fd = SD_FIRST_FD, flags;

  if (src == LISTEN_STDIN) {
    int null;
    fd = fcntl(0, F_DUPFD_CLOEXEC, 3);
    if (fd == -1) log_fatal_sys(111, "unable to move the listening socket off descriptor 0", (char *)0);
    null = open("/dev/null", O_RDWR); /* above 0: the socket is still there */
    if (null == -1 || dup2(null, 0) == -1)
      log_fatal_sys(111, "unable to put /dev/null on descriptor 0", (char *)0);
    close(null);
  }
  /* taken as it comes; the servers' wait set makes it non-blocking for
     its own accept loop (wait_set_init) */
  flags = fcntl(fd, F_GETFL);
  if (flags != -1 && (flags & O_NONBLOCK)) fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
  if (getsockname(fd, (struct sockaddr *)&ss, &sslen) == -1)
    log_fatal_sys(111, "unable to get local address", (char *)0);
  ip_address_from_sockaddr(&ss, out->ip, &out->port, &out->scope);
  out->fd = fd;
}

const char *listen_inherit_name(enum listen_source src) {
  return src == LISTEN_SYSTEMD ? "LISTEN_FDS, descriptor 3" : "descriptor 0";
}
