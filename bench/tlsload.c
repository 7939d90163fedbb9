/* tlsload: a load generator for sslserver and its peers. One process, one
   epoll loop, -c connections in flight, bounded by -n connections and -t
   seconds. Prints one JSON line with the rate, p50/p99 latency and errors.

   Modes:
     full    TLS 1.3 full handshake, 16-byte echo, close_notify, wait for EOF
     resume  the same, offering a fresh session ticket; reports the share
             of connections that really resumed (-s port: the tickets come
             from the server on that port, another process sharing the
             ticket keys, and are offered to the one on -p)
     plain   TCP only: 16-byte echo, FIN, wait for EOF (for tcpserver)
     deny    connect, send the first record of a ClientHello (as any TLS
             client does before the server decides anything), expect the
             server to close without a byte
     bulk    one connection, -b bytes each way through the echo program
     bulkplain  the same without TLS
     idle    open -c TLS connections (echo checked), report, then hold them
             until stdin reaches EOF or -t seconds pass
     flood   full, but a connection the server closes before its first byte
             is "refused", not an error (rate limits); reports the accepted
             ones per window of -W seconds (by connect time)

   -B addr binds the connections to a source address; -R rate starts them
   open loop, rate per second whatever the server does (-c still bounds
   those in flight); -T seconds fails a connection not done by then
   ("timed out"), and the run waits that long for the last ones.

   A connection counts once the server closed it: a slot is busy for the
   whole life of a connection, so -c bounds the server's children too. */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "netaddr.h"

enum mode { M_FULL, M_RESUME, M_PLAIN, M_DENY, M_BULK, M_BULKPLAIN, M_IDLE, M_FLOOD };
enum state { S_FREE, S_CONNECT, S_HANDSHAKE, S_SEND, S_RECV, S_SHUT, S_EOF, S_BULK, S_HOLD };

struct slot {
  int fd;
  enum state st;
  SSL *ssl;
  double start;        /* connect() called */
  size_t got;          /* echo bytes received */
  size_t sent;         /* bulk bytes written */
  unsigned ev;         /* events registered with epoll */
  int offered;         /* a session ticket was offered */
};

static enum mode mode = M_FULL;
static const char *host = "127.0.0.1", *port;
static unsigned long conc = 1, count = 1000, bulkbytes = 256UL << 20;
static double seconds = 5;
static const char *suites = "TLS_AES_128_GCM_SHA256";
static int tls, reverse;
static const char *source;     /* -B */
static struct sockaddr_storage srcaddr;
static socklen_t srcaddrlen;
static double openrate;        /* -R: connections per second, 0: closed loop */
static double nextstart;
static double window = 1;      /* -W */
static double attempt_timeout; /* -T: 0, none */
static unsigned long refused, *accepted_in; /* flood: refused; accepted per window */
static size_t nwindows;

static SSL_CTX *ctx;
static SSL_SESSION **tickets; /* unused sessions the servers gave us, newest last */
static size_t ntickets, maxtickets;
static struct sockaddr_storage addr, primeaddr;
static socklen_t addrlen, primeaddrlen;
static const char *primeport; /* -s: where resume mode gets its tickets */
static int priming;
static int ep;
static struct slot *slots;

static const char payload[16] = "0123456789abcde\n";
static char expect[16]; /* the echo: payload, or with -r reversed before the newline
                           (openssl s_server -rev) */

/* results */
static unsigned long started, done, errors, offered, resumed, denied, primed;
static double *lat;
static size_t nlat;
static char firsterr[200];
static double t0, tend;
static unsigned long long bulkin;

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void usage(void) {
  fprintf(stderr, "usage: tlsload -m full|resume|plain|deny|bulk|bulkplain|idle|flood [-a host] -p port"
                  " [-s port] [-c conc] [-n count] [-t seconds] [-b bytes] [-C suites] [-r]"
                  " [-B source] [-R rate] [-W window] [-T timeout]\n");
  exit(100);
}

static void fatal(const char *what) {
  fprintf(stderr, "tlsload: fatal: %s: %s\n", what, strerror(errno));
  exit(111);
}

/* Tickets are used once each, as OpenSSL's client wants for TLS 1.3 (it
   marks a session not resumable once a handshake with it completes): a
   stack of the newest ones, each connection takes one. */
