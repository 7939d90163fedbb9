/* One getopt loop for every server, so the letters mean the same thing in
   each; a program that lacks a letter rejects it as a usage error. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libowfat/scan.h>
#include <libowfat/stralloc.h>

#include "log.h"
#include "server_options.h"

static const char *progname;
static int have;

/* ucspi-ssl's usage lines, word for word (the missing blank after the
   name in sslhandle's is its own), for sslserver and for sslhandle and
   sslprint; sslwrap, which ucspi-ssl lacks, has its own */
#define SSLSERVER_USAGE                                                                        \
  " [ -1346UXpPhHrRoOdDqQvVIeEsSnNmzZ ] [ -c limit ] [ -y iprules.cdb ] [ -x rules.cdb ]"     \
  " [ -B banner ] [ -g gid ] [ -u uid ] [ -b backlog ] [ -l localname ] [ -t timeout ]"       \
  " [ -I interface ] [ -T ssltimeout ] [ -w progtimeout ] host port program"
#define SSLHANDLE_USAGE                                                                        \
  "[ -1346UXpPhHrRoOdDqQviIeEsS ] [ -c limit ] [ -x rules.cdb ] [ -B banner ] [ -g gid ]"     \
  " [ -u uid ] [ -b backlog ] [ -l localname ] [ -t timeout ] [ -T ssltimeout ]"             \
  " [ -w progtimeout ] [ -f lockfile ] [ -I interface ] host port program"

static void usage(void) {
  static stralloc u;
  const char *flags = have & SERVER_LISTENS ? "1346UXpPhHrRoOdDqQvVeEsS" : "3UXpPhHrRoOdDqQvVeEsS";
  if (!stralloc_copys(&u, "usage: ") || !stralloc_cats(&u, progname) || !stralloc_cats(&u, " [ -") ||
      !stralloc_cats(&u, flags) || !stralloc_cats(&u, have & SERVER_UCSPI_TLS ? "nN" : "N") ||
      !stralloc_cats(&u, "mzZ ]") ||
      !stralloc_cats(&u, have & SERVER_LISTENS ? " [ -c limit ]" : "") ||
      !stralloc_cats(&u, " [ -x rules.cdb ] [ -y iprules.cdb ] [ -B banner ] [ -g gid ] [ -u uid ]") ||
      !stralloc_cats(&u, have & SERVER_LISTENS ? " [ -b backlog ]" : "") ||
      !stralloc_cats(&u, " [ -l localname ] [ -t timeout ] [ -T tlstimeout ] [ -w idletimeout ]") ||
      !stralloc_cats(&u, have & SERVER_LOCKFILE ? " [ -f lockfile ]" : "") ||
      !stralloc_cats(&u, have & SERVER_LISTENS ? " [ -I interface ] host port" : "") ||
      !stralloc_cats(&u, have & SERVER_PROG ? " program" : "") || !stralloc_0(&u))
    log_nomem();
  if (have & SERVER_LISTENS)
    log_line("usage: ", progname, have & SERVER_TERSE ? SSLHANDLE_USAGE : SSLSERVER_USAGE, (char *)0);
  else
    log_line(u.s, (char *)0);
  _exit(100);
}

static unsigned long number(const char *s) {
  unsigned long u;
  size_t n = scan_ulong(s, &u);
  if (!n || s[n]) usage();
  return u;
}

/* a wait-set bound: a number of at least min, else fatal (100) */
static unsigned long env_number(const char *name, const char *x, unsigned long min) {
  unsigned long u;
  size_t n = scan_ulong(x, &u);
  if (!n || x[n] || u < min || u > 1000000)
    log_fatal(100, name, min ? " is not a number from 1 to 1000000: " : " is not a number from 0 to 1000000: ", x, (char *)0);
  return u;
}

/* a limit that does not parse must not leave the server unlimited */
static void rate_env(struct rate_limit *l, const char *name) {
  const char *x = getenv(name);
  l->n = l->secs = 0;
  if (x && *x && !rate_limit_scan(x, l))
    log_fatal(100, name, " is not n/secs (n 1 to 4000000, secs 1 to 2000000) or 0: ", x, (char *)0);
}

