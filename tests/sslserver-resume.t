#!/bin/sh
# sslserver: the TLS context is built once in the listener, so a session from
# one connection child resumes in the next (TLS 1.3 tickets, TLS 1.2).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/helpers/sslserver.sh"
plan 4
make_pki

start_server r -v $NODNS 127.0.0.1 0 cat
is "$(tlsc 127.0.0.1 "$PORT" --mode resume --send 'a\n' --expect 'a\n' 2>"$T/r13.err")" "resumed" \
  "TLS 1.3: the second connection resumes the first one's session"
is "$(tlsc 127.0.0.1 "$PORT" --mode resume --max 1.2 --send 'b\n' --expect 'b\n' 2>"$T/r12.err")" "resumed" \
  "TLS 1.2: the second connection resumes the first one's session"
_i=0
while [ "$(count_lines "$T/r.log" '^sslserver: ended by ')" -lt 4 ] && [ $_i -lt 50 ]; do sleep 0.1; _i=$((_i + 1)); done
is "$(count_lines "$T/r.log" '^sslserver: pid ')" 4 "four connections, each in its own child"
stop_server

SRV_ENV="CERTFILE=$PKI/rsa.pem KEYFILE=$PKI/rsa.key" start_server rsa $NODNS 127.0.0.1 0 cat
is "$(tlsc 127.0.0.1 "$PORT" --mode resume --send 'c\n' --expect 'c\n' 2>"$T/rsa.err")" "resumed" \
  "RSA certificate: sessions resume as well"
stop_server
done_testing