static int new_session(SSL *ssl, SSL_SESSION *sess) {
  (void)ssl;
  if (ntickets == maxtickets) {
    SSL_SESSION_free(tickets[0]);
    memmove(tickets, tickets + 1, (maxtickets - 1) * sizeof *tickets);
    --ntickets;
  }
  tickets[ntickets++] = sess;
  return 1; /* we keep the reference */
}

static void setup_tls(void) {
  ctx = SSL_CTX_new(TLS_client_method());
  if (!ctx) exit(111);
  SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION);
  SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION);
  if (SSL_CTX_set1_groups_list(ctx, "X25519") != 1 || SSL_CTX_set_ciphersuites(ctx, suites) != 1) {
    fprintf(stderr, "tlsload: fatal: unable to set X25519 or %s\n", suites);
    exit(100);
  }
  SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, 0);
  SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
  if (mode == M_RESUME) {
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL_STORE);
    SSL_CTX_sess_set_new_cb(ctx, new_session);
  } else {
    SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
    SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
  }
}

static void resolve_to(const char *p, struct sockaddr_storage *a, socklen_t *len) {
  netaddr("tlsload", host, p, a, len);
}

static void resolve(void) {
  if (source) {
    const char *h = host;
    host = source;
    resolve_to("0", &srcaddr, &srcaddrlen);
    host = h;
  }
  resolve_to(port, &addr, &addrlen);
  if (primeport) resolve_to(primeport, &primeaddr, &primeaddrlen);
}

static void want(struct slot *s, unsigned ev) {
  struct epoll_event e;
  if (s->ev == ev) return;
  e.events = ev;
  e.data.ptr = s;
  if (epoll_ctl(ep, EPOLL_CTL_MOD, s->fd, &e) == -1) fatal("epoll_ctl");
  s->ev = ev;
}

