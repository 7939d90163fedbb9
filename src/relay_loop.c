/* The relay loop shared by TLS and the clear-text phase; each step says
   whether it moved something (1), found nothing to do (0) or ended the
   relay (-1, with L->reason set). */
#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include "relay_loop.h"

/* whole pages of their own: a quiet relay gives them back (be_quiet) */
static _Alignas(4096) char inbuf[RELAY_BUFSIZE];  /* network -> program */
static _Alignas(4096) char outbuf[RELAY_BUFSIZE]; /* program -> network */

/* still this long: the relay gives back the memory it holds for nothing */
#define QUIET_MS 1000
#define STACK_DROP (128 * 1024)

static void close_fd(int *fd) {
  if (*fd >= 0) close(*fd);
  *fd = -1;
}

void relay_loop_init(struct relay_loop *L, const struct relay_ops *ops, void *ctx, int sock,
                     int to_prog, int from_prog, unsigned long idle, const char *banner,
                     size_t bannerlen) {
  memset(L, 0, sizeof *L);
  L->ops = ops;
  L->ctx = ctx;
  L->sock = sock;
  L->to_prog = to_prog;
  L->from_prog = from_prog;
  L->extra_fd = -1;
  L->idle = idle;
  L->reason = "";
  L->inbuf = inbuf;
  L->outbuf = outbuf;
  L->out = outbuf;
  if (banner && bannerlen) {
    L->out = banner;
    L->outlen = bannerlen;
  }
  L->read_wants = POLLIN;
  L->write_wants = L->shut_wants = POLLOUT;
}

static int may_read(const struct relay_loop *L) {
  return !L->net_eof && !L->gated && L->to_prog >= 0 && L->inlen == 0;
}

/* a network op's failure ends the relay as CLOSED or ERROR */
static enum relay_end failed(ssize_t n) {
  return n == RELAY_IO_CLOSED ? RELAY_CLOSED : RELAY_ERROR;
}

static int net_to_inbuf(struct relay_loop *L, enum relay_end *end) {
  ssize_t n;
  if (!may_read(L)) return 0;
  if (L->ops->gate && L->ops->gate(L)) {
    L->gated = 1;
    return 1;
  }
  n = L->ops->net_read(L, L->inbuf, RELAY_BUFSIZE, &L->read_wants);
  if (n > 0) {
    L->inlen = (size_t)n;
    L->inpos = L->scanpos = L->cutat = 0;
    return 1;
  }
  if (n == RELAY_IO_EOF) return L->net_eof = 1;
  if (n == RELAY_IO_AGAIN) return 1;
  if (n == RELAY_IO_WAIT) return 0;
  *end = failed(n);
  return -1;
}

/* how far the program may be fed: up to the scan's cut, else all read */
static void scan_inbuf(struct relay_loop *L) {
  int cut = 0;
  if (L->cutat || L->scanpos >= L->inlen) return;
  if (!L->ops->scan) {
    L->scanpos = L->inlen;
    return;
  }
  L->scanpos += L->ops->scan(L, L->inbuf + L->scanpos, L->inlen - L->scanpos, &cut);
  if (cut) L->cutat = L->scanpos;
}

static int inbuf_to_prog(struct relay_loop *L) {
  size_t end = L->cutat ? L->cutat : L->scanpos;
  ssize_t w;
  if (L->hold || L->inlen <= L->inpos || L->to_prog < 0 || end <= L->inpos) return 0;
  w = write(L->to_prog, L->inbuf + L->inpos, end - L->inpos);
  if (w > 0) {
    L->inpos += (size_t)w;
    if (L->cutat && L->inpos == L->cutat) {
      L->hold = 1; /* until the program answers */
      L->cutat = 0;
    }
    if (L->inpos == L->inlen) L->inpos = L->inlen = L->scanpos = 0;
    return 1;
  }
  if (w < 0 && errno == EINTR) return 1;
  if (w < 0 && errno != EAGAIN) { /* EPIPE: the program stopped reading */
    close_fd(&L->to_prog);
    L->inpos = L->inlen = L->scanpos = L->cutat = 0;
    return 1;
  }
  return 0;
}

/* network EOF and nothing left for the program: its input ends */
static int close_prog_input(struct relay_loop *L) {
  if (!L->net_eof || L->inlen || L->to_prog < 0) return 0;
  close_fd(&L->to_prog);
  return 1;
}

static int prog_to_outbuf(struct relay_loop *L) {
  ssize_t r;
  if (L->from_prog < 0 || L->outlen) return 0;
  r = read(L->from_prog, L->outbuf, RELAY_BUFSIZE);
  if (r > 0) {
    L->out = L->outbuf;
    L->outlen = (size_t)r;
    L->outpos = 0;
    L->hold = 0; /* it answered: what the client sent next may pass */
    return 1;
  }
  if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
    close_fd(&L->from_prog);
    return 1;
  }
  return errno == EINTR;
}

