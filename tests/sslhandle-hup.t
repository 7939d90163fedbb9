#!/bin/sh
# sslhandle under a storm of SIGHUPs (found by make soak): every SIGHUP
# replaces the workers, and a connection the parent had handed to a worker
# just before (or to one whose idle message came after its SIGTERM) was
# lost: closed before the handshake, "unable to hand a connection to a
# worker: Broken pipe". Every connection must be served.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/helpers/sslserver.sh"
plan 4
make_pki
SSLSERVER=$BIN/sslhandle

start_server h -v -c 3 $NODNS 127.0.0.1 0 cat
served=$(timeout -k 2 120 python3 "$HELPERS/hupstorm.py" "$SPID" $$ "$PORT" "$PKI/ca.pem" 100)
is "$served" 100 "100 connections during SIGHUPs every 20 ms: all served"
ok "$([ "$(count_lines "$T/h.log" 'TLS settings reloaded')" -ge 20 ]; echo $?)" \
  "the settings were reloaded many times meanwhile"
is "$(count_lines "$T/h.log" 'unable to hand a connection')" 0 "no connection handed to a worker that was gone"
running "$SPID"
ok $? "sslhandle still running"
done_testing
