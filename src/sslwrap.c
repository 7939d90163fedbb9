/* sslwrap: TLS for one connection another program accepted (tcpserver,
   inetd, systemd Accept=yes, s6): the socket on descriptors 0 and 1. It
   does what an sslserver connection child does (conn_serve), with the
   TLS context built here, and exits with the program's status.

   Under a UCSPI-TCP server (PROTO=TCP or TCP6) the names come from the
   server's TCPLOCALHOST, TCPREMOTEHOST and TCPREMOTEINFO: it looked up what
   its options asked for. Its TCP* variables go; with -e we set our own. */
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "conn_proxy.h"
#include "conn_serve.h"
#include "ip_address.h"
#include "log.h"
#include "privileges.h"
#include "server_options.h"
#include "server_setup.h"

static const char *env_copy(const char *name) {
  const char *v = getenv(name);
  char *s;
  if (!v) return 0;
  s = strdup(v);
  if (!s) log_nomem();
  return s;
}

int main(int argc, char **argv) {
  static struct server_options o;
  static struct tls_cc_config cc;
  static struct rules_state rs;
  struct conn_server s = {0};
  struct sockaddr_storage ss;
  socklen_t sslen = sizeof ss;
  struct sigaction sa;
  struct conn c;
  const char *proto;
  int t, code;

  log_init("sslwrap");
  log_codes = 1;
  server_hold_std_fds(); /* 0 and 1 are the socket; 2 may be missing under inetd */
  server_options_parse(&o, argc, argv, "sslwrap", SERVER_PROG | SERVER_UCSPI_TLS);
  memset(&c, 0, sizeof c);
  if (getpeername(0, (struct sockaddr *)&ss, &sslen) == -1)
    log_fatal_sys(111, "unable to get the remote address of descriptor 0", (char *)0);
  ip_address_from_sockaddr(&ss, c.remoteip, &c.remoteport, &c.scope);
  if (!conn_serve_local(0, &c)) log_fatal_sys(111, "unable to get the local address of descriptor 0", (char *)0);
  rs.formatted = 1;

  s.opt = &o;
  s.cc = &cc;
  s.ctx = server_tls_context(&o, &cc); /* reads descriptor 3 with -3 */
  privileges_chroot();
  privileges_drop(o.gid, o.uid);

  /* the socket only here, away from 0 and 1, which the program gets */
  t = fcntl(0, F_DUPFD_CLOEXEC, 3);
  if (t == -1) log_fatal_sys(111, "unable to move descriptor", (char *)0);
  close(0);
  close(1);
  server_hold_std_fds();
  fcntl(t, F_SETFL, fcntl(t, F_GETFL) | O_NONBLOCK);

  proto = getenv("PROTO");
  if (proto && (!strcmp(proto, "TCP") || !strcmp(proto, "TCP6"))) {
    s.names_given = 1;
    c.localhost = o.localname ? o.localname : env_copy("TCPLOCALHOST");
    c.remotehost = o.remotehost ? env_copy("TCPREMOTEHOST") : 0;
    c.remoteinfo = env_copy("TCPREMOTEINFO");
  }
  conn_env_drop_tcp();

  memset(&sa, 0, sizeof sa);
  sa.sa_handler = SIG_IGN;
  sigaction(SIGPIPE, &sa, 0);
  /* a balancer's header first (PROXYPROTOCOL): the client it names is
     the one the rules and the environment see */
  if ((o.proxyproto || o.fniprules || o.fnrules) && (code = conn_proxy_serve(&o, t, &c, &rs)) >= 0)
    _exit(code);
  if (c.proxied) { /* the names the UCSPI server gave are the balancer's */
    s.names_given = 0;
    c.remotehost = c.remoteinfo = 0;
  }
  _exit(conn_serve(&s, t, &c, 0, &rs));
}
