/* The wait set: a fixed table of entries, two lists in it (waiting, in
   accept order, which is also deadline order since every deadline is -T
   from accept; ready, in the order they became ready), and chains by
   client address for MAXWAITIP. The sockets are edge-triggered in epoll:
   a connection that sent half a record is woken again only by more bytes,
   never spun on. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <libowfat/fmt.h>

#include "conn_proxy.h"
#include "conn_rules.h"
#include "conn_serve.h"
#include "deadline.h"
#include "log.h"
#include "proxy_header.h"
#include "tls_hello.h"
#include "wait_set.h"

#define NIL 0xffffffffu
#define LISTENER (~0ull)
#define OTHER (~1ull)

struct entry {
  int fd;                   /* -1: free */
  int formatted, proxy, ready, keyed;
  unsigned gen;             /* tells a stale epoll event from the entry's */
  unsigned long long seq;   /* accept order */
  long long deadline;
  unsigned prev, next;      /* in the waiting or the ready list; free list */
  unsigned hnext;           /* chain of its address */
  struct proxy_reader *r;   /* while the header is due */
  struct conn c;
};
struct list {
  unsigned head, tail;
  unsigned long n;
};

static const struct server_options *O;
static struct entry *ent;
static unsigned *bucket, nbucket, freehead = NIL;
static struct list waiting, readyq;
static unsigned long long seq;
static int ep = -1, listenfd = -1;
static struct rlimit started_with;
static unsigned char peek[TLS_HELLO_MAX];

/* ------------------------------------------------------------- lists */

static void list_push(struct list *l, unsigned i) {
  ent[i].prev = l->tail;
  ent[i].next = NIL;
  if (l->tail != NIL) ent[l->tail].next = i;
  else l->head = i;
  l->tail = i;
  ++l->n;
}

static void list_cut(struct list *l, unsigned i) {
  if (ent[i].prev != NIL) ent[ent[i].prev].next = ent[i].next;
  else l->head = ent[i].next;
  if (ent[i].next != NIL) ent[ent[i].next].prev = ent[i].prev;
  else l->tail = ent[i].prev;
  --l->n;
}

static unsigned *chain(const char ip[16]) {
  unsigned h = 2166136261u, k;
  for (k = 0; k < 16; ++k) h = (h ^ (unsigned char)ip[k]) * 16777619u;
  return bucket + (h & (nbucket - 1));
}

static void key(unsigned i) {
  unsigned *b = chain(ent[i].c.remoteip);
  ent[i].hnext = *b;
  *b = i;
  ent[i].keyed = 1;
}

static void unkey(unsigned i) {
  unsigned *p = chain(ent[i].c.remoteip);
  if (!ent[i].keyed) return;
  while (*p != i) p = &ent[*p].hnext;
  *p = ent[i].hnext;
  ent[i].keyed = 0;
}

/* takes entry i out of everything; returns its socket */
static int release(unsigned i) {
  struct entry *e = ent + i;
  int fd = e->fd;
  unkey(i);
  list_cut(e->ready ? &readyq : &waiting, i);
  free(e->r);
  e->r = 0;
  e->fd = -1;
  e->next = freehead;
  freehead = i;
  return fd;
}

static void drop(unsigned i) { close(release(i)); }

static void drop_logged(unsigned i, const char *why, unsigned long n) {
  char ip[IP_ADDRESS_FMT], m[FMT_ULONG];
  ip_address_fmt(ip, ent[i].c.remoteip);
  m[fmt_ulong(m, n)] = 0;
  log_warn(why, m, "), closed the oldest, from: ", ip, (char *)0);
  drop(i);
}

/* ----------------------------------------------------------- bounds */

/* the oldest of those from ip not yet ready (else the oldest ready), when
   ip has maxip; NIL when it has room */
static unsigned over_ip(const char ip[16]) {
  unsigned i, old = NIL;
  unsigned long n = 0;
  if (!O->maxwaitip) return NIL;
  for (i = *chain(ip); i != NIL; i = ent[i].hnext) {
    if (memcmp(ent[i].c.remoteip, ip, 16)) continue;
    ++n;
    if (old == NIL || ent[i].ready < ent[old].ready ||
        (ent[i].ready == ent[old].ready && ent[i].seq < ent[old].seq))
      old = i;
  }
  return n >= O->maxwaitip ? old : NIL;
}

/* entry i's client address is known: counted under it, within MAXWAITIP */
static void make_room_ip(unsigned i) {
  unsigned old = over_ip(ent[i].c.remoteip);
  if (old != NIL)
    drop_logged(old, "too many connections waiting from one address (MAXWAITIP ", O->maxwaitip);
  key(i);
}

static void expire(void) {
  long long now = deadline_now();
  while (waiting.head != NIL && ent[waiting.head].deadline <= now) {
    unsigned i = waiting.head;
    if (ent[i].proxy) conn_proxy_log(&ent[i].c, PROXY_BAD, "timed out");
    else if (log_verbosity >= 1) {
      char ip[IP_ADDRESS_FMT];
      ip_address_fmt(ip, ent[i].c.remoteip);
      log_warn("no TLS ClientHello within -T, closed: ", ip, (char *)0);
    }
    drop(i);
  }
}

