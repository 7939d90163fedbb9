/* UCSPI-TLS, helper side: the clear-text phase of sslserver -n, the relay
   loop (relay_loop.c) on read(2)/write(2) with its hooks. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "deadline.h"
#include "relay_loop.h"
#include "ucspi_tls.h"

#define TLS_HANDSHAKE_RECORD 0x16

static int word_is(const char *s, size_t n, const char *w) {
  size_t k = strlen(w), i;
  if (n < k) return 0;
  for (i = 0; i < k; ++i) {
    char c = s[i];
    if (c >= 'a' && c <= 'z') c = (char)(c - 32);
    if (c != w[i]) return 0;
  }
  return n == k || s[k] == ' ' || s[k] == '\r' || s[k] == '\n' || s[k] == '\t';
}

/* STARTTLS (SMTP, IMAP after a tag, LMTP) or STLS (POP3) */
static int is_start_command(const char *s, size_t n) {
  size_t i = 0, w;
  int word;
  for (word = 0; word < 2; ++word) {
    while (i < n && (s[i] == ' ' || s[i] == '\t')) ++i;
    if (word_is(s + i, n - i, "STARTTLS") || word_is(s + i, n - i, "STLS")) return 1;
    for (w = i; w < n && s[w] != ' ' && s[w] != '\t' && s[w] != '\r' && s[w] != '\n'; ++w) {}
    if (w == i) return 0;
    i = w;
  }
  return 0;
}

/* writes all of buf to a non-blocking fd within seconds */
static int write_all(int fd, const char *buf, size_t len, unsigned long seconds) {
  long long deadline = deadline_in(seconds);
  while (len) {
    ssize_t w = write(fd, buf, len);
    if (w > 0) {
      buf += w;
      len -= (size_t)w;
      continue;
    }
    if (w < 0 && errno == EINTR) continue;
    if (w < 0 && errno == EAGAIN) {
      if (deadline_poll(fd, POLLOUT, deadline) == 0) return 0; /* errno ETIMEDOUT */
      continue;
    }
    return 0;
  }
  return 1;
}

/* the program's output written before its command goes out first: the
   answer to STARTTLS precedes the handshake */
static int flush_program(struct relay_loop *L) {
  size_t len = L->outlen - L->outpos;
  if (len && !write_all(L->sock, L->out + L->outpos, len, L->idle)) return 0;
  for (;;) {
    ssize_t r = read(L->from_prog, L->outbuf, RELAY_BUFSIZE);
    if (r > 0) {
      if (!write_all(L->sock, L->outbuf, (size_t)r, L->idle)) return 0;
      continue;
    }
    if (r < 0 && errno == EINTR) continue;
    return 1; /* EOF or nothing more written */
  }
}

/* the clear-text phase's own state, the hooks' L->ctx */
struct plain_phase {
  char line[48];      /* the start of the line being passed on, for the command check */
  size_t linelen;     /* bytes of that line seen so far (not capped) */
  enum ucspi_tls_result code; /* why the control hook ended the relay */
};

static int stop(struct relay_loop *L, enum ucspi_tls_result code, const char *reason) {
  struct plain_phase *ph = L->ctx;
  ph->code = code;
  L->reason = reason;
  return 1;
}

/* the control socket first: a command ends the clear-text phase */
static int control(struct relay_loop *L) {
  char cmd;
  int queued = 0;
  ssize_t r;
  if (L->extra_fd < 0) return 0;
  r = read(L->extra_fd, &cmd, 1);
  if (r != 1) {
    if (r == 0 || (errno != EAGAIN && errno != EINTR))
      L->extra_fd = -1; /* the program will not start TLS */
    return 0;
  }
  if (cmd != 'y' && cmd != 'Y')
    return stop(L, UCSPI_TLS_BADCMD, "unknown command on the control socket");
  if (L->to_prog >= 0 && ioctl(L->to_prog, FIONREAD, &queued) == -1) queued = 0;
  if (L->inlen > L->inpos || queued > 0)
    return stop(L, UCSPI_TLS_INJECTED, "client sent data after the TLS start command");
  if (!flush_program(L)) {
    int e = errno;
    return stop(L, e == ECONNRESET || e == EPIPE ? UCSPI_TLS_CLOSED : UCSPI_TLS_ERROR, strerror(e));
  }
  return stop(L, cmd == 'Y' ? UCSPI_TLS_START_ENV : UCSPI_TLS_START, "");
}

