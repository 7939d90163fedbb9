/* UCSPI-TLS, helper side: the clear-text phase of sslserver -n. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ucspi_tls.h"
#include "deadline.h"

#define BUFSIZE 16384
#define TLS_HANDSHAKE_RECORD 0x16

static void close_fd(int *fd) {
  if (*fd >= 0) close(*fd);
  *fd = -1;
}

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
static int flush_program(struct ucspi_tls_plain *p, char *buf, const char *pending, size_t len) {
  if (len && !write_all(p->sock, pending, len, p->idle)) return 0;
  for (;;) {
    ssize_t r = read(p->from_prog, buf, BUFSIZE);
    if (r > 0) {
      if (!write_all(p->sock, buf, (size_t)r, p->idle)) return 0;
      continue;
    }
    if (r < 0 && errno == EINTR) continue;
    return 1; /* EOF or nothing more written */
  }
}

enum ucspi_tls_result ucspi_tls_plain_relay(struct ucspi_tls_plain *p, const char **reason) {
  static char inbuf[BUFSIZE], outbuf[BUFSIZE];
  size_t inpos = 0, inlen = 0, scanpos = 0, cutat = 0, outpos = 0, outlen = 0;
  char line[48];     /* the start of the line being passed on, for the command check */
  size_t linelen = 0; /* bytes of that line seen so far (not capped) */
  const char *out = outbuf;
  int hold = 0, hello = 0, net_eof = 0, shut = 0, ctl_open = p->ctl >= 0;
  enum ucspi_tls_result result;

  *reason = "";
  if (p->banner && p->bannerlen) {
    out = p->banner;
    outlen = p->bannerlen;
  }
  fcntl(p->to_prog, F_SETFL, fcntl(p->to_prog, F_GETFL) | O_NONBLOCK);
  fcntl(p->from_prog, F_SETFL, fcntl(p->from_prog, F_GETFL) | O_NONBLOCK);
  if (ctl_open) fcntl(p->ctl, F_SETFL, fcntl(p->ctl, F_GETFL) | O_NONBLOCK);

