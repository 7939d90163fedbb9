/* sslhandle: the pre-forking sslserver. The parent builds the TLS context,
   binds, and forks -c workers once. The parent accepts: each connection
   waits in its wait set (wait_set.h) until its ClientHello is there, so
   that idle and slow clients hold no worker. A worker says it is idle on
   a pipe to the parent (holding the -f lock meanwhile, so that workers
   take turns), is handed the oldest ready connection over a socket pair
   of its own, serves it with conn_serve as sslserver's connection child
   would, restores its environment and says it is idle again. The
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
#include "conn_rate.h"
#include "conn_serve.h"
#include "keeper.h"
#include "log.h"
#include "server_options.h"
#include "server_setup.h"
#include "tls_context.h"
#include "tls_reload.h"
#include "tls_warmup.h"
#include "wait_set.h"
#include "worker_table.h"

static struct server_options o;
static int listenfd, lockfd = -1;
static pid_t parent;
/* idle[1]: where workers say they are idle; chan[i]: the parent's end of
   worker i's socket pair, -1 when none */
static int idle[2], *chan;

/* a worker's message: it is idle; the parent's: a connection (and its socket) */
struct idle_msg {
  unsigned long slot;
  pid_t pid;
};
struct handoff {
  struct conn c;
  int formatted;
};

static void status(void) {
  char n[FMT_ULONG], l[FMT_ULONG], m[FMT_ULONG];
  if (log_verbosity < 2) return;
  n[fmt_ulong(n, worker_table_count())] = 0;
  l[fmt_ulong(l, o.limit)] = 0;
  m[fmt_ulong(m, o.maxconip)] = 0;
  log_line("status ", n, "/", l, "/", m, (char *)0);
}

/* ---------------------------------------------------------------- worker */

/* announced: the parent was told this worker is idle, so a connection may
   be on its way (the parent hands none over after its SIGTERM) */
static volatile sig_atomic_t busy, stopping, announced;

static void worker_hup(int sig) { (void)sig; } /* the parent's business */

static void worker_term(int sig) {
  (void)sig;
  if (!busy && !announced) _exit(0);
  stopping = 1;
}

/* -f: the lock is held while waiting for a connection (POSIX locks belong
   to the process, so forked workers exclude each other on the one
   descriptor) */
static void lock(int type) {
  struct flock fl;
  if (lockfd < 0) return;
  memset(&fl, 0, sizeof fl);
  fl.l_type = (short)type;
  fl.l_whence = SEEK_SET;
  while (fcntl(lockfd, type == F_UNLCK ? F_SETLK : F_SETLKW, &fl) == -1)
    if (errno != EINTR) log_fatal_sys(111, "unable to lock: ", o.lockfile, (char *)0);
}

/* a connection from the parent on ch: its socket, or -1 (the parent gone) */
static int receive(int ch, struct handoff *h) {
  char cbuf[CMSG_SPACE(sizeof(int))];
  struct iovec iov = {h, sizeof *h};
  struct msghdr m;
  struct cmsghdr *cm;
  int t;
  memset(&m, 0, sizeof m);
  m.msg_iov = &iov;
  m.msg_iovlen = 1;
  m.msg_control = cbuf;
  m.msg_controllen = sizeof cbuf;
  if (recvmsg(ch, &m, MSG_DONTWAIT | MSG_CMSG_CLOEXEC) != (ssize_t)sizeof *h) return -1;
  cm = CMSG_FIRSTHDR(&m);
  if (!cm || cm->cmsg_type != SCM_RIGHTS) return -1;
  memcpy(&t, CMSG_DATA(cm), sizeof t);
  return t;
}

/* The next connection. SIGTERM is let in only while waiting (for the lock,
   or in ppoll), never between receiving and busy: a connection handed
   over is a connection served. */
static int next(unsigned long slot, int ch, struct handoff *h, const sigset_t *open_mask,
                const sigset_t *term) {
  struct idle_msg im;
  int t = -1;
  im.slot = slot;
  im.pid = getpid();
  sigprocmask(SIG_SETMASK, open_mask, 0);
  lock(F_WRLCK);
  sigprocmask(SIG_BLOCK, term, 0);
  if (write(idle[1], &im, sizeof im) != (ssize_t)sizeof im) _exit(0); /* the parent is gone */
  announced = 1;
  for (;;) {
    struct pollfd p;
    p.fd = ch;
    p.events = POLLIN;
    /* EINTR: told to stop, but a connection handed over before that is
       already in ch, and is served first */
    if (ppoll(&p, 1, 0, open_mask) == -1 && !stopping) continue;
    t = receive(ch, h);
    if (t < 0) _exit(0);
    busy = 1;
    announced = 0;
    break;
  }
  lock(F_UNLCK);
  sigprocmask(SIG_SETMASK, open_mask, 0);
  return t;
}

