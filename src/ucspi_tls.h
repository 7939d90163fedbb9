#ifndef UCSPI_TLS_H
#define UCSPI_TLS_H
/* The helper side of UCSPI-TLS (sslserver -n): before TLS, clear text is
   relayed between the socket and the program's descriptors 0 and 1 while
   the control socket is watched for the program's 'y' or 'Y'.

   STARTTLS command injection (CVE-2011-0411 class): bytes the client sends
   after its TLS start command and before the handshake are plain text that
   must not pass for protected data. The relay holds back what follows a
   line whose command is STARTTLS or STLS (after an optional tag, as IMAP
   has it) until the program answers; when the program then starts TLS and
   such bytes are still in the relay or unread in the program's input pipe,
   the start is refused. Bytes the relay never read sit before the client's
   ClientHello and make the handshake fail. A record that starts like a TLS
   handshake is never read as clear text: the relay waits for the command. */

#include <stddef.h>

struct ucspi_tls_plain {
  int sock;            /* the network socket, non-blocking */
  int to_prog;         /* write end of the program's descriptor 0 */
  int from_prog;       /* read end of the program's descriptor 1 */
  int ctl;             /* this side of the control socket */
  unsigned long idle;  /* -w seconds */
  const char *banner;  /* -B, sent in clear text first */
  size_t bannerlen;
};

enum ucspi_tls_result {
  UCSPI_TLS_START,     /* 'y': start TLS */
  UCSPI_TLS_START_ENV, /* 'Y': start TLS, then send the variables back */
  UCSPI_TLS_DONE,      /* both directions ended without TLS */
  UCSPI_TLS_IDLE,      /* nothing moved for -w seconds */
  UCSPI_TLS_CLOSED,    /* the client reset the connection */
  UCSPI_TLS_BADCMD,    /* the program wrote something else to the control socket */
  UCSPI_TLS_INJECTED,  /* clear text followed the TLS start command */
  UCSPI_TLS_ERROR,     /* reason says which */
};

/* Relays until the program starts TLS or the connection ends. On a start,
   the program's pending output has been sent, and to_prog and from_prog
   are closed; they are closed on every other result too. */
enum ucspi_tls_result ucspi_tls_plain_relay(struct ucspi_tls_plain *p, const char **reason);

/* Sends NAME=value\0... and the closing \0 over the control socket,
   waiting at most seconds. Returns 0 on failure. */
int ucspi_tls_send_env(int ctl, const char *env, size_t len, unsigned long seconds);

#endif