/* a TLS record at a line start is never read as clear text: it waits for
   the command */
static int hello_gate(struct relay_loop *L) {
  struct plain_phase *ph = L->ctx;
  unsigned char first;
  if (ph->linelen) return 0;
  return recv(L->sock, &first, 1, MSG_PEEK) == 1 && first == TLS_HANDSHAKE_RECORD;
}

/* where a TLS start command's line ends: nothing after it passes yet */
static size_t find_start(struct relay_loop *L, const char *s, size_t n, int *cut) {
  struct plain_phase *ph = L->ctx;
  size_t i = 0;
  while (i < n) {
    char ch = s[i++];
    if (ph->linelen < sizeof ph->line) ph->line[ph->linelen] = ch;
    ++ph->linelen;
    if (ch != '\n') continue;
    *cut = is_start_command(ph->line, ph->linelen < sizeof ph->line ? ph->linelen : sizeof ph->line);
    ph->linelen = 0;
    if (*cut) break;
  }
  return i;
}

static ssize_t sock_read(struct relay_loop *L, char *buf, size_t len, short *wants) {
  ssize_t r = read(L->sock, buf, len);
  if (r >= 0) return r;
  if (errno == EINTR) return RELAY_IO_AGAIN;
  if (errno == EAGAIN) {
    *wants = POLLIN;
    return RELAY_IO_WAIT;
  }
  L->reason = strerror(errno);
  return RELAY_IO_CLOSED;
}

static ssize_t sock_write(struct relay_loop *L, const char *buf, size_t len, short *wants) {
  ssize_t r = write(L->sock, buf, len);
  if (r > 0) return r;
  if (r < 0 && errno == EINTR) return RELAY_IO_AGAIN;
  if (r < 0 && errno != EAGAIN) {
    L->reason = strerror(errno);
    return RELAY_IO_CLOSED;
  }
  *wants = POLLOUT;
  return RELAY_IO_WAIT;
}

static const struct relay_ops plain_ops = {sock_read, sock_write, 0, control, hello_gate, find_start};

static void nonblocking(int fd) {
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

enum ucspi_tls_result ucspi_tls_plain_relay(struct ucspi_tls_plain *p, const char **reason) {
  struct plain_phase ph;
  struct relay_loop L;
  enum relay_end end;

  memset(&ph, 0, sizeof ph);
  nonblocking(p->to_prog);
  nonblocking(p->from_prog);
  if (p->ctl >= 0) nonblocking(p->ctl);
  relay_loop_init(&L, &plain_ops, &ph, p->sock, p->to_prog, p->from_prog, p->idle, p->banner,
                  p->bannerlen);
  L.extra_fd = p->ctl >= 0 ? p->ctl : -1;
  end = relay_loop_run(&L);
  p->to_prog = p->from_prog = -1;
  *reason = L.reason;
  switch (end) {
  case RELAY_STOPPED: return ph.code;
  case RELAY_DONE: return UCSPI_TLS_DONE;
  case RELAY_IDLE: return UCSPI_TLS_IDLE;
  case RELAY_CLOSED: return UCSPI_TLS_CLOSED;
  default: return UCSPI_TLS_ERROR;
  }
}

int ucspi_tls_send_env(int ctl, const char *env, size_t len, unsigned long seconds) {
  static const char nul = 0;
  if (len && !write_all(ctl, env, len, seconds)) return 0;
  if (!len && !write_all(ctl, &nul, 1, seconds)) return 0; /* an empty set is \0\0 */
  return write_all(ctl, &nul, 1, seconds);
}