void server_options_parse(struct server_options *o, int argc, char **argv, const char *name,
                          int what) {
  static const char listener_only[] = "1468cbI";
  const char *x;
  int opt;

  progname = name;
  have = what;
  memset(o, 0, sizeof *o);
  o->limit = 40;
  o->backlog = 256;
  o->banner = "";
  o->remotehost = 1;
  o->identtimeout = o->tlstimeout = 26;
  o->idletimeout = 3600;
  o->killopts = 1;
  o->terse = (what & SERVER_TERSE) != 0;

  opterr = 0;
  while ((opt = getopt(argc, argv, "+1346UXpPhHrRoOdDqQvVeEsSnNmzZc:x:y:B:g:u:I:b:t:T:w:l:f:")) != -1) {
    if (!(what & SERVER_LISTENS) && strchr(listener_only, opt)) usage();
    switch (opt) {
      case '1': o->flag1 = 1; break;
      case '3': o->flag3 = 1; break;
      case '4': o->family = 4; break;
      case '6': o->family = 6; break;
      case 'U':
        if ((x = getenv("UID"))) o->uid = number(x);
        if ((x = getenv("GID"))) o->gid = number(x);
        break;
      case 'X': o->allownorules = 1; break;
      case 'p': o->paranoid = 1; break;
      case 'P': o->paranoid = 0; break;
      case 'h': o->remotehost = 1; break;
      case 'H': o->remotehost = 0; break;
      case 'r': o->remoteinfo = 1; break;
      case 'R': o->remoteinfo = 0; break;
      case 'o': o->killopts = 0; break;
      case 'O': o->killopts = 1; break;
      case 'd': o->nodelay = 0; break;
      case 'D': o->nodelay = 1; break;
      case 'q': log_verbosity = 0; break;
      case 'Q': log_verbosity = 1; break;
      case 'v': log_verbosity = 2; break;
      case 'V': log_verbosity = 3; break;
      case 'e': o->tcpenv = 1; break;
      case 'E': o->tcpenv = 0; break;
      case 's': o->sslenv = 1; break;
      case 'S': o->sslenv = 0; break;
      case 'n': if (!(what & SERVER_UCSPI_TLS)) usage(); o->sslwait = 1; break;
      case 'N': o->sslwait = 0; break;
      case 'm': o->clientcert = 'm'; break;
      case 'z': o->clientcert = 'z'; break;
      case 'Z': o->clientcert = 0; break;
      case 'c': o->limit = number(optarg); if (!o->limit) usage(); break;
      case 'x': o->fnrules = optarg; break;
      case 'y': o->fniprules = optarg; break;
      case 'B': o->banner = optarg; break;
      case 'g': o->gid = number(optarg); break;
      case 'u': o->uid = number(optarg); break;
      case 'I': o->ifname = optarg; break;
      case 'b': o->backlog = number(optarg); break;
      case 't': o->identtimeout = number(optarg); break;
      case 'T': o->tlstimeout = number(optarg); break;
      case 'w': o->idletimeout = number(optarg); break;
      case 'l': o->localname = optarg; break;
      case 'f': if (!(what & SERVER_LOCKFILE)) usage(); o->lockfile = optarg; break;
      default: usage();
    }
  }
  argv += optind;
  if (what & SERVER_LISTENS) {
    if (!argv[0] || !*argv[0] || !argv[1]) usage();
    o->host = *argv++;
    o->port = *argv++;
  }
  if (what & SERVER_PROG) {
    if (!argv[0]) usage();
    o->prog = argv;
  }
  if (!o->backlog) o->backlog = 1;
  if (!o->idletimeout) o->idletimeout = 1;
  x = getenv("PROXYPROTOCOL");
  o->proxyproto = x && !strcmp(x, "1");
  if ((x = getenv("MAXCONIP")) && (what & SERVER_LISTENS)) {
    unsigned long u = 0;
    scan_ulong(x, &u);
    o->maxconip = u > o->limit ? o->limit : u;
  }
  if (what & SERVER_LISTENS) {
    o->maxwait = 4096;
    if ((x = getenv("MAXWAIT")) && *x) o->maxwait = env_number("MAXWAIT", x, 1);
    o->maxwaitip = 512;
    if ((x = getenv("MAXWAITIP")) && *x) o->maxwaitip = env_number("MAXWAITIP", x, 0);
    if (o->maxwaitip > o->maxwait) o->maxwaitip = o->maxwait;
    rate_env(&o->maxrateip, "MAXRATEIP");
    rate_env(&o->maxratenet, "MAXRATENET");
  }
}
