#!/bin/sh
# https@ against test HTTPS servers (python3 ssl and our sslserver with a tiny
# HTTP program): the request it sends, the body it prints (CRs removed, head
# dropped), its defaults (port 443, path /, no verification unless asked),
# IPv6 Host headers, SNI.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/helpers/sslserver.sh"
. "$(dirname "$0")/helpers/sslclient.sh"
plan 14
make_client_pki
HTTPSAT=$BIN/https@
[ -x "$HTTPSAT" ] || diag "no $HTTPSAT"

start_py h1 --cert "$PKI/ec.pem" --key "$PKI/ec.key" --mode http --count 4
out=$(timeout 30 "$HTTPSAT" 127.0.0.1 some/path "$PYPORT" -x -a "$PKI/ca.pem")
is "$out" "hello /some/path
second line" "https@ prints the body, without the head and without CRs"
out=$(timeout 30 "$HTTPSAT" 127.0.0.1 "" "$PYPORT" -x -a "$PKI/ca.pem")
is "$(echo "$out" | head -n 1)" "hello /" "an empty path asks for /"
out=$(timeout 30 "$HTTPSAT" localhost index.html "$PYPORT" -a "$PKI/otherca.pem" -H)
is "$(echo "$out" | head -n 1)" "hello /index.html" "no verification by default, as ucspi-ssl's https@ (-a alone changes nothing)"
out=$(timeout 30 "$HTTPSAT" 127.0.0.1 x "$PYPORT" -x -a "$PKI/otherca.pem" 2>&1)
like "$out" 'unable to validate server certificate' "-x with a CA that does not know the server: refused"
wait_py
is "$(grep '^request' "$T/h1.log" | sed -n 1p)" "request GET /some/path HTTP/1.0" "the request line is an HTTP/1.0 GET"
is "$(grep '^header Host:' "$T/h1.log" | sed -n 1p)" "header Host: 127.0.0.1:$PYPORT" "Host names host and port"
like "$(grep '^sni=' "$T/h1.log" | sed -n 3p)" '^sni=localhost ' "the host name goes out as SNI"
is "$(grep -c '^request' "$T/h1.log")" 3 "the server refused by verification got no request"

start_py h6 --cert "$PKI/ec.pem" --key "$PKI/ec.key" --mode http --bind ::1
out=$(timeout 30 "$HTTPSAT" ::1 six "$PYPORT" -x -a "$PKI/ca.pem")
is "$(echo "$out" | head -n 1)" "hello /six" "over ::1"
wait_py
is "$(grep '^header Host:' "$T/h6.log")" "header Host: [::1]:$PYPORT" "an IPv6 host is bracketed in Host"

# our own server and its tiny HTTP program
start_server web $NODNS 127.0.0.1 0 "$PROGS/http.sh"
out=$(timeout 30 "$HTTPSAT" 127.0.0.1 a/b "$PORT" -x -a "$PKI/ca.pem")
like "$out" '^hello /a/b from 127\.0\.0\.1 over TLSv1\.[23]$' "against sslserver"
stop_server

# a server that sends its head with bare LFs and a body with CRLFs and a blank line
start_server crlf $NODNS 127.0.0.1 0 sh -c \
  'cat >/dev/null & printf "HTTP/1.0 200 OK\nX: y\n\none\r\n\r\nthree\r\n"'
out=$(timeout 30 "$HTTPSAT" 127.0.0.1 "" "$PORT" | od -c | tr -s ' ' | tr '\n' ' ')
like "$out" '^0000000 o n e \\n \\n t h r e e \\n' "CRs are removed, a blank line inside the body stays"
stop_server

out=$(timeout 30 "$HTTPSAT" 127.0.0.1 "" 1 2>&1)
is "$out" 'sslclient: drop: (110) unable to connect to: 127.0.0.1 port: 1' "a connection failure is reported"
# default port 443: nothing listens there on this machine's loopback
out=$(timeout 30 "$HTTPSAT" 127.0.0.1 2>&1)
like "$out" 'port: 443$' "port 443 by default"
done_testing
