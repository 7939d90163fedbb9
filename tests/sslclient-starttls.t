#!/bin/sh
# sslclient -y, client-side UCSPI-TLS: the program talks plain SMTP on fds
# 6/7 to a python SMTP responder, says STARTTLS, asks for TLS with 'y' or 'Y'
# on $SSLCTLFD and goes on over $SSLREADFD/$SSLWRITEFD; a program that never
# asks stays plain; a server that fails verification after STARTTLS gets no
# data and sslclient exits 110.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/helpers/sslserver.sh"
. "$(dirname "$0")/helpers/sslclient.sh"
plan 27
make_client_pki
CA="-a $PKI/ca.pem"
SMTPC=$HELPERS/sslclient-smtp.py

# smtp NAME CERT MODE [sslclient options...] HOST: one SMTP session; RC,
# client log in $T/NAME.c, server log in $T/NAME.log
smtp() {
  _name=$1 _cert=$2 _mode=$3; shift 3
  start_py "$_name" --cert "$PKI/$_cert.pem" --key "$PKI/$_cert.key" --mode smtp
  : > "$T/$_name.c"
  timeout 30 python3 "$HELPERS/closefds.py" "$SSLCLIENT" -y -H -l0 "$@" "$PYPORT" python3 "$SMTPC" "$T/$_name.c" "$_mode" 2> "$T/$_name.stderr"
  RC=$?
  wait_py
}

smtp y ec y $CA 127.0.0.1
is "$RC" 0 "STARTTLS with 'y': sslclient exits 0"
is "$(grep -c '^plain ' "$T/y.log")" 2 "the server saw EHLO and STARTTLS in the clear"
like "$(grep '^sni=' "$T/y.log")" 'version=TLSv1\.[23] ' "then a TLS handshake"
is "$(grep '^tls ' "$T/y.log" | tr '\n' '|')" "tls EHLO client.example|tls QUIT|" \
  "then EHLO and QUIT inside TLS"
like "$(cat "$T/y.c")" 'S: 250 SIZE 1000' "the client read the EHLO reply over SSLREADFD"
like "$(tail -n 1 "$T/y.c")" '^S: 221 bye$' "and the QUIT reply"
is "$(grep '^fds:' "$T/y.c")" "fds: 0 1 2 3 4 5 6 7" "the program holds 0-2, the socket on 6/7 and the three UCSPI-TLS descriptors"

start_py env2 --cert "$PKI/ec.pem" --key "$PKI/ec.key" --mode smtp
sslc -y -H -l0 $CA 127.0.0.1 "$PYPORT" sh -c 'env > "$1"; exec python3 "$2" "$3" none' sh \
  "$T/yenv" "$SMTPC" "$T/env2.c"
wait_py
is "$(envval "$T/yenv" SSLCTLFD)/$(envval "$T/yenv" SSLREADFD)/$(envval "$T/yenv" SSLWRITEFD)" "3/4/5" \
  "SSLCTLFD, SSLREADFD, SSLWRITEFD name the descriptors"
is "$(envval "$T/yenv" SSLREMOTEIP)/$(envval "$T/yenv" PROTO)" "127.0.0.1/TLS" \
  "the connection variables are there from the start"
is "$(grep -c '^SSL_PROTOCOL=' "$T/yenv")" 0 "no TLS variables before TLS"

smtp Y ec Y $CA -c "$PKI/client.pem" -k "$PKI/client.key" 127.0.0.1
is "$RC" 0 "STARTTLS with 'Y': sslclient exits 0"
like "$(grep '^ENV SSL_PROTOCOL=' "$T/Y.c")" '^ENV SSL_PROTOCOL=TLSv1\.[23]$' "'Y' sends SSL_PROTOCOL back"
is "$(grep '^ENV SSL_SERVER_S_DN_CN=' "$T/Y.c")" "ENV SSL_SERVER_S_DN_CN=localhost" "'Y' sends the server certificate's variables"
is "$(grep '^ENV SSL_CLIENT_S_DN_CN=' "$T/Y.c")" "ENV SSL_CLIENT_S_DN_CN=test client" "and our own certificate's"
is "$(grep -c '^ENVEND' "$T/Y.c")" 1 "the list ends with the extra NUL"
is "$(grep '^tls ' "$T/Y.log" | tr '\n' '|')" "tls EHLO client.example|tls QUIT|" "and the session goes on in TLS"

smtp none ec none $CA 127.0.0.1
is "$RC" 0 "a program that never asks for TLS: exit 0"
is "$(grep -c '^tls \|^sni=' "$T/none.log")" 0 "the session stayed plain"
like "$(tail -n 1 "$T/none.c")" '^S: 221 bye$' "and ended in the clear"

start_py code --cert "$PKI/ec.pem" --key "$PKI/ec.key" --mode smtp
sslc -y -H -l0 $CA 127.0.0.1 "$PYPORT" python3 "$SMTPC" "$T/code.c" y 5
is "$?" 5 "-y: sslclient exits with the program's status"
wait_py

smtp bad wrongname y $CA 127.0.0.1
is "$RC" 110 "STARTTLS to a server whose certificate names another host: 110"
like "$(cat "$T/bad.stderr")" '^sslclient: error: \(110\) server hostname does not match certificate: 127\.0\.0\.1 <=> other\.example$' \
  "and the message says why"
is "$(grep -c '^tls ' "$T/bad.log")" 0 "nothing was sent to that server inside TLS"
like "$(tail -n 1 "$T/bad.c")" '^EOF$' "the program sees EOF instead of a reply"

smtp sni ec y $CA -m localhost
like "$(grep '^sni=' "$T/sni.log")" '^sni=localhost ' "-m: SNI in the handshake after STARTTLS"

# the README's example program, as printed there
sed -n '/^  # smtp-starttls:/,/^$/s/^  //p' "$TOP/README" > "$T/smtp-starttls"
start_py readme --cert "$PKI/ec.pem" --key "$PKI/ec.key" --mode smtp
out=$(sslc -y -H -l0 $CA 127.0.0.1 "$PYPORT" sh "$T/smtp-starttls" | tr -d '\r' | tr '\n' '|')
is "$out" "220 test.example ESMTP|250-test.example|250 STARTTLS|220 go ahead|250-test.example|250 SIZE 1000|221 bye|" \
  "the README's smtp-starttls program works as shown"
wait_py
is "$(grep '^tls ' "$T/readme.log" | tr '\n' '|')" "tls EHLO client.example|tls QUIT|" \
  "and its second EHLO and QUIT went inside TLS"
done_testing
