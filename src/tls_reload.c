/* The SIGHUP flag. */
#include <string.h>

#include "tls_reload.h"

static volatile sig_atomic_t requested;

static void hup(int sig) {
  (void)sig;
  requested = 1;
}

void tls_reload_catch(sigset_t *blocked) {
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_handler = hup;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGHUP, &sa, 0);
  sigaddset(blocked, SIGHUP);
}

int tls_reload_take(void) {
  if (!requested) return 0;
  requested = 0;
  return 1;
}