/* ------------------------------------------------------------ progress */

static void become_ready(unsigned i) {
  list_cut(&waiting, i);
  ent[i].ready = 1;
  list_push(&readyq, i);
  epoll_ctl(ep, EPOLL_CTL_DEL, ent[i].fd, 0);
}

/* reads the header if one is due, peeks at the ClientHello: as far as the
   bytes there allow */
static void advance(unsigned i) {
  struct entry *e = ent + i;
  ssize_t got;
  if (e->proxy) {
    struct proxy_header h;
    const char *reason = "";
    enum proxy_status ps = proxy_read(e->r, e->fd, &h, &reason);
    if (ps == PROXY_AGAIN) return;
    if (ps != PROXY_DONE) {
      conn_proxy_log(&e->c, ps, reason);
      drop(i);
      return;
    }
    conn_proxy_apply(&e->c, &h);
    e->proxy = 0;
    free(e->r);
    e->r = 0;
    make_room_ip(i); /* the client's address is known now */
  }
  if (!O->sslwait) { /* with -n the program speaks first: nothing to wait for */
    do got = recv(e->fd, peek, sizeof peek, MSG_PEEK);
    while (got < 0 && errno == EINTR);
    if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    if (got <= 0) { /* closed or reset before the record was whole: no fork for it */
      char ip[IP_ADDRESS_FMT];
      ip_address_fmt(ip, e->c.remoteip);
      log_status("closed before its ClientHello by: ", ip, (char *)0);
      drop(i);
      return;
    }
    if (tls_hello_check(peek, (size_t)got) == TLS_HELLO_MORE) return;
  }
  become_ready(i);
}

static void add(int t, const struct conn *c, int formatted, int proxy) {
  struct epoll_event ev;
  struct entry *e;
  unsigned i;
  if (waiting.n + readyq.n >= O->maxwait)
    drop_logged(waiting.head != NIL ? waiting.head : readyq.head,
                "too many connections waiting (MAXWAIT ", O->maxwait);
  i = freehead;
  e = ent + i;
  freehead = e->next;
  e->fd = t;
  e->c = *c;
  e->formatted = formatted;
  e->proxy = proxy;
  e->ready = e->keyed = 0;
  ++e->gen;
  e->seq = ++seq;
  e->deadline = deadline_in(O->tlstimeout);
  list_push(&waiting, i);
  if (proxy) {
    e->r = calloc(1, sizeof *e->r);
    if (!e->r) log_nomem();
  } else
    make_room_ip(i);
  ev.events = EPOLLIN | EPOLLRDHUP | EPOLLET;
  ev.data.u64 = (unsigned long long)e->gen << 32 | i;
  if (epoll_ctl(ep, EPOLL_CTL_ADD, t, &ev) == -1) {
    log_warn("unable to wait for a connection: ", strerror(errno), (char *)0);
    drop(i);
    return;
  }
  advance(i); /* with TCP_DEFER_ACCEPT, usually all there already */
}

/* a connection just accepted: the rules may ask its address for a
   header (looked up again at admission: the header changes the client) */
static void accepted(int t, const struct sockaddr_storage *ss) {
  static struct rules_state rs;
  struct conn c;
  int want = O->proxyproto;
  memset(&c, 0, sizeof c);
  ip_address_from_sockaddr(ss, c.remoteip, &c.remoteport, &c.scope);
  rs.formatted = rs.y.done = rs.x.done = rs.rated = 0;
  if ((O->fniprules || O->fnrules) && conn_serve_local(t, &c)) {
    rs.formatted = 1;
    want = conn_rules_proxy(O, &c, &rs);
  }
  add(t, &c, rs.formatted, want);
}

void wait_set_accept(void) {
  int k;
  for (k = 0; k < 64; ++k) {
    struct sockaddr_storage ss;
    socklen_t sslen = sizeof ss;
    int t = accept4(listenfd, (struct sockaddr *)&ss, &sslen, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (t >= 0) {
      accepted(t, &ss);
      continue;
    }
    if (errno == EINTR || errno == ECONNABORTED) continue;
    if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
      poll(0, 0, 100); /* out of descriptors: do not spin */
    return;
  }
}

void wait_set_watch(int fd) {
  struct epoll_event ev;
  ev.events = EPOLLIN;
  ev.data.u64 = OTHER;
  if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) == -1) log_fatal_sys(111, "unable to watch a descriptor", (char *)0);
}

/* -v: the line when the number not yet ready has changed, at most once a
   second (so a connection that comes with its ClientHello adds none) */
static void wait_set_status(void);
static long long status_last;
static unsigned long status_n;

static void status_due(void) {
  if (log_verbosity < 2 || waiting.n == status_n || deadline_now() - status_last < 1000) return;
  status_n = waiting.n;
  status_last = deadline_now();
  wait_set_status();
}

