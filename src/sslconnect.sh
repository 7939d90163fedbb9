#!/bin/sh
# sslconnect host [port [sslclient options...]]: an interactive TLS session
# (port 465, SMTPS, by default), as mconnect is for plain SMTP: standard
# input goes to the server with a CR before each LF, what the server sends
# goes to standard output unchanged. Like ucspi-ssl's, it does not verify
# the server unless asked to (-x with -a or CAFILE).
host=${1-0}
port=${2-465}
[ $# -gt 0 ] && shift
[ $# -gt 0 ] && shift
sslclient=$(dirname "$0")/sslclient
[ -x "$sslclient" ] || sslclient=sslclient
# the program: a writer in the background adds the CRs (a job's standard
# input would be /dev/null, so it reads a copy on fd 9); the reader copies
# the server to stdout; when the server is done, so is the writer
exec "$sslclient" -XRHl0 -m "$@" -- "$host" "$port" sh -c '
  exec 9<&0
  { while IFS= read -r line; do printf "%s\r\n" "$line"; done
    if [ -n "$line" ]; then printf "%s" "$line"; fi
  } <&9 9<&- >&7 7>&- 6<&- &
  exec 7>&- 9<&-
  cat <&6
  kill $! 2>/dev/null
  exit 0
'
