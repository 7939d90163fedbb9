/* The accept loop of a forking server. SIGCHLD is blocked except while the
   listener waits in accept() or sigsuspend(), so the reaper never
   interrupts the child table or a log line. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <libowfat/fmt.h>

#include "accept_loop.h"
#include "conn_limits.h"
#include "conn_rate.h"
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
  if (!conn_serve_local(t, c)) return 0; /* the child reports it */
  st->formatted = 1;
  c->localhost = O->localname;
  d = conn_rules_decide(O, c, ipcount, early_x, st, &v);
  if (!d) return 0;
  if (d > 0) {
    pidstr[fmt_ulong(pidstr, (unsigned long)getpid())] = 0;
    log_status("pid ", pidstr, " from ", c->remoteipstr, (char *)0);
    conn_rules_log(c, pidstr, d, v.maxconip);
    log_status("ended by ", pidstr, " status 25600", (char *)0); /* as a child's exit 100 */
  }
  return 1;
}

/* SIGHUP: a new context for the connections to come */
static void reload(struct conn_server *s) {
  static stralloc err;
  SSL_CTX *fresh = server_tls_context_again(s->cc, &err);
  if (!fresh) {
    log_warn("keeping the old TLS settings, reload failed: ", err.s, (char *)0);
    return;
  }
  tls_context_inherit(fresh, s->ctx);
  tls_warmup(fresh);
  SSL_CTX_free(s->ctx);
  s->ctx = fresh;
  log_status("TLS settings reloaded", (char *)0);
}

void accept_loop(struct conn_server *s, int listenfd) {
  static struct rules_state rs;
  sigset_t blocked_chld, unblocked;
  struct sigaction sa;
  int early_x;

  O = s->opt;
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
    struct conn c;
    unsigned long ipcount;
    pid_t pid;
    int t;

    if (tls_reload_take()) reload(s);
    if (conn_limits_count() >= O->limit) {
      sigsuspend(&unblocked);
      continue;
    }
    sigprocmask(SIG_UNBLOCK, &blocked_chld, 0);
    /* a SIGHUP that came while blocked has run its handler by now */
    t = tls_reload_requested() ? (errno = EINTR, -1) : accept4(listenfd, (struct sockaddr *)&ss, &sslen, SOCK_CLOEXEC | SOCK_NONBLOCK);
    sigprocmask(SIG_BLOCK, &blocked_chld, 0);
    if (t == -1) {
      if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
        poll(0, 0, 100); /* out of descriptors: do not spin */
      continue;
    }
    memset(&c, 0, sizeof c);
    ip_address_from_sockaddr(&ss, c.remoteip, &c.remoteport, &c.scope);
    ipcount = conn_limits_count_ip(c.remoteip);
    if (O->maxconip && ipcount >= O->maxconip) {
      char ipstr[IP_ADDRESS_FMT], m[FMT_ULONG];
      ip_address_fmt(ipstr, c.remoteip);
      m[fmt_ulong(m, O->maxconip)] = 0;
      if (log_verbosity >= 1)
        log_line("WARNING ip connection limit of ", m, " exceeded for: ", ipstr, (char *)0);
      close(t);
      continue;
    }
    rs.formatted = rs.y.done = rs.x.done = rs.rated = 0;
    if ((O->fniprules || early_x) && listener_rules(t, &c, ipcount, early_x, &rs)) {
      close(t);
      continue;
    }
    /* no rules: the environment's rate limits are final now */
    if (!O->fniprules && !O->fnrules && conn_rate_admit(O, &c, 0, &rs)) {
      close(t);
      continue;
    }
    tls_context_refresh(s->ctx); /* rotated ticket keys, renewed OCSP responses */
    pid = fork();
    if (pid == 0) {
      close(listenfd);
      sa.sa_handler = SIG_DFL;
      sa.sa_flags = 0;
      sigaction(SIGTERM, &sa, 0);
      sigaction(SIGCHLD, &sa, 0);
      sigaction(SIGHUP, &sa, 0);
      sigprocmask(SIG_SETMASK, &unblocked, 0);
      _exit(conn_serve(s, t, &c, ipcount, &rs));
    }
    if (pid == -1) {
      log_warn("unable to fork: ", strerror(errno), (char *)0);
      close(t);
      poll(0, 0, 100);
      continue;
    }
    conn_limits_add(pid, c.remoteip);
    status();
    close(t);
  }
}