int wait_set_wait(const sigset_t *mask, int max_ms) {
  struct epoll_event ev[64];
  int timeout = max_ms, n, k, got = 0;
  long long left = -1;
  if (waiting.head != NIL) left = ent[waiting.head].deadline - deadline_now();
  if (log_verbosity >= 2 && waiting.n != status_n) { /* a line to come */
    long long l = status_last + 1000 - deadline_now();
    if (left < 0 || l < left) left = l;
  }
  if (waiting.head != NIL || (log_verbosity >= 2 && waiting.n != status_n)) {
    left = left < 0 ? 0 : left > INT_MAX ? INT_MAX : left;
    if (timeout < 0 || left < timeout) timeout = (int)left;
  }
  n = epoll_pwait(ep, ev, 64, timeout, mask); /* the caller's signals run in here */
  for (k = 0; k < n; ++k) {
    unsigned long long d = ev[k].data.u64;
    unsigned i = (unsigned)d;
    if (d == LISTENER) got |= WAIT_LISTENER;
    else if (d == OTHER) got |= WAIT_OTHER;
    else if (ent[i].fd >= 0 && ent[i].gen == (unsigned)(d >> 32) && !ent[i].ready) advance(i);
  }
  expire();
  status_due();
  return got;
}

int wait_set_take(struct conn *c, int *formatted) {
  unsigned i = readyq.head;
  if (i == NIL) return -1;
  *c = ent[i].c;
  *formatted = ent[i].formatted;
  return release(i);
}

void wait_set_close_all(void) {
  unsigned i;
  for (i = 0; i < O->maxwait; ++i)
    if (ent[i].fd >= 0) close(ent[i].fd);
  close(ep);
  setrlimit(RLIMIT_NOFILE, &started_with); /* the program gets what we got */
}


static void wait_set_status(void) {
  char n[FMT_ULONG], m[FMT_ULONG], p[FMT_ULONG], r[FMT_ULONG];
  if (log_verbosity < 2) return;
  n[fmt_ulong(n, waiting.n + readyq.n)] = 0;
  m[fmt_ulong(m, O->maxwait)] = 0;
  p[fmt_ulong(p, O->maxwaitip)] = 0;
  r[fmt_ulong(r, readyq.n)] = 0;
  log_line("waiting ", n, "/", m, "/", p, " ready ", r, (char *)0);
}

/* ------------------------------------------------------------- start */

/* every connection needs a descriptor while it waits */
static void descriptors(void) {
  struct rlimit rl;
  char have[FMT_ULONG], m[FMT_ULONG];
  getrlimit(RLIMIT_NOFILE, &started_with);
  rl = started_with;
  rl.rlim_cur = rl.rlim_max;
  if (rl.rlim_cur != started_with.rlim_cur) setrlimit(RLIMIT_NOFILE, &rl);
  getrlimit(RLIMIT_NOFILE, &rl);
  if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < O->maxwait + 32) {
    have[fmt_ulong(have, (unsigned long)rl.rlim_cur)] = 0;
    m[fmt_ulong(m, O->maxwait)] = 0;
    log_warn("a descriptor limit of ", have, " cannot hold MAXWAIT ", m,
             " waiting connections: raise ulimit -n", (char *)0);
  }
}

void wait_set_init(const struct server_options *o, int lfd) {
  struct epoll_event ev;
  unsigned i;
  O = o;
  listenfd = lfd;
  fcntl(listenfd, F_SETFL, fcntl(listenfd, F_GETFL) | O_NONBLOCK); /* wait_set_accept */
  descriptors();
  /* the kernel holds a connection that has sent nothing (the client
     speaks first, or its balancer does) */
  if (!o->sslwait || o->proxyproto) {
    int secs = o->tlstimeout > INT_MAX ? INT_MAX : (int)o->tlstimeout;
    setsockopt(listenfd, IPPROTO_TCP, TCP_DEFER_ACCEPT, &secs, sizeof secs);
  }
  ent = calloc(o->maxwait, sizeof *ent);
  for (nbucket = 16; nbucket < o->maxwait; nbucket <<= 1) {}
  bucket = malloc(nbucket * sizeof *bucket);
  if (!ent || !bucket) log_nomem();
  memset(bucket, 0xff, nbucket * sizeof *bucket);
  for (i = o->maxwait; i-- > 0;) {
    ent[i].fd = -1;
    ent[i].next = freehead;
    freehead = i;
  }
  waiting.head = waiting.tail = readyq.head = readyq.tail = NIL;
  ep = epoll_create1(EPOLL_CLOEXEC);
  if (ep == -1) log_fatal_sys(111, "unable to create an epoll set", (char *)0);
  ev.events = EPOLLIN;
  ev.data.u64 = LISTENER;
  if (epoll_ctl(ep, EPOLL_CTL_ADD, listenfd, &ev) == -1)
    log_fatal_sys(111, "unable to watch the listening socket", (char *)0);
}
