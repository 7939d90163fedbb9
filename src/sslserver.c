/* sslserver: accept TCP connections, apply rules and limits, do the TLS
   handshake, and run a program per connection that reads and writes plain
   text on fds 0 and 1 while this process relays to and from the TLS side.

   The listener (options, TLS context built once, bind, privilege drop,
   accept loop, child table: accept_loop.c) forks one connection child per
   socket, which does the connection's work (conn_serve.c) and exits with
   the program's status. */
#include <openssl/ssl.h>

#include "accept_loop.h"
#include "child_arena.h"
#include "conn_serve.h"
#include "log.h"
#include "server_options.h"
#include "server_setup.h"
#include "tls_warmup.h"

int main(int argc, char **argv) {
  static struct server_options o;
  static struct tls_cc_config cc;
  struct conn_server s = {0};
  struct bound b;

  child_arena_install(); /* before OpenSSL's first allocation */
  log_init("sslserver");
  log_codes = 1;
  server_hold_std_fds();
  server_options_parse(&o, argc, argv, "sslserver", SERVER_LISTENS | SERVER_PROG | SERVER_UCSPI_TLS);
  s.opt = &o;
  s.cc = &cc;
  server_find_listener(&o); /* before -3 reads descriptor 3 */
  server_bind(&o, &b);      /* port, host and bind first, as ucspi-ssl */
  s.ctx = server_tls_context(&o, &cc);
  tls_warmup(s.ctx); /* OpenSSL's lazy set-up once here, not in every child */
  server_keep_keys(&o); /* reloads after the drop */
  server_drop(&o, &b);
  accept_loop(&s, b.fd);
}
