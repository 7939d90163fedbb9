/* The key keeper process and the listener's side of its socket pair. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "keeper.h"
#include "log.h"
#include "privileges.h"
#include "tls_context.h"

#define FETCH_MS 10000 /* a keeper slower than this is taken for stuck */

static int chan = -1, started;

struct reply {
  unsigned char *buf;
  size_t len, cap;
  int ok;
};

static void add(struct reply *r, char kind, const char *path, const void *data, size_t n) {
  if (r->ok && !keeper_reply_add(&r->buf, &r->len, &r->cap, kind, path, data, n)) r->ok = 0;
}

static void add_errno(struct reply *r, const char *path, int e) {
  unsigned char v[4] = {(unsigned char)(e >> 24), (unsigned char)(e >> 16), (unsigned char)(e >> 8),
                        (unsigned char)e};
  add(r, 'x', path, v, 4);
}

/* one file's record: its contents, or why not */
static void add_file(struct reply *r, const char *path) {
  unsigned char *data = 0;
  size_t got = 0;
  struct stat st;
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY), e = 0;
  if (fd == -1) e = errno;
  else if (fstat(fd, &st) == -1) e = errno;
  else if (!S_ISREG(st.st_mode)) e = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
  else if (!(data = malloc(KEEPER_FILE_MAX + 1))) e = ENOMEM;
  while (!e && got <= KEEPER_FILE_MAX) {
    ssize_t n = read(fd, data + got, KEEPER_FILE_MAX + 1 - got);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) e = errno;
    if (n <= 0) break;
    got += (size_t)n;
  }
  if (!e && got > KEEPER_FILE_MAX) e = EFBIG;
  if (fd != -1) close(fd);
  if (e) add_errno(r, path, e);
  else add(r, 'f', path, data, got);
  if (data) {
    memset(data, 0, got); /* key bytes */
    free(data);
  }
}

static int sni_file(const char *name) {
  size_t n = strlen(name);
  return name[0] != '.' && ((n > 4 && (!strcmp(name + n - 4, ".pem") || !strcmp(name + n - 4, ".key"))) ||
                            (n > 5 && !strcmp(name + n - 5, ".ocsp")));
}

/* CERTDIR: the directory, then its certificates, keys and OCSP responses */
static void add_dir(struct reply *r, const char *dir) {
  stralloc path = {0};
  struct dirent *d;
  DIR *dh = opendir(dir);
  if (!dh) {
    add_errno(r, dir, errno);
    return;
  }
  add(r, 'd', dir, 0, 0);
  while ((d = readdir(dh)))
    if (sni_file(d->d_name)) {
      if (!stralloc_copys(&path, dir) || !stralloc_cats(&path, "/") ||
          !stralloc_cats(&path, d->d_name) || !stralloc_0(&path))
        r->ok = 0;
      else add_file(r, path.s);
    }
  closedir(dh);
  stralloc_free(&path);
}

static void add_env(struct reply *r, const char *name) {
  const char *s = getenv(name);
  if (s && *s && strcmp(s, "-")) add_file(r, s);
}

static void reply_init(struct reply *r) {
  r->cap = 4096;
  r->len = KEEPER_HEAD;
  r->buf = malloc(r->cap);
  r->ok = r->buf != 0;
}

static void reply_wipe(struct reply *r) {
  if (r->buf) memset(r->buf, 0, r->len); /* key bytes */
  free(r->buf);
  r->buf = 0;
}

/* every file the settings name, read as the listener read them at start */
static void gather(struct reply *r) {
  struct tls_server_config c;
  const char *names[6];
  size_t i;
  tls_context_config_from_env(&c);
  names[0] = c.certfile, names[1] = c.keyfile, names[2] = c.chainfile;
  names[3] = c.dhfile, names[4] = c.ticketkeyfile, names[5] = c.ocspfile;
  reply_init(r);
  privileges_key_begin();
  for (i = 0; i < sizeof names / sizeof names[0]; ++i)
    if (names[i]) add_file(r, names[i]);
  if (c.certdir) add_dir(r, c.certdir);
  add_env(r, "CCAFILE");
  add_env(r, "CAFILE");
  add_env(r, "CRLFILE");
  privileges_key_end();
}

static int write_all(int fd, const unsigned char *p, size_t n) {
  while (n) {
    ssize_t w = write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return 0;
    p += w;
    n -= (size_t)w;
  }
  return 1;
}