static _Noreturn void worker(const struct conn_server *s, unsigned long slot, int ch) {
  struct sigaction sa;
  sigset_t none, term;
  char pidstr[FMT_ULONG];
  unsigned long i;

  keeper_forget(); /* the listener's to ask, not a worker's */
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
  /* the parent's: not ours to hold open */
  close(listenfd);
  wait_set_close_all();
  close(idle[0]);
  for (i = 0; i < o.limit; ++i)
    if (chan[i] >= 0) close(chan[i]);
  pidstr[fmt_ulong(pidstr, (unsigned long)getpid())] = 0;
  conn_env_save();

  for (;;) {
    static struct rules_state rs;
    struct handoff h;
    struct conn c;
    unsigned long ipcount;
    char w[FMT_ULONG];
    int t, code;

    if (stopping) _exit(0);
    t = next(slot, ch, &h, &none, &term);
    /* a header, if one was due, was read by the parent: the limits count
       the client it names, and the rules are looked up afresh */
    c = h.c;
    rs.formatted = h.formatted;
    rs.y.done = rs.x.done = rs.rated = 0;
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

/* retired: the slot's worker was sent SIGTERM (SIGHUP, SIGTERM) and gets
   no connection any more, even when its idle message comes after */
static int *is_idle, *retired;

/* the idle workers that said so (a message from a worker since replaced
   is stale: its pid no longer holds the slot) */
static void read_idle(void) {
  struct idle_msg m;
  while (read(idle[0], &m, sizeof m) == (ssize_t)sizeof m)
    if (m.slot < o.limit && worker_table_pid(m.slot) == m.pid && !retired[m.slot])
      is_idle[m.slot] = 1;
}

/* ready connections, oldest first, to the idle workers */
static void hand_out(void) {
  unsigned long i;
  for (i = 0; i < o.limit; ++i) {
    char cbuf[CMSG_SPACE(sizeof(int))];
    struct handoff h;
    struct iovec iov = {&h, sizeof h};
    struct msghdr m;
    struct cmsghdr *cm;
    int t;
    if (!is_idle[i]) continue;
    memset(&h, 0, sizeof h);
    if ((t = wait_set_take(&h.c, &h.formatted)) < 0) return;
    memset(&m, 0, sizeof m);
    memset(cbuf, 0, sizeof cbuf); /* CMSG_SPACE's padding goes to the kernel too */
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    m.msg_control = cbuf;
    m.msg_controllen = sizeof cbuf;
    cm = CMSG_FIRSTHDR(&m);
    cm->cmsg_level = SOL_SOCKET;
    cm->cmsg_type = SCM_RIGHTS;
    cm->cmsg_len = CMSG_LEN(sizeof t);
    memcpy(CMSG_DATA(cm), &t, sizeof t);
    if (sendmsg(chan[i], &m, MSG_DONTWAIT | MSG_NOSIGNAL) != (ssize_t)sizeof h)
      log_warn("unable to hand a connection to a worker: ", strerror(errno), (char *)0);
    is_idle[i] = 0;
    close(t);
  }
}

/* a worker for each empty slot, each with its socket pair; a worker that
   died young is replaced after a pause (then *max_ms is 1000) */
static void fill(const struct conn_server *s, time_t *started, int *max_ms) {
  time_t now = time(0);
  unsigned long i;
  for (i = 0; i < o.limit; ++i) {
    int sp[2];
    pid_t pid;
    if (worker_table_pid(i)) continue;
    if (started[i] && now - started[i] < 1) {
      *max_ms = 1000;
      continue;
    }
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sp) == -1) {
      log_warn("unable to create socket pair: ", strerror(errno), (char *)0);
      *max_ms = 1000;
      break;
    }
    pid = fork();
    if (pid == 0) {
      close(sp[0]);
      worker(s, i, sp[1]);
    }
    close(sp[1]);
    if (pid == -1) {
      log_warn("unable to fork: ", strerror(errno), (char *)0);
      close(sp[0]);
      *max_ms = 1000;
      break;
    }
    chan[i] = sp[0];
    is_idle[i] = retired[i] = 0;
    worker_table_assign(i, pid);
    started[i] = now;
  }
}

/* a worker gone: its slot and socket pair free */
static void reap(void) {
  pid_t pid;
  int wstat;
  while ((pid = waitpid(-1, &wstat, WNOHANG)) > 0) {
    long slot = worker_table_find(pid);
    if (slot < 0) continue;
    worker_table_assign((unsigned long)slot, 0);
    close(chan[slot]);
    chan[slot] = -1;
    is_idle[slot] = 0;
  }
}

static void stop_workers(void) {
  unsigned long i;
  for (i = 0; i < o.limit; ++i) {
    if (worker_table_pid(i)) {
      retired[i] = 1;
      kill(worker_table_pid(i), SIGTERM);
    }
    is_idle[i] = 0;
  }
}

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
  server_keep_keys(&o); /* reloads after the drop */
  server_drop(&o, &b);
  listenfd = b.fd;
  wait_set_init(&o, listenfd);
  if (pipe2(idle, O_CLOEXEC) == -1) log_fatal_sys(111, "unable to create pipe", (char *)0);
  fcntl(idle[0], F_SETFL, O_NONBLOCK);
  wait_set_watch(idle[0]);
  worker_table_init(o.limit);
  conn_rate_init(&o); /* one table for every worker */
  started = calloc(o.limit, sizeof *started);
  chan = malloc(o.limit * sizeof *chan);
  is_idle = calloc(o.limit, sizeof *is_idle);
  retired = calloc(o.limit, sizeof *retired);
  if (!started || !chan || !is_idle || !retired) log_nomem();
  for (i = 0; i < o.limit; ++i) chan[i] = -1;
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
    int max_ms = -1, got;
    fill(&s, started, &max_ms);
    hand_out();
    got = wait_set_wait(&unblocked, max_ms); /* the signals run in here */
    if (got & WAIT_OTHER) read_idle();
    if (got & WAIT_LISTENER) wait_set_accept();
    /* SIGHUP: a new context, and workers forked with it */
    if (tls_reload_take() && server_tls_reload(&s.ctx, s.cc)) {
      stop_workers();
      for (i = 0; i < o.limit; ++i) started[i] = 0; /* their replacements start at once */
    }
    if (terminating) {
      stop_workers();
      _exit(0);
    }
    reap();
  }
}
