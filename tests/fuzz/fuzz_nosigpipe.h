/* For targets that write to sockets and pipes a peer may have closed: as
   the server does, SIGPIPE is ignored, so a peer gone is an error return
   (EPIPE), not the end of the process. Include once, in the target. */
#ifndef FUZZ_NOSIGPIPE_H
#define FUZZ_NOSIGPIPE_H

#include <signal.h>

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  signal(SIGPIPE, SIG_IGN);
  return 0;
}

#endif