  for (;;) {
    int progress = 0, n;
    ssize_t r;
    struct pollfd pf[4];

    /* the control socket first: a command ends the clear-text phase */
    if (ctl_open) {
      char cmd;
      r = read(p->ctl, &cmd, 1);
      if (r == 1) {
        int queued = 0;
        if (cmd != 'y' && cmd != 'Y') {
          *reason = "unknown command on the control socket";
          result = UCSPI_TLS_BADCMD;
          break;
        }
        if (p->to_prog >= 0 && ioctl(p->to_prog, FIONREAD, &queued) == -1) queued = 0;
        if (inlen > inpos || queued > 0) {
          *reason = "client sent data after the TLS start command";
          result = UCSPI_TLS_INJECTED;
          break;
        }
        if (!flush_program(p, outbuf, out + outpos, outlen - outpos)) {
          *reason = strerror(errno);
          result = errno == ECONNRESET || errno == EPIPE ? UCSPI_TLS_CLOSED : UCSPI_TLS_ERROR;
          break;
        }
        close_fd(&p->to_prog);
        close_fd(&p->from_prog);
        return cmd == 'Y' ? UCSPI_TLS_START_ENV : UCSPI_TLS_START;
      }
      if (r == 0) ctl_open = 0; /* the program will not start TLS */
      else if (errno != EAGAIN && errno != EINTR) ctl_open = 0;
    }

    /* network -> inbuf; a TLS record at a line start waits for the command */
    if (!net_eof && !hello && p->to_prog >= 0 && inlen == 0) {
      if (linelen == 0) {
        unsigned char first;
        r = recv(p->sock, &first, 1, MSG_PEEK);
        if (r == 1 && first == TLS_HANDSHAKE_RECORD) hello = progress = 1;
      }
      if (!hello) {
        r = read(p->sock, inbuf, sizeof inbuf);
        if (r > 0) {
          inlen = (size_t)r;
          inpos = scanpos = cutat = 0;
          progress = 1;
        } else if (r == 0) net_eof = progress = 1;
        else if (errno == EINTR) progress = 1;
        else if (errno != EAGAIN) {
          *reason = strerror(errno);
          result = UCSPI_TLS_CLOSED;
          break;
        }
      }
    }
    /* find where a TLS start command ends: nothing after it passes yet */
    while (!cutat && scanpos < inlen) {
      char ch = inbuf[scanpos++];
      if (linelen < sizeof line) line[linelen] = ch;
      ++linelen;
      if (ch == '\n') {
        if (is_start_command(line, linelen < sizeof line ? linelen : sizeof line)) cutat = scanpos;
        linelen = 0;
      }
    }
    /* inbuf -> program */
    if (!hold && inlen > inpos && p->to_prog >= 0) {
      size_t end = cutat ? cutat : scanpos;
      if (end > inpos) {
        r = write(p->to_prog, inbuf + inpos, end - inpos);
        if (r > 0) {
          inpos += (size_t)r;
          progress = 1;
          if (cutat && inpos == cutat) {
            hold = 1; /* until the program answers */
            cutat = 0;
          }
          if (inpos == inlen) inpos = inlen = scanpos = 0;
        } else if (r < 0 && errno == EINTR) progress = 1;
        else if (r < 0 && errno != EAGAIN) { /* the program stopped reading */
          close_fd(&p->to_prog);
          inpos = inlen = scanpos = cutat = 0;
          progress = 1;
        }
      }
    }
    if (net_eof && inlen == 0 && p->to_prog >= 0) {
      close_fd(&p->to_prog);
      progress = 1;
    }
    /* program -> outbuf */
    if (p->from_prog >= 0 && outlen == 0) {
      r = read(p->from_prog, outbuf, sizeof outbuf);
      if (r > 0) {
        out = outbuf;
        outlen = (size_t)r;
        outpos = 0;
        hold = 0; /* it answered: what the client sent next may pass */
        progress = 1;
      } else if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
        close_fd(&p->from_prog);
        progress = 1;
      } else if (errno == EINTR)
        progress = 1;
    }
    /* outbuf -> network */
    if (outlen > outpos) {
      r = write(p->sock, out + outpos, outlen - outpos);
      if (r > 0) {
        outpos += (size_t)r;
        if (outpos == outlen) outpos = outlen = 0;
        progress = 1;
      } else if (r < 0 && errno == EINTR) progress = 1;
      else if (r < 0 && errno != EAGAIN) {
        *reason = strerror(errno);
        result = UCSPI_TLS_CLOSED;
        break;
      }
    }
    if (p->from_prog < 0 && outlen == 0 && !shut) {
      shutdown(p->sock, SHUT_WR);
      shut = progress = 1;
    }
    if (shut && p->to_prog < 0) {
      result = UCSPI_TLS_DONE;
      break;
    }
    if (progress) continue;

    pf[0].fd = p->sock;
    pf[0].events = 0;
    if (!net_eof && !hello && p->to_prog >= 0 && inlen == 0) pf[0].events |= POLLIN;
    if (outlen > outpos) pf[0].events |= POLLOUT;
    pf[1].fd = p->to_prog; /* POLLERR says the program is gone */
    pf[1].events = !hold && inlen > inpos ? POLLOUT : 0;
    pf[2].fd = p->from_prog;
    pf[2].events = outlen == 0 ? POLLIN : 0;
    pf[3].fd = ctl_open ? p->ctl : -1;
    pf[3].events = POLLIN;
    if (!pf[0].events) pf[0].fd = -1;
    n = poll(pf, 4, p->idle > 2000000 ? 2000000000 : (int)(p->idle * 1000));
    if (n == 0) {
      *reason = "timed out";
      result = UCSPI_TLS_IDLE;
      break;
    }
    if (n < 0 && errno != EINTR) {
      *reason = strerror(errno);
      result = UCSPI_TLS_ERROR;
      break;
    }
    if (n > 0 && p->to_prog >= 0 && (pf[1].revents & (POLLERR | POLLHUP)) && (hold || inlen == inpos))
      close_fd(&p->to_prog);
  }
  close_fd(&p->to_prog);
  close_fd(&p->from_prog);
  return result;
}

int ucspi_tls_send_env(int ctl, const char *env, size_t len, unsigned long seconds) {
  static const char nul = 0;
  if (len && !write_all(ctl, env, len, seconds)) return 0;
  if (!len && !write_all(ctl, &nul, 1, seconds)) return 0; /* an empty set is \0\0 */
  return write_all(ctl, &nul, 1, seconds);
}
