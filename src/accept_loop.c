/* The accept loop of a forking server. SIGCHLD is blocked except while the
   listener waits in accept(), ppoll() or sigsuspend(), so the reaper never
   interrupts the child table or a log line.

   PROXY protocol: a connection that must start with a header waits in a
   small pending set, polled with the listening socket, until its header
   is complete (then it goes the way of a direct connection, for the
   client the header names), or refused, or -T has passed since accept. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libowfat/fmt.h>

#include "accept_loop.h"
#include "conn_limits.h"
#include "conn_proxy.h"
#include "conn_rate.h"
#include "deadline.h"
#include "ip_address.h"
#include "log.h"
#include "server_setup.h"
#include "tls_context.h"
#include "tls_reload.h"
#include "tls_warmup.h"

static const struct server_options *O;

static void status(void) {
  char n[FMT_ULONG], l[FMT_ULONG], m[FMT_ULONG];
  if (log_verbosity < 2) return;
  n[fmt_ulong(n, conn_limits_count())] = 0;
  l[fmt_ulong(l, O->limit)] = 0;
  m[fmt_ulong(m, O->maxconip)] = 0;
  log_line("status ", n, "/", l, "/", m, (char *)0);
}

static void reap(int sig) {
  int wstat, saved = errno;
  pid_t pid;
  (void)sig;
  while ((pid = waitpid(-1, &wstat, WNOHANG)) > 0)
    if (conn_limits_remove(pid)) {
      char p[FMT_ULONG], w[FMT_ULONG];
      p[fmt_ulong(p, (unsigned long)pid)] = 0;
      w[fmt_ulong(w, (unsigned long)wstat)] = 0;
      log_status("ended by ", p, " status ", w, (char *)0);
      status();
    }
  errno = saved;
}

static void terminate(int sig) {
  (void)sig;
  _exit(0);
}

/* Rules the listener can decide alone are looked up before fork, so a
   denied connection costs no process: -y always (the address is all it
   needs), -x when no name is looked up first (-H -R) and the deny line
   needs no local name lookup (-l, or no -v). The log lines are the
   child's, with the listener's pid. Returns 0 to go on with a child. */
static int listener_rules(int t, struct conn *c, unsigned long ipcount, int early_x,
                          struct rules_state *st) {
  struct verdict v = {0};
  char pidstr[FMT_ULONG];
  int d;
  if (!st->formatted) {
    if (!conn_serve_local(t, c)) return 0; /* the child reports it */
    st->formatted = 1;
  }
  c->localhost = O->localname;
  d = conn_rules_decide(O, c, ipcount, early_x, st, &v);
  if (!d) return 0;
  if (d > 0) {
    pidstr[fmt_ulong(pidstr, (unsigned long)getpid())] = 0;
    log_status("pid ", pidstr, " from ", c->remoteipstr, c->proxied ? " via " : "",
               c->proxied ? c->proxyipstr : "", (char *)0);
    conn_rules_log(c, pidstr, d, v.maxconip);
    log_status("ended by ", pidstr, " status 25600", (char *)0); /* as a child's exit 100 */
  }
  return 1;
}

static struct conn_server *S;
static int listenfd, early_x;
static struct sigaction sa;
static sigset_t blocked_chld, unblocked;

/* -------------------------------------------------- PROXY header pending */

/* At most this many connections wait for their header; when one more
   comes, the one waiting longest is dropped. A header that arrives with
   the connection (the usual case) is read at accept and never waits. */
#define PENDING_MAX 64

struct pending {
  int fd, formatted;
  long long deadline; /* -T from accept */
  struct conn c;
  struct proxy_reader r;
};
static struct pending *pend;
static unsigned npend;

/* takes entry i out of the set; returns its socket */
static int pending_remove(unsigned i) {
  int fd = pend[i].fd;
  --npend;
  memmove(pend + i, pend + i + 1, (npend - i) * sizeof *pend);
  return fd;
}

static void pending_drop(unsigned i) { close(pending_remove(i)); }

static void admit(int t, struct conn *c, struct rules_state *rs);
static void accepted(int t, const struct sockaddr_storage *ss);
static void accept_failed(void);