/* close without TIME_WAIT: by now both sides have sent FIN (or it failed) */
static void release(struct slot *s) {
  struct linger l = {1, 0};
  if (s->ssl) SSL_free(s->ssl);
  s->ssl = 0;
  setsockopt(s->fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
  close(s->fd);
  s->fd = -1;
  s->st = S_FREE;
}

static void fail(struct slot *s, const char *why) {
  ++errors;
  if (!firsterr[0]) {
    unsigned long e = ERR_peek_last_error();
    snprintf(firsterr, sizeof firsterr, "%s%s%s", why, e ? ": " : (errno ? ": " : ""),
             e ? ERR_reason_error_string(e) ? ERR_reason_error_string(e) : "?"
               : (errno ? strerror(errno) : ""));
  }
  ERR_clear_error();
  release(s);
}

static void finish(struct slot *s) {
  ++done;
  tend = now();
  release(s);
}

static void start(struct slot *s) {
  struct epoll_event e;
  int one = 1;
  s->fd = socket(addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (s->fd == -1) fatal("socket");
  setsockopt(s->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (source && bind(s->fd, (struct sockaddr *)&srcaddr, srcaddrlen) == -1) fatal("bind");
  s->start = now();
  s->got = s->sent = 0;
  s->offered = 0;
  s->ssl = 0;
  s->st = S_CONNECT;
  ++started;
  e.events = s->ev = EPOLLOUT;
  e.data.ptr = s;
  if (epoll_ctl(ep, EPOLL_CTL_ADD, s->fd, &e) == -1) fatal("epoll_ctl");
  if (priming && primeport) {
    if (connect(s->fd, (struct sockaddr *)&primeaddr, primeaddrlen) == 0) return;
  } else if (connect(s->fd, (struct sockaddr *)&addr, addrlen) == 0)
    return; /* EPOLLOUT follows */
  if (errno != EINPROGRESS) fail(s, "connect");
}

/* SSL call result -> epoll wish; 0 = go on, -1 = the slot failed */
static int tls_wait(struct slot *s, int r, const char *what) {
  int e = SSL_get_error(s->ssl, r);
  if (e == SSL_ERROR_WANT_READ) want(s, EPOLLIN);
  else if (e == SSL_ERROR_WANT_WRITE) want(s, EPOLLOUT);
  else {
    fail(s, what);
    return -1;
  }
  return 1;
}

static void record_latency(struct slot *s) {
  if (nlat < count + conc) lat[nlat++] = (now() - s->start) * 1000.0;
}

static char bulkbuf[65536];

/* Drives one slot as far as it goes without blocking. */
static void step(struct slot *s) {
  char buf[16384];
  int r;
  ssize_t n;

  for (;;) switch (s->st) {
    case S_FREE:
      return;
    case S_CONNECT: {
      int err = 0;
      socklen_t len = sizeof err;
      getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &len);
      if (err) {
        errno = err;
        fail(s, "connect");
        return;
      }
      if (mode == M_DENY) {
        /* a whole (empty) ClientHello record: the server's wait set hands
           the connection to the rules only once a first record is whole */
        static const unsigned char hello[] = {22, 3, 1, 0, 4, 1, 0, 0, 0};
        if (write(s->fd, hello, sizeof hello) != (ssize_t)sizeof hello) {
          fail(s, "write");
          return;
        }
        s->st = S_EOF;
        want(s, EPOLLIN);
        return;
      }
      if (!tls) {
        s->st = (mode == M_BULKPLAIN) ? S_BULK : S_SEND;
        continue;
      }
      s->ssl = SSL_new(ctx);
      if (!s->ssl || SSL_set_fd(s->ssl, s->fd) != 1) {
        fail(s, "SSL_new");
        return;
      }
      if (mode == M_RESUME && ntickets) {
        SSL_SESSION *t = tickets[--ntickets];
        if (SSL_SESSION_is_resumable(t)) {
          SSL_set_session(s->ssl, t);
          s->offered = 1;
        }
        SSL_SESSION_free(t);
      }
      s->st = S_HANDSHAKE;
      continue;
    }
    case S_HANDSHAKE:
      ERR_clear_error();
      r = SSL_connect(s->ssl);
      if (r != 1) {
        int e = SSL_get_error(s->ssl, r);
        /* with SSL_OP_IGNORE_UNEXPECTED_EOF a bare EOF reads as ZERO_RETURN */
        if (mode == M_FLOOD &&
            (e == SSL_ERROR_SYSCALL || e == SSL_ERROR_SSL || e == SSL_ERROR_ZERO_RETURN) &&
            BIO_number_read(SSL_get_rbio(s->ssl)) == 0) {
          ++refused; /* closed before its first byte: the limit */
          ERR_clear_error();
          finish(s);
          --done;
          return;
        }
        tls_wait(s, r, "handshake");
        return;
      }
      s->st = (mode == M_BULK) ? S_BULK : S_SEND;
      continue;
    case S_SEND:
      if (tls) {
        ERR_clear_error();
        r = SSL_write(s->ssl, payload, sizeof payload);
        if (r <= 0) {
          tls_wait(s, r, "write");
          return;
        }
      } else {
        n = write(s->fd, payload, sizeof payload);
        if (n != (ssize_t)sizeof payload) {
          if (n < 0 && errno == EAGAIN) {
            want(s, EPOLLOUT);
            return;
          }
          fail(s, "write");
          return;
        }
      }
      s->st = S_RECV;
      continue;
    case S_RECV:
      if (tls) {
        ERR_clear_error();
        r = SSL_read(s->ssl, buf, (int)(sizeof payload - s->got));
        if (r <= 0) {
          if (SSL_get_error(s->ssl, r) == SSL_ERROR_ZERO_RETURN) {
            errno = 0;
            fail(s, "closed before the echo");
          } else tls_wait(s, r, "read");
          return;
        }
        n = r;
      } else {
        n = read(s->fd, buf, sizeof payload - s->got);
        if (n <= 0) {
          if (n < 0 && errno == EAGAIN) {
            want(s, EPOLLIN);
            return;
          }
          if (n == 0) errno = 0;
          fail(s, "closed before the echo");
          return;
        }
      }
      if (memcmp(buf, expect + s->got, (size_t)n)) {
        errno = 0;
        fail(s, "echo differs");
        return;
      }
      s->got += (size_t)n;
      if (s->got < sizeof payload) continue;
      record_latency(s);
      if (mode == M_FLOOD && s->start >= t0) {
        size_t w = (size_t)((s->start - t0) / window);
        if (w < nwindows) ++accepted_in[w];
      }
      if (s->offered) ++offered;
      if (s->offered && SSL_session_reused(s->ssl)) ++resumed;
      if (mode == M_IDLE) {
        s->st = S_HOLD;
        ++done;
        tend = now();
        want(s, EPOLLIN);
        return;
      }
      s->st = S_SHUT;
      continue;
    case S_SHUT:
      if (tls) {
        ERR_clear_error();
        r = SSL_shutdown(s->ssl);
        if (r < 0) {
          tls_wait(s, r, "shutdown");
          return;
        }
      }
      shutdown(s->fd, SHUT_WR);
      s->st = S_EOF;
      want(s, EPOLLIN);
      continue;
    case S_EOF:
      /* the server's close: close_notify and FIN, or only FIN */
      if (tls && mode != M_DENY) {
        ERR_clear_error();
        r = SSL_read(s->ssl, buf, sizeof buf);
        if (r > 0) continue; /* late tickets */
        int e = SSL_get_error(s->ssl, r);
        if (e == SSL_ERROR_WANT_READ) {
          want(s, EPOLLIN);
          return;
        }
        if (e == SSL_ERROR_ZERO_RETURN || e == SSL_ERROR_SYSCALL || e == SSL_ERROR_SSL) {
          finish(s);
          return;
        }
        fail(s, "read at close");
        return;
      }
      n = read(s->fd, buf, sizeof buf);
      if (n < 0 && errno == EAGAIN) {
        want(s, EPOLLIN);
        return;
      }
      if (n > 0 && mode == M_DENY) {
        errno = 0;
        fail(s, "denied connection sent data");
        return;
      }
      if (n > 0) continue;
      if (mode == M_DENY) {
        ++denied;
        record_latency(s);
      }
      finish(s); /* EOF or a reset both end it */
      return;
    case S_BULK: {
      unsigned ev = 0;
      int progress = 0;
      /* write while the peer takes it */
      if (s->sent < bulkbytes) {
        size_t chunk = bulkbytes - s->sent;
        if (chunk > 16384) chunk = 16384;
        if (tls) {
          ERR_clear_error();
          r = SSL_write(s->ssl, bulkbuf, (int)chunk);
          if (r > 0) {
            s->sent += (size_t)r;
            progress = 1;
          } else {
            int e = SSL_get_error(s->ssl, r);
            if (e == SSL_ERROR_WANT_WRITE) ev |= EPOLLOUT;
            else if (e == SSL_ERROR_WANT_READ) ev |= EPOLLIN;
            else {
              fail(s, "bulk write");
              return;
            }
          }
        } else {
          n = write(s->fd, bulkbuf, chunk);
          if (n > 0) {
            s->sent += (size_t)n;
            progress = 1;
          } else if (errno == EAGAIN) ev |= EPOLLOUT;
          else {
            fail(s, "bulk write");
            return;
          }
        }
        if (s->sent == bulkbytes) {
          if (tls) SSL_shutdown(s->ssl); /* close_notify: cat sees EOF */
          shutdown(s->fd, SHUT_WR);
        }
      }
      /* read what came back */
      if (tls) {
        ERR_clear_error();
        r = SSL_read(s->ssl, bulkbuf, sizeof bulkbuf);
        if (r > 0) {
          bulkin += (unsigned)r;
          progress = 1;
        } else {
          int e = SSL_get_error(s->ssl, r);
          if (e == SSL_ERROR_WANT_READ) ev |= EPOLLIN;
          else if (e == SSL_ERROR_WANT_WRITE) ev |= EPOLLOUT;
          else if (e == SSL_ERROR_ZERO_RETURN || e == SSL_ERROR_SYSCALL) goto bulkend;
          else {
            fail(s, "bulk read");
            return;
          }
        }
      } else {
        n = read(s->fd, bulkbuf, sizeof bulkbuf);
        if (n > 0) {
          bulkin += (size_t)n;
          progress = 1;
        } else if (n < 0 && errno == EAGAIN) ev |= EPOLLIN;
        else goto bulkend;
      }
      if (progress) continue;
      want(s, ev ? ev : EPOLLIN);
      return;
    bulkend:
      if (bulkin != bulkbytes || s->sent != bulkbytes) {
        errno = 0;
        fail(s, "bulk byte count differs");
        return;
      }
      finish(s);
      return;
    }
    case S_HOLD:
      /* an idle connection: anything but tickets is the server leaving */
      if (tls) {
        ERR_clear_error();
        r = SSL_read(s->ssl, buf, sizeof buf);
        if (r > 0) continue;
        if (SSL_get_error(s->ssl, r) == SSL_ERROR_WANT_READ) return;
      }
      errno = 0;
      fail(s, "idle connection closed by the server");
      --done;
      return;
  }
}

static int cmp(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static double pct(double p) {
  size_t i;
  if (!nlat) return 0;
  i = (size_t)(p * (double)(nlat - 1) + 0.5);
  return lat[i];
}

static const char *mode_name(void) {
  static const char *names[] = {"full", "resume", "plain", "deny", "bulk", "bulkplain", "idle",
                                "flood"};
  return names[mode];
}

static void report(void) {
  double el = (tend > t0 ? tend : now()) - t0;
  qsort(lat, nlat, sizeof *lat, cmp);
  printf("{\"mode\":\"%s\",\"concurrency\":%lu,\"connections\":%lu,\"errors\":%lu,"
         "\"seconds\":%.4f,\"rate\":%.1f,\"p50_ms\":%.3f,\"p99_ms\":%.3f",
         mode_name(), conc, done, errors, el, el > 0 ? (double)done / el : 0, pct(0.5), pct(0.99));
  if (mode == M_RESUME)
    printf(",\"primed\":%lu,\"offered\":%lu,\"resumed\":%lu,\"resumed_share\":%.4f,"
           "\"offered_share\":%.4f",
           primed, offered, resumed, offered ? (double)resumed / (double)offered : 0,
           done ? (double)offered / (double)done : 0);
  if (mode == M_DENY) printf(",\"denied\":%lu", denied);
  if (mode == M_FLOOD) {
    size_t w;
    printf(",\"refused\":%lu,\"window_s\":%g,\"accepted_per_window\":[", refused, window);
    for (w = 0; w < nwindows; ++w) printf("%s%lu", w ? "," : "", accepted_in[w]);
    printf("]");
  }
  if (openrate > 0) printf(",\"offered_rate\":%.1f", openrate);
  if (mode == M_BULK || mode == M_BULKPLAIN)
    printf(",\"bytes_each_way\":%lu,\"mb_per_s\":%.1f", bulkbytes,
           el > 0 && done ? (double)bulkbytes / 1e6 / el : 0);
  if (mode == M_IDLE) printf(",\"established\":%lu", done);
  if (firsterr[0]) {
    char *p;
    for (p = firsterr; *p; ++p)
      if (*p == '"' || *p == '\\' || (unsigned char)*p < 32) *p = '?';
    printf(",\"first_error\":\"%s\"", firsterr);
  }
  printf("}\n");
  fflush(stdout);
}

/* Runs until every slot is free and nothing more may start, or the hard
   deadline passes. */
static void loop(double deadline, double hard) {
  struct epoll_event evs[256];
  unsigned long i;
  for (;;) {
    int more = started < count && now() < deadline;
    int busy = 0, n, k, wait = 100;
    for (i = 0; i < conc; ++i) {
      /* open loop: a start only when its time came */
      if (slots[i].st == S_FREE && more && started < count && (!openrate || now() >= nextstart)) {
        if (openrate) nextstart += 1.0 / openrate;
        start(&slots[i]);
        step(&slots[i]);
      }
      if (slots[i].st != S_FREE && slots[i].st != S_HOLD && attempt_timeout > 0 &&
          now() - slots[i].start > attempt_timeout) {
        errno = ETIMEDOUT;
        fail(&slots[i], "timed out");
      }
      if (slots[i].st != S_FREE) ++busy;
    }
    if (openrate && more) {
      double d = (nextstart - now()) * 1000.0;
      wait = d <= 0 ? 0 : d < 100 ? (int)d + 1 : 100;
    }
    if (mode == M_IDLE) {
      int holding = 0;
      for (i = 0; i < conc; ++i) holding += slots[i].st == S_HOLD;
      if (holding == busy && (!more || started >= count)) return;
    }
    if (!busy && !(started < count && now() < deadline)) return;
    if (now() > hard) return;
    n = epoll_wait(ep, evs, 256, wait);
    if (n < 0 && errno != EINTR) fatal("epoll_wait");
    for (k = 0; k < n; ++k) step(evs[k].data.ptr);
  }
}

int main(int argc, char **argv) {
  int opt;
  unsigned long i;
  struct rlimit rl;

  while ((opt = getopt(argc, argv, "m:a:p:s:c:n:t:b:C:rB:R:W:T:")) != -1) switch (opt) {
      case 'm':
        if (!strcmp(optarg, "full")) mode = M_FULL;
        else if (!strcmp(optarg, "resume")) mode = M_RESUME;
        else if (!strcmp(optarg, "plain")) mode = M_PLAIN;
        else if (!strcmp(optarg, "deny")) mode = M_DENY;
        else if (!strcmp(optarg, "bulk")) mode = M_BULK;
        else if (!strcmp(optarg, "bulkplain")) mode = M_BULKPLAIN;
        else if (!strcmp(optarg, "idle")) mode = M_IDLE;
        else if (!strcmp(optarg, "flood")) mode = M_FLOOD;
        else usage();
        break;
      case 'a': host = optarg; break;
      case 'p': port = optarg; break;
      case 's': primeport = optarg; break;
      case 'c': conc = strtoul(optarg, 0, 10); break;
      case 'n': count = strtoul(optarg, 0, 10); break;
      case 't': seconds = atof(optarg); break;
      case 'b': bulkbytes = strtoul(optarg, 0, 10); break;
      case 'C': suites = optarg; break;
      case 'r': reverse = 1; break;
      case 'B': source = optarg; break;
      case 'R': openrate = atof(optarg); break;
      case 'W': window = atof(optarg); break;
      case 'T': attempt_timeout = atof(optarg); break;
      default: usage();
    }
  if (!port || !conc || !count || seconds <= 0 || window <= 0 || openrate < 0 ||
      attempt_timeout < 0)
    usage();
  tls = mode == M_FULL || mode == M_RESUME || mode == M_BULK || mode == M_IDLE || mode == M_FLOOD;
  if (mode == M_BULK || mode == M_BULKPLAIN) conc = count = 1;
  if (mode == M_IDLE) count = conc;
  signal(SIGPIPE, SIG_IGN);
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < conc + 64 && rl.rlim_max >= conc + 64) {
    rl.rlim_cur = conc + 64;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
  resolve();
  if (tls) setup_tls();
  memset(bulkbuf, 'x', sizeof bulkbuf);
  for (i = 0; i < sizeof payload; ++i)
    expect[i] = reverse && i < sizeof payload - 1 ? payload[sizeof payload - 2 - i] : payload[i];
  ep = epoll_create1(EPOLL_CLOEXEC);
  if (ep == -1) fatal("epoll_create1");
  slots = calloc(conc, sizeof *slots);
  lat = calloc(count + conc, sizeof *lat);
  if (!slots || !lat) fatal("calloc");
  for (i = 0; i < conc; ++i) slots[i].fd = -1;

  if (mode == M_RESUME) {
    /* outside the clock, one connection at a time, a ticket for every slot */
    unsigned long saved = conc, savedcount = count;
    maxtickets = 4 * conc + 8;
    tickets = calloc(maxtickets, sizeof *tickets);
    if (!tickets) fatal("calloc");
    conc = 1;
    priming = 1;
    t0 = now();
    for (count = 1; ntickets < saved && count <= 2 * saved + 2 && now() < t0 + seconds; ++count)
      loop(t0 + seconds, t0 + seconds + 10);
    conc = saved;
    count = savedcount;
    if (!ntickets) {
      fprintf(stderr, "tlsload: fatal: the server gave no session ticket (%s)\n", firsterr);
      exit(111);
    }
    priming = 0;
    primed = done;
    started = done = errors = offered = resumed = 0;
    nlat = 0;
    firsterr[0] = 0;
  }
  if (mode == M_FLOOD) {
    nwindows = (size_t)(seconds / window + 0.999);
    accepted_in = calloc(nwindows ? nwindows : 1, sizeof *accepted_in);
    if (!accepted_in) fatal("calloc");
  }
  t0 = tend = nextstart = now();
  loop(t0 + seconds, t0 + seconds + attempt_timeout + 10);
  if (mode == M_IDLE) {
    struct pollfd p = {0, POLLIN, 0};
    char c[64];
    report();
    /* hold until stdin closes or the time is up */
    double until = now() + seconds;
    while (now() < until) {
      int r = poll(&p, 1, 200);
      if (r > 0 && read(0, c, sizeof c) <= 0) break;
    }
    return 0;
  }
  for (i = 0; i < conc; ++i)
    if (slots[i].st != S_FREE) {
      errno = 0;
      fail(&slots[i], "unfinished at the deadline");
    }
  report();
  return errors ? 1 : 0;
}
