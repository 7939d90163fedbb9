/* sslhandle: the pre-forking sslserver. The parent builds the TLS context,
   binds, and forks -c workers once; each worker accepts a connection
   (holding the -f lock while it waits in accept, so that one worker wakes
   per connection), serves it with conn_serve as sslserver's connection
   child would, restores its environment and goes back to accept. The
   parent only replaces workers that die and, on SIGTERM, tells them to
   stop: an idle worker exits at once, a busy one closes the listening
   socket and exits after its connection. On SIGHUP the parent builds a
   new TLS context and replaces its workers the same way, so that new
   connections get the new settings and running ones finish undisturbed. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <libowfat/fmt.h>

#include "conn_limits.h"
#include "conn_proxy.h"
#include "conn_rate.h"
#include "conn_serve.h"
#include "ip_address.h"
#include "log.h"
#include "server_options.h"
#include "server_setup.h"
#include "tls_context.h"
#include "tls_reload.h"
#include "tls_warmup.h"
#include "worker_table.h"

static struct server_options o;
static int listenfd, lockfd = -1;
static pid_t parent;

static void status(void) {
  char n[FMT_ULONG], l[FMT_ULONG], m[FMT_ULONG];
  if (log_verbosity < 2) return;
  n[fmt_ulong(n, worker_table_count())] = 0;
  l[fmt_ulong(l, o.limit)] = 0;
  m[fmt_ulong(m, o.maxconip)] = 0;
  log_line("status ", n, "/", l, "/", m, (char *)0);
}

/* ---------------------------------------------------------------- worker */

static volatile sig_atomic_t busy, stopping;

static void worker_hup(int sig) { (void)sig; } /* the parent's business */

static void worker_term(int sig) {
  (void)sig;
  if (!busy) _exit(0);
  stopping = 1;
  close(listenfd); /* nobody accepts in our name while we finish */
}

/* -f: the lock is held while waiting in accept (POSIX locks belong to the
   process, so forked workers exclude each other on the one descriptor) */
static void lock(int type) {
  struct flock fl;
  if (lockfd < 0) return;
  memset(&fl, 0, sizeof fl);
  fl.l_type = (short)type;
  fl.l_whence = SEEK_SET;
  while (fcntl(lockfd, type == F_UNLCK ? F_SETLK : F_SETLKW, &fl) == -1)
    if (errno != EINTR) log_fatal_sys(111, "unable to lock: ", o.lockfile, (char *)0);
}

/* The next connection. SIGTERM is let in only while waiting (for the lock,
   or in ppoll), never between accept and busy: a connection accepted is
   a connection served. */
static int next(struct sockaddr_storage *ss, const sigset_t *open_mask, const sigset_t *term) {
  socklen_t sslen = sizeof *ss;
  int t;
  sigprocmask(SIG_SETMASK, open_mask, 0);
  lock(F_WRLCK);
  sigprocmask(SIG_BLOCK, term, 0);
  for (;;) {
    struct pollfd p;
    p.fd = listenfd;
    p.events = POLLIN;
    if (ppoll(&p, 1, 0, open_mask) == -1) continue; /* EINTR */
    t = accept4(listenfd, (struct sockaddr *)ss, &sslen, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (t >= 0) {
      busy = 1;
      break;
    }
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR || errno == ECONNABORTED) continue;
    if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
      poll(0, 0, 100); /* out of descriptors: do not spin */
    break;
  }
  lock(F_UNLCK);
  sigprocmask(SIG_SETMASK, open_mask, 0);
  return t;
}

static _Noreturn void worker(const struct conn_server *s, unsigned long slot) {
  struct sigaction sa;
  sigset_t none, term;
  char pidstr[FMT_ULONG];

  memset(&sa, 0, sizeof sa);
  sa.sa_handler = SIG_DFL;
  sigaction(SIGCHLD, &sa, 0);
  sa.sa_flags = SA_RESTART;
  sa.sa_handler = worker_hup; /* caught, not ignored: the program gets the default */
  sigaction(SIGHUP, &sa, 0);
  sa.sa_handler = worker_term;
  sigaction(SIGTERM, &sa, 0);
  sigemptyset(&none);
  sigemptyset(&term);
  sigaddset(&term, SIGTERM);
  sigprocmask(SIG_SETMASK, &none, 0);
  /* a parent that dies for any reason takes its workers along */
  prctl(PR_SET_PDEATHSIG, SIGTERM);
  if (getppid() != parent) _exit(0);
  pidstr[fmt_ulong(pidstr, (unsigned long)getpid())] = 0;
  conn_env_save();

  for (;;) {
    static struct rules_state rs;
    struct sockaddr_storage ss;
    struct conn c;
    unsigned long ipcount;
    char w[FMT_ULONG];
    int t, code;

    if (stopping) _exit(0);
    t = next(&ss, &none, &term);
    if (t == -1) continue;
    memset(&c, 0, sizeof c);
    ip_address_from_sockaddr(&ss, c.remoteip, &c.remoteport, &c.scope);
    worker_table_busy(slot, c.remoteip);
    rs.formatted = rs.y.done = rs.x.done = rs.rated = 0;
    /* a balancer's header first: the limits count the client it names */
    if ((o.proxyproto || o.fniprules || o.fnrules) && (code = conn_proxy_serve(&o, t, &c, &rs)) >= 0) {
      close(t);
      worker_table_busy(slot, 0);
      busy = 0;
      continue;
    }
    worker_table_busy(slot, c.remoteip);
    ipcount = worker_table_count_ip(c.remoteip, slot);
    if (conn_limits_over_ip(c.remoteip, ipcount, o.maxconip)) {
      close(t);
    } else {
      status();
      code = conn_serve(s, t, &c, ipcount, &rs);
      w[fmt_ulong(w, (unsigned long)code << 8)] = 0;
      log_status("ended by ", pidstr, " status ", w, (char *)0);
      worker_table_busy(slot, 0);
      status();
      conn_env_restore();
    }
    worker_table_busy(slot, 0);
    busy = 0;
  }
}

