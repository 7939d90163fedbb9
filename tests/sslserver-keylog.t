#!/bin/sh
# sslserver SSLKEYLOGFILE: a warning at start-up, the secrets of TLS 1.3 and
# 1.2 connections in NSS key-log lines matching what the client logged, a
# file of mode 0600, no descriptor for the program; nothing without it.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/helpers/sslserver.sh"
plan 6
make_pki

sc() {
  _sc=$1; shift
  timeout -k 2 20 openssl s_client -connect "127.0.0.1:$PORT" -CAfile "$PKI/ca.pem" -ign_eof \
    "$@" < /dev/null > "$T/$_sc.sc" 2>&1
}

SRV_ENV="SSLKEYLOGFILE=$T/server.keys" start_server k $NODNS 127.0.0.1 0 "$PROGS/fds.py"
like "$(head -n 1 "$T/k.log")" "^sslserver: warning: SSLKEYLOGFILE is set: writing the TLS secrets of every connection to $T/server\\.keys\$" \
  "start-up: a warning names the file"
sc k13 -keylogfile "$T/c13.keys"
grep -q '^fds: 0 1 2$' "$T/k13.sc"; ok $? "the program holds fds 0, 1, 2 only (no key-log descriptor)"
sc k12 -tls1_2 -keylogfile "$T/c12.keys"
# the client's lines, each found in the server's log (which may hold more:
# the listener's own warm-up handshake)
grep -v '^#' "$T/c13.keys" > "$T/c13.lines"
grep -v '^#' "$T/c12.keys" > "$T/c12.lines"
_i=0; while [ "$(grep -cxFf "$T/c12.lines" "$T/server.keys")" -lt 1 ] && [ $_i -lt 50 ]; do sleep 0.1; _i=$((_i + 1)); done
is "$(grep -c '_TRAFFIC_SECRET' "$T/c13.lines"):$(grep -cxFf "$T/c13.lines" "$T/server.keys")" "4:5" \
  "TLS 1.3: the client's five secrets (four traffic, one exporter) are in the server's key log"
is "$(grep -c '^CLIENT_RANDOM ' "$T/c12.lines"):$(grep -cxFf "$T/c12.lines" "$T/server.keys")" "1:1" \
  "TLS 1.2: the client's CLIENT_RANDOM line is in the server's key log"
is "$(stat -c %a "$T/server.keys")" "600" "the key log is created with mode 0600"
stop_server

start_server n $NODNS 127.0.0.1 0 "$PROGS/fds.py"
sc n
is "$(grep -c '' "$T/n.log")" 0 "without SSLKEYLOGFILE: no warning"
done_testing
