/* dirtytrace.so: a preload for the one-off measurement bench/dirty-pages.
   Right after fork, the child makes every private writable mapping it
   inherited read-only (all but its stack and this tracer's own memory);
   the first write to each page faults, and the SIGSEGV handler records the
   page, the faulting instruction and a backtrace, then makes the page
   writable again. SIGUSR2 writes the records and the maps to
   $DIRTYTRACE_DIR/trace.PID. Not part of the product: the bench only. */
#include <dlfcn.h>
#include <errno.h>
#include <execinfo.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <poll.h>
#include <sys/random.h>
#include <sys/rseq.h>
#include <sys/socket.h>
#include <ucontext.h>
#include <unistd.h>

#define FRAMES 12
#define MAXREC 4096
#define MAXRANGE 256
#define ALTSTACK (256 * 1024)

struct rec {
  unsigned long page, rip;
  int nframes;
  void *frames[FRAMES];
};

struct state {
  int depth, nrec, nrange, active;
  unsigned long lo[MAXRANGE], hi[MAXRANGE];
  struct rec rec[MAXREC];
  char alt[ALTSTACK];
};

/* in .data (file-backed), never among the protected mappings */
static struct state *S = (struct state *)1;
static pid_t (*real_fork)(void) = (pid_t(*)(void))1;
static unsigned long self_lo = 1, self_hi = 1;

static int protected(unsigned long a) {
  int i;
  for (i = 0; i < S->nrange; ++i)
    if (a >= S->lo[i] && a < S->hi[i]) return 1;
  return 0;
}

static void on_segv(int sig, siginfo_t *si, void *uc) {
  unsigned long a = (unsigned long)si->si_addr, page = a & ~4095ul;
  struct rec *r;
  (void)sig;
  if (!S->active || !protected(a)) {
    signal(SIGSEGV, SIG_DFL); /* a real fault: crash as usual */
    return;
  }
  mprotect((void *)page, 4096, PROT_READ | PROT_WRITE);
  if (S->nrec >= MAXREC) return;
  r = &S->rec[S->nrec++];
  r->page = page;
  r->rip = (unsigned long)((ucontext_t *)uc)->uc_mcontext.gregs[REG_RIP];
  r->nframes = 0;
  /* a fault inside the unwinder itself gets the instruction only */
  if (S->depth++ == 0) r->nframes = backtrace(r->frames, FRAMES);
  S->depth--;
}

static void put(int fd, const char *s) {
  if (write(fd, s, strlen(s)) < 0) {}
}

static void on_usr2(int sig) {
  char name[256], line[512];
  int fd, m, i, j;
  const char *dir = getenv("DIRTYTRACE_DIR");
  (void)sig;
  S->active = 0;
  snprintf(name, sizeof name, "%s/trace.%d", dir ? dir : "/tmp", (int)getpid());
  fd = open(name, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  if (fd < 0) return;
  for (i = 0; i < S->nrange; ++i) {
    snprintf(line, sizeof line, "range %lx %lx\n", S->lo[i], S->hi[i]);
    put(fd, line);
  }
  for (i = 0; i < S->nrec; ++i) {
    struct rec *r = &S->rec[i];
    snprintf(line, sizeof line, "page %lx %lx", r->page, r->rip);
    put(fd, line);
    for (j = 0; j < r->nframes; ++j) {
      snprintf(line, sizeof line, " %lx", (unsigned long)r->frames[j]);
      put(fd, line);
    }
    put(fd, "\n");
  }
  m = open("/proc/self/maps", O_RDONLY);
  while (m >= 0 && (i = (int)read(m, line, sizeof line)) > 0)
    if (write(fd, line, (size_t)i) < 0) break;
  if (m >= 0) close(m);
  close(fd);
}

/* every private writable mapping but the stack, vdso/vvar and ours */
static void protect_all(void) {
  FILE *f = fopen("/proc/self/maps", "r");
  char line[512];
  unsigned long lo, hi, rseq, S_lo = (unsigned long)S, S_hi = S_lo + sizeof *S;
  if (!f) return;
  S->nrange = 0;
  while (fgets(line, sizeof line, f) && S->nrange < MAXRANGE) {
    char perm[8], path[400] = "";
    if (sscanf(line, "%lx-%lx %7s %*s %*s %*s %399s", &lo, &hi, perm, path) < 3) continue;
    if (perm[1] != 'w' || perm[3] != 'p') continue;
    if (path[0] == '[' && strcmp(path, "[heap]") != 0) continue; /* [stack], [vvar] */
    if ((lo < S_hi && hi > S_lo) || (lo < self_hi && hi > self_lo)) continue;
    S->lo[S->nrange] = lo;
    S->hi[S->nrange++] = hi;
  }
  fclose(f);
  for (int i = 0; i < S->nrange; ++i) mprotect((void *)S->lo[i], S->hi[i] - S->lo[i], PROT_READ);
  /* the kernel writes the rseq area (in the thread's control block) on
     preemption, and kills the process if it cannot: that page stays */
  rseq = (unsigned long)__builtin_thread_pointer() + (unsigned long)__rseq_offset;
  mprotect((void *)(rseq & ~4095ul), 4096, PROT_READ | PROT_WRITE);
}

pid_t fork(void) {
  pid_t pid = real_fork();
  if (pid == 0) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_usr2;
    sigaction(SIGUSR2, &sa, 0);
    S->nrec = 0;
    S->active = 1;
    protect_all();
  }
  return pid;
}

