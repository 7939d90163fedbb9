#ifndef CONN_ENV_H
#define CONN_ENV_H
/* What is known about one connection, and the environment it gives the
   program: PROTO, SSLLOCAL*, SSLREMOTE*, and with -e the TCP and TCP6 sets. */

#include <stddef.h>
#include <libowfat/fmt.h>
#include <libowfat/uint16.h>
#include <libowfat/uint32.h>

#include "ip_address.h"

struct conn {
  char localip[16], remoteip[16];
  uint16 localport, remoteport;
  uint32 scope;                      /* interface of a link-local client */
  char localipstr[IP_ADDRESS_FMT], remoteipstr[IP_ADDRESS_FMT];
  char localportstr[FMT_ULONG], remoteportstr[FMT_ULONG];
  const char *localhost;             /* -l or DNS, 0 when unknown */
  const char *remotehost;            /* DNS (-h), 0 when unknown or -H */
  const char *remoteinfo;            /* ident (-r), 0 when unknown or -R */
  /* PROXY protocol: the remote fields are the client the header named,
     these the balancer that sent it (proxied 0: a direct connection) */
  int proxied;
  char proxyip[16];
  uint16 proxyport;
  char proxyipstr[IP_ADDRESS_FMT], proxyportstr[FMT_ULONG];
};

/* fills the text forms from the binary fields */
void conn_format(struct conn *c);

/* Sets the variables in this process's environment (for the program to
   inherit); SSLPROXYIP and SSLPROXYPORT only for a proxied connection
   (unset otherwise). tcpenv: -e. Exits 111 when out of memory. */
void conn_env_set(const struct conn *c, int tcpenv);

/* Applies NAME=value\0 strings (and NAME\0 meaning unset) to the environment. */
void conn_env_apply(const char *list, size_t len);

/* Sets one variable (value 0: unsets it). */
void conn_env_put(const char *name, const char *value);

/* Unsets the TCP* and TCP6* variables a UCSPI-TCP server set. */
void conn_env_drop_tcp(void);

/* A process that serves many connections (sslhandle's workers): _save
   remembers the environment as it is, _restore brings it back after a
   connection and frees what the connection's variables took, so that
   nothing of one connection reaches the next and memory does not grow. */
void conn_env_save(void);
void conn_env_restore(void);

#endif