/* ---------------------------------------------------------------- parent */

static volatile sig_atomic_t terminating;

static void parent_term(int sig) {
  (void)sig;
  terminating = 1;
}

static void parent_chld(int sig) { (void)sig; }

int main(int argc, char **argv) {
  static struct tls_cc_config cc;
  static time_t *started;
  struct conn_server s = {0};
  struct sigaction sa;
  sigset_t blocked, unblocked;
  struct bound b;
  unsigned long i;

  log_init("sslhandle");
  log_codes = 1;
  server_hold_std_fds();
  server_options_parse(&o, argc, argv, "sslhandle",
                       SERVER_LISTENS | SERVER_PROG | SERVER_LOCKFILE | SERVER_UCSPI_TLS | SERVER_TERSE);
  s.opt = &o;
  s.cc = &cc;
  server_find_listener(&o); /* before -3 reads descriptor 3 */
  server_bind(&o, &b);      /* port, host and bind first, as ucspi-ssl */
  s.ctx = server_tls_context(&o, &cc);
  if (o.lockfile) {
    lockfd = open(o.lockfile, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (lockfd == -1) log_fatal_sys(111, "unable to open: ", o.lockfile, (char *)0);
  }
  tls_warmup(s.ctx); /* OpenSSL's lazy set-up once here, not in every worker */
  server_drop(&o, &b);
  listenfd = b.fd;
  /* workers wait in ppoll and accept without blocking (see next) */
  fcntl(listenfd, F_SETFL, fcntl(listenfd, F_GETFL) | O_NONBLOCK);
  worker_table_init(o.limit);
  conn_rate_init(&o); /* one table for every worker */
  started = calloc(o.limit, sizeof *started);
  if (!started) log_nomem();
  parent = getpid();

  memset(&sa, 0, sizeof sa);
  sa.sa_handler = SIG_IGN;
  sigaction(SIGPIPE, &sa, 0);
  sa.sa_handler = parent_term;
  sigaction(SIGTERM, &sa, 0);
  sa.sa_handler = parent_chld;
  sa.sa_flags = SA_NOCLDSTOP;
  sigaction(SIGCHLD, &sa, 0);
  sigemptyset(&blocked);
  sigaddset(&blocked, SIGCHLD);
  sigaddset(&blocked, SIGTERM);
  tls_reload_catch(&blocked);
  sigprocmask(SIG_BLOCK, &blocked, &unblocked);
  sigdelset(&unblocked, SIGCHLD);
  sigdelset(&unblocked, SIGTERM);
  sigdelset(&unblocked, SIGHUP);
  status();

  for (;;) {
    struct timespec wait = {3600, 0};
    time_t now = time(0);
    pid_t pid;
    int wstat;

    /* fill the empty slots; a worker that died young is replaced after a pause */
    for (i = 0; i < o.limit; ++i) {
      if (worker_table_pid(i)) continue;
      if (started[i] && now - started[i] < 1) {
        wait.tv_sec = 1;
        continue;
      }
      pid = fork();
      if (pid == 0) worker(&s, i);
      if (pid == -1) {
        log_warn("unable to fork: ", strerror(errno), (char *)0);
        wait.tv_sec = 1;
        break;
      }
      worker_table_assign(i, pid);
      started[i] = now;
    }
    ppoll(0, 0, &wait, &unblocked);
    /* SIGHUP: a new context, and workers forked with it */
    if (tls_reload_take() && server_tls_reload(&s.ctx, s.cc))
      for (i = 0; i < o.limit; ++i) {
        if (worker_table_pid(i)) kill(worker_table_pid(i), SIGTERM);
        started[i] = 0; /* their replacements start at once */
      }
    if (terminating) {
      for (i = 0; i < o.limit; ++i)
        if (worker_table_pid(i)) kill(worker_table_pid(i), SIGTERM);
      _exit(0);
    }
    while ((pid = waitpid(-1, &wstat, WNOHANG)) > 0) {
      long slot = worker_table_find(pid);
      if (slot >= 0) worker_table_assign((unsigned long)slot, 0);
    }
  }
}