static void answer(int fd) {
  static const char nomem[] = "the key keeper is out of memory";
  struct reply r;
  gather(&r);
  if (!r.ok) { /* one 'e' record instead */
    reply_wipe(&r);
    reply_init(&r);
    add(&r, 'e', "", nomem, sizeof nomem - 1);
    if (!r.ok) _exit(111);
  }
  keeper_reply_frame(r.buf, r.len);
  if (!write_all(fd, r.buf, r.len)) _exit(0);
  reply_wipe(&r);
}

/* The keeper's life: descriptors 0 and 1 on /dev/null, 2 kept for a fatal
   line, the socket on 3, nothing else (not the listening socket: the port
   must be free the moment the listener is gone). */
static _Noreturn void keeper_main(int fd, pid_t listener) {
  struct sigaction sa;
  sigset_t none;
  unsigned char req;
  int null;
  prctl(PR_SET_PDEATHSIG, SIGKILL); /* a SIGKILLed listener takes us along */
  if (getppid() != listener) _exit(0);
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = SIG_IGN;
  sigaction(SIGHUP, &sa, 0);  /* a HUP to the process group is the listener's */
  sigaction(SIGPIPE, &sa, 0);
  sa.sa_handler = SIG_DFL;
  sigaction(SIGCHLD, &sa, 0);
  sigaction(SIGTERM, &sa, 0);
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, 0);
  if (fd != 3 && (dup2(fd, 3) == -1 || close(fd) == -1)) _exit(111);
  if (close_range(4, ~0U, 0) == -1) _exit(111);
  null = open("/dev/null", O_RDWR);
  if (null == -1 || dup2(null, 0) == -1 || dup2(null, 1) == -1) _exit(111);
  if (null > 3) close(null);
  for (;;) {
    ssize_t r = read(3, &req, 1);
    if (r < 0 && errno == EINTR) continue;
    if (r != 1 || req != 'r') _exit(0);
    answer(3);
  }
}

void keeper_start(void) {
  int sp[2];
  pid_t pid, listener = getpid();
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp) == -1)
    log_fatal_sys(111, "unable to create socket pair for the key keeper", (char *)0);
  pid = fork();
  if (pid == -1) log_fatal_sys(111, "unable to fork the key keeper", (char *)0);
  if (pid == 0) {
    close(sp[0]);
    keeper_main(sp[1], listener);
  }
  close(sp[1]);
  chan = sp[0];
  started = 1;
}

int keeper_started(void) { return started; }

void keeper_forget(void) {
  if (chan != -1) close(chan);
  chan = -1;
}

static long long now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

/* n bytes from the keeper before the deadline; 0 or a reason */
static const char *take(unsigned char *p, size_t n, long long deadline) {
  while (n) {
    struct pollfd pf = {chan, POLLIN, 0};
    long long left = deadline - now_ms();
    ssize_t r;
    int got = left > 0 ? poll(&pf, 1, (int)left) : 0;
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return "the key keeper did not answer in time";
    r = read(chan, p, n);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return "the key keeper is gone";
    p += r;
    n -= (size_t)r;
  }
  return 0;
}

/* out of step or dead: never asked again */
static int gone(stralloc *err, const char *why, const char *detail) {
  keeper_forget();
  stralloc_copys(err, why);
  if (detail) stralloc_cats(err, ": "), stralloc_cats(err, detail);
  stralloc_cats(err, "; restart the server to reload");
  stralloc_0(err);
  return 0;
}

int keeper_fetch(struct file_set *fs, stralloc *err) {
  unsigned char head[KEEPER_HEAD], *body;
  long long deadline = now_ms() + FETCH_MS;
  const char *why;
  size_t n;
  if (chan == -1) return gone(err, "the key keeper is gone", 0);
  if (send(chan, "r", 1, MSG_NOSIGNAL) != 1) return gone(err, "the key keeper is gone", 0);
  if ((why = take(head, sizeof head, deadline))) return gone(err, why, 0);
  n = keeper_reply_length(head);
  if (!n) return gone(err, "the key keeper's reply is too long or empty", 0);
  if (!(body = malloc(n))) return gone(err, "out of memory", 0);
  if ((why = take(body, n, deadline))) {
    memset(body, 0, n);
    free(body);
    return gone(err, why, 0);
  }
  why = keeper_reply_parse(body, n, fs);
  memset(body, 0, n); /* key bytes */
  free(body);
  if (why) return gone(err, "the key keeper's reply is malformed", why);
  if (fs->failed) {
    stralloc_copys(err, fs->failed);
    stralloc_0(err);
    file_set_free(fs);
    return 0;
  }
  return 1;
}
