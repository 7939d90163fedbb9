#!/bin/sh
# sslclient against our sslserver on 127.0.0.1 and ::1: the program reads the
# server on fd 6 and writes on fd 7; both directions at once with checksums
# (several MiB); half-close either way; the program's exit status; what the
# program holds; the environment (PROTO, SSL*, -e, -s).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/helpers/sslserver.sh"
. "$(dirname "$0")/helpers/sslclient.sh"
plan 31
make_client_pki
CA="-a $PKI/ca.pem"

start_server echo $NODNS 127.0.0.1 0 cat
[ -n "$PORT" ] || diag "no server"

out=$(echo "hello sslclient" | sslc -H -l0 $CA 127.0.0.1 "$PORT" \
  sh -c 'cat >&7 6<&-; exec 7>&-; cat <&6')
is "$out" "hello sslclient" "a line goes to the server on fd 7 and comes back on fd 6"

# 4 MiB both ways at once: a writer in the background, the reader in front
head -c 4194304 /dev/urandom > "$T/big.bin"
want=$(sha256sum < "$T/big.bin" | cut -d' ' -f1)
sslc -H -l0 $CA 127.0.0.1 "$PORT" sh -c \
  '{ cat "$1"; } >&7 7>&- 6<&- & exec 7>&-; sha256sum <&6 > "$2"; wait' sh "$T/big.bin" "$T/big.sum"
is "$?" 0 "4 MiB echo: sslclient exits 0"
is "$(cut -d' ' -f1 "$T/big.sum")" "$want" "4 MiB sent and received at once, checksums equal"
stop_server

# client to server half-close: the server's program answers after its EOF
start_server hc $NODNS 127.0.0.1 0 sh -c 'sha256sum; echo after-eof'
head -c 3000000 /dev/urandom > "$T/hc.bin"
want=$(sha256sum < "$T/hc.bin" | cut -d' ' -f1)
out=$(sslc -H -l0 $CA 127.0.0.1 "$PORT" sh -c 'cat "$1" >&7 6<&-; exec 7>&-; cat <&6' sh "$T/hc.bin")
is "$(echo "$out" | head -n 1 | cut -d' ' -f1)" "$want" \
  "after the program closes fd 7 the server sees EOF and its checksum of 3 MB is right"
is "$(echo "$out" | sed -n 2p)" "after-eof" "and what the server sends after that EOF still arrives"
stop_server

# server to client half-close: the server's program closes its output first
# and reads on; the client reads to EOF, then sends
start_server sc $NODNS 127.0.0.1 0 sh -c 'echo early; exec 1>&-; sha256sum > "$1"' sh "$T/srv.sum"
out=$(sslc -H -l0 $CA 127.0.0.1 "$PORT" sh -c 'cat <&6; cat "$1" >&7' sh "$T/hc.bin")
is "$out" "early" "the client program reads the server's data up to its EOF (close_notify)"
wait_file "$T/srv.sum" 50
is "$(cut -d' ' -f1 "$T/srv.sum" 2>/dev/null)" "$want" \
  "after the server's EOF the client still sends 3 MB, and they arrive whole"
stop_server

start_server misc $NODNS 127.0.0.1 0 sh -c 'cat >/dev/null'
sslc -H -l0 $CA 127.0.0.1 "$PORT" sh -c 'exit 7'
is "$?" 7 "sslclient exits with the program's exit status"
sslc -H -l0 $CA 127.0.0.1 "$PORT" sh -c 'kill -9 $$'
is "$?" 111 "a program killed by a signal: 111"
sslc -H -l0 $CA 127.0.0.1 "$PORT" "$T/no-such-program"
is "$?" 111 "a program that cannot be run: 111"
out=$(python3 "$HELPERS/closefds.py" "$SSLCLIENT" -H -l0 $CA 127.0.0.1 "$PORT" "$PROGS/fds.py")
is "$out" "fds: 0 1 2 6 7" "the program holds 0, 1, 2, 6, 7 and nothing of sslclient's"
out=$(sslc -H -l0 $CA 127.0.0.1 "$PORT" sh -c 'ls -l /proc/$$/fd/6 /proc/$$/fd/7' 2>&1)
like "$out" 'fd/6 -> pipe:.*' "fd 6 is a pipe (the relay holds the socket and the keys)"

# the environment
sslc -H -l0 $CA 127.0.0.1 "$PORT" "$PROGS/env.sh" > "$T/env1" </dev/null
is "$(envval "$T/env1" PROTO)" "TLS" "PROTO=TLS"
is "$(envval "$T/env1" SSLREMOTEIP)" "127.0.0.1" "SSLREMOTEIP is the server's address"
is "$(envval "$T/env1" SSLREMOTEPORT)" "$PORT" "SSLREMOTEPORT is the server's port"
is "$(envval "$T/env1" SSLLOCALIP)" "127.0.0.1" "SSLLOCALIP"
like "$(envval "$T/env1" SSLLOCALPORT)" '^[1-9][0-9]*$' "SSLLOCALPORT is a port number"
is "$(envval "$T/env1" SSLLOCALHOST)" "0" "-l0 gives SSLLOCALHOST=0"
is "$(envval "$T/env1" SSLREMOTEHOST)" "<unset>" "-H: no SSLREMOTEHOST"
is "$(grep '^SSL_' "$T/env1")" "$(env | grep '^SSL_' | LC_ALL=C sort)" \
  "without -s no SSL_* variables (beyond the caller's own)"
is "$(grep -c '^TCP' "$T/env1")" 0 "without -e no TCP* variables"

SSLREMOTEHOST=stale TCPLOCALIP=stale sslc -e -s -H -l me $CA 127.0.0.1 "$PORT" "$PROGS/env.sh" \
  > "$T/env2" </dev/null
is "$(envval "$T/env2" PROTO)" "TCP" "-e: PROTO=TCP"
is "$(envval "$T/env2" TCPLOCALIP)/$(envval "$T/env2" TCPREMOTEPORT)" "127.0.0.1/$PORT" \
  "-e: TCPLOCALIP and TCPREMOTEPORT"
is "$(envval "$T/env2" SSLREMOTEHOST)" "<unset>" "a stale SSLREMOTEHOST is removed under -H"
is "$(envval "$T/env2" TCPLOCALHOST)" "me" "-l me gives TCPLOCALHOST=me under -e"
like "$(envval "$T/env2" SSL_PROTOCOL)" '^TLSv1\.[23]$' "-s: SSL_PROTOCOL"
like "$(envval "$T/env2" SSL_CIPHER)" '^[A-Z0-9_-]+$' "-s: SSL_CIPHER"
is "$(envval "$T/env2" SSL_SERVER_S_DN_CN)" "localhost" "-s: SSL_SERVER_S_DN_CN of the server certificate"
is "$(envval "$T/env2" SSL_SERVER_I_DN_CN)" "ucspi-tls test CA" "-s: SSL_SERVER_I_DN_CN"
stop_server

# IPv6
start_server six $NODNS ::1 0 cat
out=$(echo "hello six" | sslc -H -l0 $CA ::1 "$PORT" sh -c 'cat >&7 6<&-; exec 7>&-; cat <&6')
is "$out" "hello six" "over ::1, verified against the certificate's IP SAN ::1"
sslc -H -l0 $CA ::1 "$PORT" "$PROGS/env.sh" > "$T/env6" </dev/null
is "$(envval "$T/env6" SSLREMOTEIP)" "::1" "SSLREMOTEIP=::1"
stop_server
done_testing
