/* hostile: the slow-client attack of make bench's "hostile" row. Holds -s
   silent and -d slow-drip TCP connections from -B source to a loopback
   server for at most -t seconds, or until stdin reaches EOF. A silent
   connection never sends a byte; a slow-drip one sends the start of a TLS
   ClientHello record, one byte every -i seconds, and never its last byte.
   A connection the server closes, or that fails, is opened again a second
   later, so the attack keeps its size whatever the server does.

   Prints one JSON line once every connection has been tried (all open, or
   -w seconds passed), then one at the end: how many were open (sampled
   every second after the first line), opened, closed by the server.
   Loopback only: it refuses any other source or target address. */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "netaddr.h"

#define MAXCONNS 20000
#define MAXSECONDS 600
#define REOPEN_S 1.0

enum state { C_WAIT, C_CONNECTING, C_OPEN };

struct conn {
  int fd;
  int drip;           /* a slow-drip connection, else silent */
  enum state st;
  size_t sent;        /* bytes of the record sent */
  double at;          /* C_WAIT: when to open; C_OPEN drip: next byte */
};

static struct sockaddr_storage target, source;
static socklen_t targetlen, sourcelen;
static struct conn *conns;
static unsigned long nconns, ndrip = 1000, nsilent = 1000;
static double interval = 2, seconds = 60, readywait = 3;
static int ep;

/* results */
static unsigned long opened, closed, failed, open_now, dripped;
static unsigned long samples, open_min = (unsigned long)-1, open_max;
static double open_sum;

/* A ClientHello record header (TLS 1.0 record version, 512 bytes), then
   its handshake header and version; the rest of the body is zeros. */
static const unsigned char record_start[] = {0x16, 0x03, 0x01, 0x02, 0x00,
                                             0x01, 0x00, 0x01, 0xfc, 0x03, 0x03};
#define RECORD_LEN (5 + 512)

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void usage(void) {
  fprintf(stderr, "usage: hostile [-a host] -p port [-B source] [-s silent] [-d drip]"
                  " [-i seconds] [-t seconds] [-w seconds]\n");
  exit(100);
}

static void fatal(const char *what) {
  fprintf(stderr, "hostile: fatal: %s: %s\n", what, strerror(errno));
  exit(111);
}

static int loopback(const struct sockaddr_storage *a) {
  if (a->ss_family == AF_INET)
    return (ntohl(((const struct sockaddr_in *)a)->sin_addr.s_addr) >> 24) == 127;
  if (a->ss_family == AF_INET6)
    return !memcmp(&((const struct sockaddr_in6 *)a)->sin6_addr, &in6addr_loopback,
                   sizeof in6addr_loopback);
  return 0;
}

static void resolve(const char *host, const char *port, struct sockaddr_storage *a,
                    socklen_t *len) {
  netaddr("hostile", host, port, a, len);
  if (!loopback(a)) {
    fprintf(stderr, "hostile: fatal: %s is not a loopback address\n", host);
    exit(100);
  }
}

/* closes with a reset (no TIME_WAIT) and opens again REOPEN_S later */
static void drop(struct conn *c, int by_server) {
  struct linger l = {1, 0};
  if (c->st == C_OPEN) --open_now;
  if (by_server) ++closed;
  else ++failed;
  setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
  close(c->fd);
  c->fd = -1;
  c->st = C_WAIT;
  c->at = now() + REOPEN_S;
}

static void open_conn(struct conn *c) {
  struct epoll_event e;
  c->fd = socket(target.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (c->fd == -1) fatal("socket");
  if (bind(c->fd, (struct sockaddr *)&source, sourcelen) == -1) fatal("bind");
  c->st = C_CONNECTING;
  c->sent = 0;
  ++opened;
  e.events = EPOLLOUT;
  e.data.ptr = c;
  if (epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &e) == -1) fatal("epoll_ctl");
  if (connect(c->fd, (struct sockaddr *)&target, targetlen) == -1 && errno != EINPROGRESS)
    drop(c, 0);
}

/* the connection is established: watch for the server closing it, and
   start dripping at a random point of the first interval */
static void established(struct conn *c) {
  struct epoll_event e;
  e.events = EPOLLIN | EPOLLRDHUP;
  e.data.ptr = c;
  if (epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &e) == -1) fatal("epoll_ctl");
  c->st = C_OPEN;
  c->at = now() + interval * (double)rand() / RAND_MAX;
  if (++open_now > open_max) open_max = open_now;
}

static void event(struct conn *c, unsigned ev) {
  char buf[4096];
  if (c->st == C_CONNECTING) {
    int err = 0;
    socklen_t len = sizeof err;
    getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err) drop(c, 0);
    else established(c);
    return;
  }
  if (c->st != C_OPEN) return;
  if (ev & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
    ssize_t n = read(c->fd, buf, sizeof buf);
    if (n > 0 && !(ev & (EPOLLRDHUP | EPOLLHUP | EPOLLERR))) return; /* an alert: ignored */
    if (n < 0 && errno == EAGAIN) return;
    drop(c, 1);
  }
}

