#ifndef SERVER_OPTIONS_H
#define SERVER_OPTIONS_H
/* The command line of the servers: sslserver's options, which sslhandle,
   sslprint and sslwrap share, each with what it adds or lacks. */

#include "rate_table.h"

struct server_options {
  /* the listener (SERVER_LISTENS) */
  const char *host, *port;
  unsigned long limit;         /* -c, default 40 */
  unsigned long backlog;       /* -b, default 256 */
  int flag1;                   /* -1 */
  int family;                  /* -4: 4, -6: 6, else 0 */
  const char *ifname;          /* -I */
  unsigned long maxconip;      /* MAXCONIP from the environment (at most -c), 0: none */
  struct rate_limit maxrateip, maxratenet; /* MAXRATEIP MAXRATENET from the environment */
  int proxyproto;              /* PROXYPROTOCOL=1 in the environment: every connection
                                  starts with a PROXY header */
  unsigned long maxwait;       /* MAXWAIT: connections waiting for their ClientHello,
                                  default 4096, at least 1 */
  unsigned long maxwaitip;     /* MAXWAITIP: of them from one address, default 512
                                  (at most MAXWAIT), 0: no limit */
  const char *lockfile;        /* -f (SERVER_LOCKFILE) */
  /* start-up */
  unsigned long uid, gid;      /* -u -g -U, 0: leave as is */
  int flag3;                   /* -3: key password on descriptor 3 */
  /* each connection */
  const char *fnrules, *fniprules; /* -x -y */
  int allownorules;            /* -X */
  const char *banner;          /* -B, default "" */
  int remotehost, paranoid, remoteinfo; /* -h/-H -p/-P -r/-R */
  const char *localname;       /* -l */
  unsigned long identtimeout, tlstimeout, idletimeout; /* -t -T -w: 26 26 3600 */
  int tcpenv;                  /* -e/-E */
  int killopts, nodelay;       /* -o/-O -d/-D */
  int clientcert;              /* -m 'm', -z 'z', -Z 0 */
  int sslenv;                  /* -s/-S */
  int sslwait;                 /* -n/-N: UCSPI-TLS */
  char **prog;                 /* the program and its arguments */
  int terse;                   /* SERVER_TERSE */
};

/* what a program's command line has */
#define SERVER_LISTENS 1   /* host port; -1 -4 -6 -c -b -I */
#define SERVER_PROG 2      /* a program after the rest */
#define SERVER_LOCKFILE 4  /* -f lockfile */
#define SERVER_UCSPI_TLS 8 /* -n */
#define SERVER_TERSE 16    /* start-up errors worded as ucspi-ssl's sslhandle
                              (and its sslprint) word them: "unable to bind",
                              "unable to load key", no address or file */

/* Parses argv (after log_init(name)) into o; a usage error exits 100 with
   the usage line for name. */
void server_options_parse(struct server_options *o, int argc, char **argv, const char *name,
                          int what);

#endif