__attribute__((constructor)) static void init(void) {
  struct sigaction sa;
  stack_t ss;
  Dl_info di;
  void *f[2];
  char line[512];
  FILE *m;
  real_fork = (pid_t(*)(void))dlsym(RTLD_NEXT, "fork");
  S = mmap(0, sizeof *S, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (S == MAP_FAILED) abort();
  backtrace(f, 2); /* loads the unwinder now, not in the handler */
  /* this library's own mappings stay writable */
  self_lo = self_hi = 0;
  if (dladdr((void *)init, &di) && (m = fopen("/proc/self/maps", "r"))) {
    while (fgets(line, sizeof line, m)) {
      unsigned long lo, hi;
      char path[400] = "";
      if (sscanf(line, "%lx-%lx %*s %*s %*s %*s %399s", &lo, &hi, path) >= 2 && path[0] &&
          !strcmp(path, di.dli_fname)) {
        if (!self_lo) self_lo = lo;
        self_hi = hi;
      }
    }
    fclose(m);
  }
  ss.ss_sp = S->alt;
  ss.ss_size = ALTSTACK;
  ss.ss_flags = 0;
  sigaltstack(&ss, 0);
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_segv;
  sa.sa_flags = SA_SIGINFO | SA_NODEFER | SA_ONSTACK;
  sigaction(SIGSEGV, &sa, 0);
}

/* The kernel writing into a read-only page fails with EFAULT instead of
   faulting: the calls that fill a caller's buffer touch its first page
   first, so that page is recorded (with the caller's backtrace) and
   writable; on EFAULT (a read reaching further) they touch it all and
   retry. Touching all at once would record pages no read reaches. */
static void touch(void *buf, size_t len) {
  volatile char *p = buf;
  size_t i;
  if (!S->active || !len) return;
  for (i = 0; i < len; i += 4096 - ((unsigned long)(p + i) & 4095)) p[i] = p[i];
  p[len - 1] = p[len - 1];
}

static void touch_first(void *buf, size_t len) {
  if (len) touch(buf, 1);
}

#define REAL(type, name, args) \
  static type(*real) args;     \
  if (!real) real = (type(*) args)dlsym(RTLD_NEXT, name)
#define RETRY(call, buf, n) do { \
    ssize_t r_; touch_first(buf, n); r_ = (call); \
    if (r_ == -1 && errno == EFAULT) { touch(buf, n); r_ = (call); } \
    return r_; } while (0)

ssize_t read(int fd, void *buf, size_t n) {
  REAL(ssize_t, "read", (int, void *, size_t));
  RETRY(real(fd, buf, n), buf, n);
}

ssize_t recv(int fd, void *buf, size_t n, int flags) {
  REAL(ssize_t, "recv", (int, void *, size_t, int));
  RETRY(real(fd, buf, n, flags), buf, n);
}

ssize_t recvfrom(int fd, void *buf, size_t n, int flags, struct sockaddr *sa, socklen_t *sl) {
  REAL(ssize_t, "recvfrom", (int, void *, size_t, int, struct sockaddr *, socklen_t *));
  RETRY(real(fd, buf, n, flags, sa, sl), buf, n);
}

int getentropy(void *buf, size_t n) {
  REAL(int, "getentropy", (void *, size_t));
  touch(buf, n);
  return real(buf, n);
}

ssize_t getrandom(void *buf, size_t n, unsigned flags) {
  REAL(ssize_t, "getrandom", (void *, size_t, unsigned));
  touch(buf, n);
  return real(buf, n, flags);
}

int poll(struct pollfd *p, nfds_t n, int t) {
  REAL(int, "poll", (struct pollfd *, nfds_t, int));
  touch(p, n * sizeof *p);
  return real(p, n, t);
}