static int outbuf_to_net(struct relay_loop *L, enum relay_end *end) {
  ssize_t n;
  if (L->outlen <= L->outpos) return 0;
  n = L->ops->net_write(L, L->out + L->outpos, L->outlen - L->outpos, &L->write_wants);
  if (n > 0) {
    L->outpos += (size_t)n;
    if (L->outpos == L->outlen) L->outpos = L->outlen = 0;
    return 1;
  }
  if (n == RELAY_IO_AGAIN) return 1;
  if (n == RELAY_IO_WAIT) return 0;
  *end = failed(n);
  return -1;
}

/* the program is done writing: close_notify if any, then FIN */
static int close_write(struct relay_loop *L) {
  if (L->from_prog >= 0 || L->outlen || L->shut) return 0;
  if (L->ops->net_close && !L->ops->net_close(L, &L->shut_wants)) return 0;
  shutdown(L->sock, SHUT_WR);
  return L->shut = 1;
}

/* The stack below this frame: what the handshake's deep calls left there
   is dead. A page is kept for the calls to come; the range may reach
   below the stack's mapping, which madvise skips. */
static void drop_stack_below(void) {
  char here;
  uintptr_t keep = ((uintptr_t)&here - 4096) & ~(uintptr_t)4095;
  madvise((void *)(keep - STACK_DROP), STACK_DROP, MADV_DONTNEED);
}

/* The empty buffers' pages back to the kernel (zeros when next used),
   and the hook's memory: an idle connection holds none of it. */
static void be_quiet(struct relay_loop *L) {
  drop_stack_below();
  if (!L->inlen) madvise(L->inbuf, RELAY_BUFSIZE, MADV_DONTNEED);
  if (!L->outlen) madvise(L->outbuf, RELAY_BUFSIZE, MADV_DONTNEED);
  if (L->quiet) L->quiet();
  L->quieted = 1;
}

/* nothing moved: sleep until something can */
static int sleep_in_poll(struct relay_loop *L, enum relay_end *end) {
  struct pollfd p[4];
  int n, t = L->idle > 2000000 ? 2000000000 : (int)(L->idle * 1000);
  int first = !L->quieted && t > QUIET_MS;
  p[0].fd = L->sock;
  p[0].events = 0;
  if (may_read(L)) p[0].events |= L->read_wants;
  if (L->outlen > L->outpos) p[0].events |= L->write_wants;
  if (L->from_prog < 0 && L->outlen == 0 && !L->shut) p[0].events |= L->shut_wants;
  if (!p[0].events) p[0].fd = -1;
  p[1].fd = L->to_prog; /* polled even when idle: POLLERR says the program is gone */
  p[1].events = !L->hold && L->inlen > L->inpos ? POLLOUT : 0;
  p[2].fd = L->from_prog;
  p[2].events = L->outlen == 0 ? POLLIN : 0;
  p[3].fd = L->extra_fd;
  p[3].events = POLLIN;
  n = poll(p, L->extra_fd >= 0 ? 4 : 3, first ? QUIET_MS : t);
  if (n == 0 && first) {
    be_quiet(L);
    n = poll(p, L->extra_fd >= 0 ? 4 : 3, t - QUIET_MS);
  }
  if (n == 0) {
    L->reason = "timed out";
    *end = RELAY_IDLE;
    return -1;
  }
  if (n < 0 && errno != EINTR) {
    L->reason = strerror(errno);
    *end = RELAY_ERROR;
    return -1;
  }
  /* the program closed its input or exited, with nothing due to it */
  if (n > 0 && L->to_prog >= 0 && (p[1].revents & (POLLERR | POLLHUP)) &&
      (L->hold || L->inlen == L->inpos))
    close_fd(&L->to_prog);
  return 0;
}

/* one round of every transfer; -1 ends the relay with *end */
static int round_of_transfers(struct relay_loop *L, enum relay_end *end) {
  int moved, s;
  if (L->ops->control && L->ops->control(L)) {
    *end = RELAY_STOPPED;
    return -1;
  }
  if ((moved = net_to_inbuf(L, end)) < 0) return -1;
  scan_inbuf(L);
  moved |= inbuf_to_prog(L);
  moved |= close_prog_input(L);
  moved |= prog_to_outbuf(L);
  if ((s = outbuf_to_net(L, end)) < 0) return -1;
  moved |= s;
  moved |= close_write(L);
  if (L->shut && L->to_prog < 0) {
    *end = RELAY_DONE;
    return -1;
  }
  return moved;
}

enum relay_end relay_loop_run(struct relay_loop *L) {
  enum relay_end end = RELAY_DONE;
  for (;;) {
    int moved = round_of_transfers(L, &end);
    if (moved < 0) break;
    if (moved) L->quieted = 0;
    else if (sleep_in_poll(L, &end) < 0) break;
  }
  close_fd(&L->to_prog);
  close_fd(&L->from_prog);
  return end;
}
