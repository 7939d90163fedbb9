#ifndef LOG_H
#define LOG_H
/* djb-style messages on stderr: "prog: fatal: ...", one write(2) per line so
   that lines from the listener and its children never interleave.
   The variadic functions take strings and end with a null pointer. */

#include <stddef.h>

/* 0 = -q (nothing), 1 = errors (default), 2 = -v status, 3 = -V tls details */
extern int log_verbosity;

void log_init(const char *prog);

/* Set by the servers: fatal lines carry the exit code as ucspi-ssl's
   prints them, "prog: fatal: (111) ..." (djb's tools, e.g. tcprules,
   leave it at 0: "prog: fatal: ..."). */
extern int log_codes;

/* "prog: " parts "\n", whatever the verbosity (used after the caller decided) */
void log_line(const char *first, ...);
/* only when log_verbosity >= 2 */
void log_status(const char *first, ...);
/* "prog: warning: ..." and "prog: error: ..." unless -q */
void log_warn(const char *first, ...);
void log_error(const char *first, ...);
/* "prog: fatal: ..." unless -q, then exit(code); _sys appends ": " strerror(errno) */
_Noreturn void log_fatal(int code, const char *first, ...);
_Noreturn void log_fatal_sys(int code, const char *first, ...);
_Noreturn void log_nomem(void);
/* "prog: fatal: (code) ..." unless -q, and no exit: a connection's end
   that ucspi-ssl logs as fatal (its child dies of it) while the server
   goes on */
void log_fatal_line(int code, const char *first, ...);
/* "prog: error: (code) ..." unless -q, then exit(code): ucspi-ssl's class
   for a TLS set-up step that failed at start-up */
_Noreturn void log_error_exit(int code, const char *first, ...);

/* Copies s into dst (size n, always terminated), replacing bytes a log reader
   could trip over (controls, space, non-ASCII, '%') with '?', at most 100
   characters then "...": for names and strings that come from the network. */
void log_clean(char *dst, size_t n, const char *s);

#endif