/* reads what the socket has; a complete header admits the connection */
static void pending_read(unsigned i) {
  static struct rules_state rs;
  struct proxy_header h;
  struct conn c;
  const char *reason = "";
  enum proxy_status ps = proxy_read(&pend[i].r, pend[i].fd, &h, &reason);
  int t;
  if (ps == PROXY_AGAIN) return;
  if (ps != PROXY_DONE) {
    conn_proxy_log(&pend[i].c, ps, reason);
    pending_drop(i);
    return;
  }
  /* out of the set first: admit forks, and the child closes the set */
  c = pend[i].c;
  rs.formatted = pend[i].formatted;
  t = pending_remove(i);
  conn_proxy_apply(&c, &h);
  rs.y.done = rs.x.done = rs.rated = 0; /* the balancer's rules are not the client's */
  admit(t, &c, &rs);
}

static void pending_add(int t, const struct conn *c, int formatted) {
  struct pending *p;
  if (!pend && !(pend = calloc(PENDING_MAX, sizeof *pend))) log_nomem();
  if (npend == PENDING_MAX) {
    conn_proxy_log(&pend[0].c, PROXY_BAD, "dropped, too many headers pending");
    pending_drop(0);
  }
  p = pend + npend++;
  p->fd = t;
  p->formatted = formatted;
  p->c = *c;
  p->deadline = deadline_in(O->tlstimeout);
  memset(&p->r, 0, sizeof p->r);
  pending_read(npend - 1);
}

/* waits for the listening socket (unless full: the -c limit is reached)
   and the pending headers, then reads the headers and drops the late */
