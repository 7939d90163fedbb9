#ifndef CLIENT_MSG_H
#define CLIENT_MSG_H
/* sslclient's messages in ucspi-ssl 0.13.07's form, "sslclient: KIND: (CODE)
   text", KIND one of fatal, error, drop. Where ucspi-ssl has a line, the
   text is its text; our reason (OpenSSL's, the system's, a file name) is
   appended after ": " only at -vv (log_verbosity 3), so that scripts that
   compare the lines see ucspi-ssl's. Nothing is printed under -q. */

/* "sslclient: kind: (code) " and the parts (a null pointer ends them) */
void client_msg(const char *kind, int code, const char *first, ...);

/* ": reason" at -vv, else "" (one buffer: one call per line) */
const char *client_msg_why(const char *reason);

/* "fatal: (111) what arg", at -vv with strerror(errno), then exit 111 */
_Noreturn void client_msg_fatal(const char *what, const char *arg);

#endif
