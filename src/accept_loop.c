/* The accept loop of a forking server. SIGCHLD is blocked except while the
   listener waits in epoll_pwait(), so the reaper never interrupts the
   child table or a log line.

   Every connection is accepted into the wait set (wait_set.h) and waits
   there, with no process and no -c slot, for its PROXY header if one is
   due and its ClientHello; ready ones are admitted oldest first while -c
   has room. The listener accepts on even at -c. */
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
#include "child_arena.h"
#include "conn_limits.h"
#include "conn_proxy.h"
#include "conn_rate.h"
#include "deadline.h"
#include "ip_address.h"
#include "keeper.h"
#include "log.h"
#include "server_setup.h"
#include "tls_context.h"
#include "tls_reload.h"
#include "tls_warmup.h"
#include "wait_set.h"

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
    child_arena_start(); /* before any allocation of the child's */
    close(listenfd);
    wait_set_close_all(); /* not ours to hold open */
    keeper_forget();
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

/* ready connections, oldest first, while -c has room; the rules are
   looked up afresh (a header may have changed the client) */
static void admit_ready(void) {
  static struct rules_state rs;
  struct conn c;
  int t;
  while (conn_limits_count() < O->limit && (t = wait_set_take(&c, &rs.formatted)) >= 0) {
    rs.y.done = rs.x.done = rs.rated = 0;
    admit(t, &c, &rs);
  }
}

void accept_loop(struct conn_server *s, int lfd) {
  S = s;
  O = s->opt;
  listenfd = lfd;
  wait_set_init(O, listenfd);
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
    if (tls_reload_take()) server_tls_reload(&s->ctx, s->cc); /* SIGHUP: for the connections to come */
    admit_ready();
    if (wait_set_wait(&unblocked, -1) & WAIT_LISTENER) wait_set_accept(); /* the reaper and SIGHUP run in the wait */
  }
}