static void pending_poll(int full) {
  static struct pollfd pfd[PENDING_MAX + 1];
  struct timespec ts, *tsp = 0;
  long long now, first = 0;
  unsigned i, n = npend;
  int r;

  pfd[0].fd = full ? -1 : listenfd;
  pfd[0].events = POLLIN;
  for (i = 0; i < n; ++i) {
    /* at the limit no header is read: it could not be served */
    pfd[i + 1].fd = full ? -1 : pend[i].fd;
    pfd[i + 1].events = POLLIN;
    pfd[i + 1].revents = 0;
    if (!i || pend[i].deadline < first) first = pend[i].deadline;
  }
  if (n) {
    long long left = first - deadline_now();
    if (left < 0) left = 0;
    ts.tv_sec = (time_t)(left / 1000);
    ts.tv_nsec = (long)(left % 1000) * 1000000;
    tsp = &ts;
  }
  pfd[0].revents = 0;
  r = ppoll(pfd, n + 1, tsp, &unblocked); /* the reaper and SIGHUP run in here */
  if (r < 0) return;
  /* from the end, so that a connection leaving the set moves none not yet
     seen; each one admitted may bring the -c limit */
  for (i = n; i-- > 0;)
    if (pfd[i + 1].revents && conn_limits_count() < O->limit) pending_read(i);
  now = deadline_now();
  for (i = npend; i-- > 0;)
    if (pend[i].deadline <= now) {
      conn_proxy_log(&pend[i].c, PROXY_BAD, "timed out");
      pending_drop(i);
    }
  if ((pfd[0].revents & POLLIN) && conn_limits_count() < O->limit) {
    /* a connection is there: accept does not wait (on a socket of our own) */
    struct sockaddr_storage ss;
    socklen_t sslen = sizeof ss;
    int t = accept4(listenfd, (struct sockaddr *)&ss, &sslen, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (t >= 0) accepted(t, &ss);
    else accept_failed();
  }
}

/* ------------------------------------------------------------ the path */

/* limits, the rules the listener decides, and a child for the connection */
static void admit(int t, struct conn *c, struct rules_state *rs) {
  unsigned long ipcount = conn_limits_count_ip(c->remoteip);
  pid_t pid;
  /* every connection comes through here, direct or after its PROXY header */
  if (conn_limits_over_ip(c->remoteip, ipcount, O->maxconip)) {
    close(t);
    return;
  }
  if ((O->fniprules || early_x) && listener_rules(t, c, ipcount, early_x, rs)) {
    close(t);
    return;
  }
  /* no rules: the environment's rate limits are final now */
  if (!O->fniprules && !O->fnrules && conn_rate_admit(O, c, 0, rs)) {
    close(t);
    return;
  }
  tls_context_refresh(S->ctx); /* rotated ticket keys, renewed OCSP responses */
  pid = fork();
  if (pid == 0) {
    unsigned i;
    close(listenfd);
    for (i = 0; i < npend; ++i) close(pend[i].fd); /* not ours to hold open */
    sa.sa_handler = SIG_DFL;
    sa.sa_flags = 0;
    sigaction(SIGTERM, &sa, 0);
    sigaction(SIGCHLD, &sa, 0);
    sigaction(SIGHUP, &sa, 0);
    sigprocmask(SIG_SETMASK, &unblocked, 0);
    _exit(conn_serve(S, t, c, ipcount, rs));
  }
  if (pid == -1) {
    log_warn("unable to fork: ", strerror(errno), (char *)0);
    close(t);
    poll(0, 0, 100);
    return;
  }
  conn_limits_add(pid, c->remoteip);
  status();
  close(t);
}

static void accept_failed(void) {
  if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
    poll(0, 0, 100); /* out of descriptors: do not spin */
}

/* a connection just accepted: a header to wait for, or on its way */
static void accepted(int t, const struct sockaddr_storage *ss) {
  static struct rules_state rs;
  struct conn c;
  int want = O->proxyproto;
  memset(&c, 0, sizeof c);
  ip_address_from_sockaddr(ss, c.remoteip, &c.remoteport, &c.scope);
  rs.formatted = rs.y.done = rs.x.done = rs.rated = 0;
  /* rules may ask a header of their addresses: looked up now (kept for
     the connection if it turns out direct) */
  if ((O->fniprules || O->fnrules) && conn_serve_local(t, &c)) {
    rs.formatted = 1;
    want = conn_rules_proxy(O, &c, &rs);
  }
  if (want) pending_add(t, &c, rs.formatted);
  else admit(t, &c, &rs);
}

void accept_loop(struct conn_server *s, int lfd) {
  S = s;
  O = s->opt;
  listenfd = lfd;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = SIG_IGN;
  sigaction(SIGPIPE, &sa, 0);
  sa.sa_handler = terminate;
  sigaction(SIGTERM, &sa, 0);
  sa.sa_handler = reap;
  sa.sa_flags = SA_NOCLDSTOP;
  sigaction(SIGCHLD, &sa, 0);
  sigemptyset(&blocked_chld);
  sigaddset(&blocked_chld, SIGCHLD);
  tls_reload_catch(&blocked_chld);
  sigprocmask(SIG_BLOCK, &blocked_chld, &unblocked);
  sigdelset(&unblocked, SIGCHLD);
  sigdelset(&unblocked, SIGHUP);

  conn_limits_init(O->limit);
  conn_rate_init(O);
  status();
  early_x = O->fnrules && !O->remotehost && !O->remoteinfo && (O->localname || log_verbosity < 2);

  for (;;) {
    struct sockaddr_storage ss;
    socklen_t sslen = sizeof ss;
    int t, full;

    if (tls_reload_take()) server_tls_reload(&s->ctx, s->cc); /* SIGHUP: for the connections to come */
    full = conn_limits_count() >= O->limit;
    if (npend) {
      pending_poll(full);
      continue;
    }
    if (full) {
      sigsuspend(&unblocked);
      continue;
    }
    sigprocmask(SIG_UNBLOCK, &blocked_chld, 0);
    /* a SIGHUP that came while blocked has run its handler by now */
    t = tls_reload_requested() ? (errno = EINTR, -1) : accept4(listenfd, (struct sockaddr *)&ss, &sslen, SOCK_CLOEXEC | SOCK_NONBLOCK);
    sigprocmask(SIG_BLOCK, &blocked_chld, 0);
    if (t == -1) accept_failed();
    else accepted(t, &ss);
  }
}
