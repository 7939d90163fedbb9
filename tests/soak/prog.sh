#!/bin/sh
# The soak's program behind sslserver: the client's first line says what
# it does. ECHO: echoes the rest; BULK n: sends n zero bytes; CRASH: dies
# of SIGSEGV; EXIT: exits at once (status 7) without reading more; HOLD:
# sleeps (a connection the soak may kill).
IFS= read -r cmd || exit 0
case $cmd in
  ECHO) exec cat ;;
  BULK\ *) exec head -c "${cmd#BULK }" /dev/zero ;;
  CRASH) kill -SEGV $$ ;;
  EXIT) exit 7 ;;
  HOLD) exec sleep 20 ;;
esac
exit 100