/* one byte for each slow-drip connection whose time came; reopens */
static void tick(double t) {
  unsigned long i;
  for (i = 0; i < nconns; ++i) {
    struct conn *c = &conns[i];
    if (c->st == C_WAIT && t >= c->at) open_conn(c);
    else if (c->st == C_OPEN && c->drip && t >= c->at && c->sent < RECORD_LEN - 1) {
      unsigned char b = c->sent < sizeof record_start ? record_start[c->sent] : 0;
      if (write(c->fd, &b, 1) == 1) {
        ++c->sent;
        ++dripped;
      } else if (errno != EAGAIN) {
        drop(c, 1);
        continue;
      }
      c->at += interval;
    }
  }
}

static void sample(void) {
  ++samples;
  open_sum += (double)open_now;
  if (open_now < open_min) open_min = open_now;
}

static void report_end(double t0) {
  printf("{\"silent\":%lu,\"drip\":%lu,\"seconds\":%.1f,\"open_mean\":%.1f,\"open_min\":%lu,"
         "\"open_max\":%lu,\"opened\":%lu,\"closed_by_server\":%lu,\"failed\":%lu,"
         "\"bytes_dripped\":%lu}\n",
         nsilent, ndrip, now() - t0, samples ? open_sum / (double)samples : (double)open_now,
         samples ? open_min : open_now, open_max, opened, closed, failed, dripped);
  fflush(stdout);
}

static void limits(void) {
  struct rlimit rl;
  rlim_t need = nconns + 64;
  if (getrlimit(RLIMIT_NOFILE, &rl) == -1) fatal("getrlimit");
  if (rl.rlim_cur >= need) return;
  if (rl.rlim_max < need) {
    fprintf(stderr, "hostile: fatal: %lu connections need %lu descriptors, the hard limit is %lu\n",
            nconns, (unsigned long)need, (unsigned long)rl.rlim_max);
    exit(111);
  }
  rl.rlim_cur = need;
  if (setrlimit(RLIMIT_NOFILE, &rl) == -1) fatal("setrlimit");
}

static void run(void) {
  struct epoll_event evs[256];
  struct pollfd in = {0, POLLIN, 0};
  double t0 = now(), end = t0 + seconds, next_sample = 0;
  int ready = 0;
  unsigned long i;
  for (i = 0; i < nconns; ++i) open_conn(&conns[i]);
  while (now() < end) {
    int n = epoll_wait(ep, evs, 256, 50), k;
    double t = now();
    if (n < 0 && errno != EINTR) fatal("epoll_wait");
    for (k = 0; k < n; ++k) event(evs[k].data.ptr, evs[k].events);
    tick(t);
    if (!ready && (open_now == nconns || t >= t0 + readywait)) {
      ready = 1;
      next_sample = t + 1;
      printf("{\"ready\":1,\"open\":%lu,\"of\":%lu,\"seconds\":%.2f}\n", open_now, nconns, t - t0);
      fflush(stdout);
    }
    if (ready && t >= next_sample) {
      sample();
      next_sample += 1;
    }
    if (poll(&in, 1, 0) > 0) {
      char c[64];
      if (read(0, c, sizeof c) <= 0) break;
    }
  }
  report_end(t0);
  for (i = 0; i < nconns; ++i)
    if (conns[i].st != C_WAIT) drop(&conns[i], 0);
}

int main(int argc, char **argv) {
  const char *host = "127.0.0.1", *port = 0, *src = "127.0.0.2";
  unsigned long i;
  int opt;
  while ((opt = getopt(argc, argv, "a:p:B:s:d:i:t:w:")) != -1) switch (opt) {
      case 'a': host = optarg; break;
      case 'p': port = optarg; break;
      case 'B': src = optarg; break;
      case 's': nsilent = strtoul(optarg, 0, 10); break;
      case 'd': ndrip = strtoul(optarg, 0, 10); break;
      case 'i': interval = atof(optarg); break;
      case 't': seconds = atof(optarg); break;
      case 'w': readywait = atof(optarg); break;
      default: usage();
    }
  nconns = nsilent + ndrip;
  if (!port || !nconns || nconns > MAXCONNS || interval < 0.05 || seconds <= 0 ||
      seconds > MAXSECONDS || readywait < 0)
    usage();
  resolve(host, port, &target, &targetlen);
  resolve(src, "0", &source, &sourcelen);
  if (source.ss_family != target.ss_family) usage();
  limits();
  signal(SIGPIPE, SIG_IGN);
  srand((unsigned)getpid());
  ep = epoll_create1(EPOLL_CLOEXEC);
  if (ep == -1) fatal("epoll_create1");
  conns = calloc(nconns, sizeof *conns);
  if (!conns) fatal("calloc");
  /* the two kinds interleaved, so that a server's first slots get both */
  for (i = 0; i < nconns; ++i) {
    conns[i].fd = -1;
    conns[i].drip = (i + 1) * ndrip / nconns > i * ndrip / nconns;
  }
  run();
  return 0;
}
