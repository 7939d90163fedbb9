#!/bin/sh
# sslserver ALPN: the server's preference list (ALPN), the chosen protocol in
# SSL_ALPN and the -V line, no ALPN for clients that offer none, a
# no_application_protocol alert for clients with no protocol in common, bad
# lists fatal, a rule's own list; with s_client, curl, gnutls-cli, python3.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/helpers/sslserver.sh"
plan 19
make_pki

sc() {
  _sc=$1; shift
  timeout -k 2 20 openssl s_client -connect "127.0.0.1:$PORT" -CAfile "$PKI/ca.pem" -ign_eof \
    "$@" < /dev/null > "$T/$_sc.sc" 2>&1
}
val() { sed -n "s/^$2=//p" "$T/$1.sc" | head -n 1; }

SRV_ENV="ALPN=h2,http/1.1" start_server a -V $NODNS 127.0.0.1 0 "$PROGS/env.sh"
sc both -alpn http/1.1,h2
is "$(val both SSL_ALPN)" "h2" "the server's preference wins: h2 for a client that prefers http/1.1"
grep -q '^ALPN protocol: h2' "$T/both.sc"; ok $? "s_client sees ALPN protocol h2"
sc one -alpn foo,http/1.1
is "$(val one SSL_ALPN)" "http/1.1" "the one protocol in common: http/1.1"
sc noalpn
grep -q '^SSL_PROTOCOL=' "$T/noalpn.sc" && ! grep -q '^SSL_ALPN=' "$T/noalpn.sc"
ok $? "a client without ALPN is served, SSL_ALPN unset"
sc none -alpn foo,bar
grep -qi 'no application protocol' "$T/none.sc"; ok $? "no protocol in common: no_application_protocol alert"
is "$(grep -c '^SSL_PROTOCOL=' "$T/none.sc")" 0 "no protocol in common: no program"
wait_grep "$T/a.log" '^sslserver: error: \(111\) unable to accept TLS from: 127\.0\.0\.1 for pid: [0-9]+ no application protocol$' 50
ok $? "no protocol in common: 'unable to accept TLS ... no application protocol' in the log"
grep -Eq '^sslserver: tlsinfo [0-9]+ group:x25519 sni:[^ ]+ alpn:h2 session:new$' "$T/a.log"
ok $? "-V: alpn:h2 on the tlsinfo line"
sc r1 -alpn h2 -sess_out "$T/s"
sc r2 -alpn h2 -sess_in "$T/s"
grep -q '^Reused, ' "$T/r2.sc" && [ "$(val r2 SSL_ALPN)" = h2 ]
ok $? "a resumed session negotiates ALPN again: h2"

out=$(timeout -k 2 20 python3 -c '
import socket, ssl, sys
c = ssl.create_default_context(cafile=sys.argv[1])
c.set_alpn_protocols(["http/1.1", "h2"])
with socket.create_connection(("127.0.0.1", int(sys.argv[2])), timeout=10) as s:
    with c.wrap_socket(s, server_hostname="localhost") as t:
        print(t.selected_alpn_protocol())
' "$PKI/ca.pem" "$PORT" 2>&1)
is "$out" "h2" "python3 ssl: h2 selected"
timeout -k 2 20 gnutls-cli --x509cafile="$PKI/ca.pem" --alpn=http/1.1 -p "$PORT" localhost \
  < /dev/null > "$T/gnutls.out" 2>&1
grep -q 'Application protocol: http/1.1' "$T/gnutls.out"; ok $? "gnutls-cli --alpn=http/1.1: http/1.1"
stop_server

# curl: --http2 and --http1.1 against a server that speaks HTTP/1 only
SRV_ENV="ALPN=http/1.1" start_server h $NODNS 127.0.0.1 0 "$PROGS/http.sh"
timeout -k 2 20 curl -sv --http2 --cacert "$PKI/ca.pem" "https://localhost:$PORT/h2" \
  > "$T/c2.out" 2> "$T/c2.err"
like "$(cat "$T/c2.err")" 'ALPN[^a-z]*server accepted (to use )?http/1\.1' "curl --http2 offers h2 and http/1.1: the server accepts http/1.1"
like "$(cat "$T/c2.out")" '^hello /h2 from 127\.0\.0\.1 over TLSv1\.3' "curl --http2: the page over HTTP/1"
timeout -k 2 20 curl -sv --http1.1 --cacert "$PKI/ca.pem" "https://localhost:$PORT/h1" \
  > "$T/c1.out" 2> "$T/c1.err"
like "$(cat "$T/c1.out")" '^hello /h1 from' "curl --http1.1: the page"
stop_server

# a rule gives one network its own list
printf '127.0.0.1:allow,ALPN="imap"\n:allow\n' | mkrules "$T/r.cdb"
SRV_ENV="ALPN=h2" start_server rl -x "$T/r.cdb" $NODNS 127.0.0.1 0 "$PROGS/env.sh"
sc rl -alpn h2,imap
is "$(val rl SSL_ALPN)" "imap" "a rule's ALPN list applies to its clients"
stop_server

# bad lists: fatal at start-up
SRV_ENV="ALPN=h2,,http/1.1" start_server b1 $NODNS 127.0.0.1 0 cat
is "$PORT" "" "ALPN with an empty name: sslserver does not start"
like "$(cat "$T/b1.log")" '^sslserver: fatal: \(1[01][01]\) bad ALPN list: h2,,http/1\.1: an empty name' "ALPN with an empty name: the reason"
long=$(printf '%0300d' 0)
SRV_ENV="ALPN=$long" start_server b2 $NODNS 127.0.0.1 0 cat
like "$(cat "$T/b2.log")" '^sslserver: fatal: \(1[01][01]\) bad ALPN list: 0+: a name is over 255 bytes' "ALPN name over 255 bytes: fatal"
SRV_ENV="ALPN=," start_server b3 $NODNS 127.0.0.1 0 cat
is "$PORT" "" "ALPN=, : sslserver does not start"
done_testing
