#!/bin/sh
# sslserver SNI: CERTDIR certificates chosen by the client's server name
# (exact, wildcard, CN-only, any case), RSA and ECDSA side by side for one
# name, the default certificate for no name or an unknown one, SNISTRICT's
# unrecognized_name alert, SSL_TLS_SNI, sessions that resume only under the
# name they were made for; with s_client, python3 ssl, curl and gnutls-cli.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/helpers/sslserver.sh"
plan 30
make_pki
sh "$HELPERS/pki-sni.sh" "$PKI" || diag "pki-sni.sh failed"

# sc NAME ARGS...: openssl s_client against $PORT; output in $T/NAME.sc
sc() {
  _sc=$1; shift
  timeout -k 2 20 openssl s_client -connect "127.0.0.1:$PORT" -CAfile "$PKI/ca.pem" -ign_eof \
    "$@" < /dev/null > "$T/$_sc.sc" 2>&1
}
val() { sed -n "s/^$2=//p" "$T/$1.sc" | head -n 1; }
subject() { sed -n 's/^subject=//p' "$T/$1.sc" | head -n 1; }
verified() { grep -q '^Verify return code: 0 (ok)' "$T/$1.sc"; }
keybits() { sed -n 's/^Server public key is \([0-9]*\) bit.*/\1/p' "$T/$1.sc" | head -n 1; }

SRV_ENV="CERTDIR=$PKI/sni" start_server s -V $NODNS 127.0.0.1 0 "$PROGS/env.sh"

sc www -servername www.example.org -verify_hostname www.example.org
is "$(subject www)" "CN = www.example.org, O = sni ec" "exact name: the ECDSA certificate for www.example.org"
verified www; ok $? "exact name: it verifies for www.example.org"
is "$(val www SSL_TLS_SNI)" "www.example.org" "SSL_TLS_SNI=www.example.org"
sc apex -servername example.org -verify_hostname example.org
is "$(subject apex)" "CN = www.example.org, O = sni ec" "a second SAN name of the same certificate"
sc rsa -servername www.example.org -sigalgs 'rsa_pss_rsae_sha256:rsa_pkcs1_sha256'
is "$(subject rsa):$(keybits rsa)" "CN = www.example.org, O = sni rsa:2048" \
  "TLS 1.3 client that verifies only RSA signatures: the RSA certificate of the same name"
sc rsa12 -tls1_2 -servername www.example.org -cipher ECDHE-RSA-AES128-GCM-SHA256
is "$(subject rsa12)" "CN = www.example.org, O = sni rsa" "TLS 1.2 client with RSA suites only: the RSA certificate"
sc ec12 -tls1_2 -servername www.example.org
is "$(subject ec12)" "CN = www.example.org, O = sni ec" "TLS 1.2 client with ECDSA suites: the ECDSA certificate"
sc case -servername WWW.Example.ORG.
is "$(subject case)" "CN = www.example.org, O = sni ec" "names match in any case, with a final dot"
sc wild -servername a.example.net -verify_hostname a.example.net
is "$(subject wild)" "CN = wildcard, O = sni wild" "wildcard *.example.net covers a.example.net"
verified wild; ok $? "wildcard: it verifies for a.example.net"
sc deep -servername a.b.example.net
is "$(subject deep)" "CN = localhost, O = ucspi-tls test ec" "wildcard covers one label only: a.b.example.net gets the default"
sc cn -servername cnonly.example.com -verify_hostname cnonly.example.com
is "$(subject cn)" "CN = cnonly.example.com, O = sni cn" "a certificate without SAN serves its CN"
sc unknown -servername nosuch.example
is "$(subject unknown)" "CN = localhost, O = ucspi-tls test ec" "unknown name: the default certificate (CERTFILE)"
is "$(val unknown SSL_TLS_SNI)" "nosuch.example" "unknown name: still in SSL_TLS_SNI"
sc none -noservername
is "$(subject none)" "CN = localhost, O = ucspi-tls test ec" "no SNI: the default certificate"

# sessions resume under the name they were made for, and only there
sc r1 -servername www.example.org -sess_out "$T/www.sess"
sc r2 -servername www.example.org -sess_in "$T/www.sess"
grep -q '^Reused, ' "$T/r2.sc"; ok $? "a session made for www.example.org resumes for it"
sc r3 -servername a.example.net -sess_in "$T/www.sess"
grep -q '^New, ' "$T/r3.sc" && [ "$(subject r3)" = "CN = wildcard, O = sni wild" ]
ok $? "the same session offered for a.example.net: a full handshake with the wildcard certificate"
sc r4 -noservername -sess_in "$T/www.sess"
grep -q '^New, ' "$T/r4.sc"; ok $? "and offered without SNI: a full handshake"

# other clients
out=$(timeout -k 2 20 python3 -c '
import socket, ssl, sys
c = ssl.create_default_context(cafile=sys.argv[1])
with socket.create_connection(("127.0.0.1", int(sys.argv[2])), timeout=10) as s:
    with c.wrap_socket(s, server_hostname="shop.example.net") as t:
        print(dict(x[0] for x in t.getpeercert()["subject"])["commonName"])
' "$PKI/ca.pem" "$PORT" 2>&1)
is "$out" "wildcard" "python3 ssl: verified wildcard certificate for shop.example.net"
stop_server

SRV_ENV="CERTDIR=$PKI/sni" start_server h $NODNS 127.0.0.1 0 "$PROGS/http.sh"
out=$(timeout -k 2 20 curl -sS --cacert "$PKI/ca.pem" --resolve "www.example.org:$PORT:127.0.0.1" \
  "https://www.example.org:$PORT/sni" 2>&1)
like "$out" '^hello /sni from 127\.0\.0\.1 over TLSv1\.3' "curl: https://www.example.org verifies and gets the page"
timeout -k 2 20 gnutls-cli --x509cafile="$PKI/ca.pem" --sni-hostname=x.example.net \
  --verify-hostname=x.example.net -p "$PORT" 127.0.0.1 < /dev/null > "$T/gnutls.out" 2>&1
grep -q 'subject .O=sni wild,CN=wildcard' "$T/gnutls.out"
ok $? "gnutls-cli: the wildcard certificate for x.example.net"
grep -q 'Handshake was completed' "$T/gnutls.out"; ok $? "gnutls-cli: handshake completed, certificate verified"
stop_server

# SNISTRICT: unknown names get an alert; known ones, the default's own and none work
SRV_ENV="CERTDIR=$PKI/sni SNISTRICT=1" start_server st $NODNS 127.0.0.1 0 "$PROGS/env.sh"
sc st1 -servername nosuch.example
grep -qi 'unrecognized name' "$T/st1.sc"; ok $? "SNISTRICT: unknown name refused with unrecognized_name"
is "$(grep -c '^SSL_PROTOCOL=' "$T/st1.sc")" 0 "SNISTRICT: no program for it"
wait_grep "$T/st.log" 'unable to accept TLS from: 127\.0\.0\.1 for pid: [0-9]+ unrecognized server name$' 50
ok $? "SNISTRICT: 'unable to accept TLS ... unrecognized server name' in the log"
sc st2 -servername www.example.org
is "$(subject st2)" "CN = www.example.org, O = sni ec" "SNISTRICT: a CERTDIR name works"
sc st3 -servername localhost
is "$(subject st3)" "CN = localhost, O = ucspi-tls test ec" "SNISTRICT: the default certificate's own name works"
sc st4 -noservername
is "$(subject st4)" "CN = localhost, O = ucspi-tls test ec" "SNISTRICT: no SNI gets the default"
stop_server

# bad directories are fatal at start-up
SRV_ENV="CERTDIR=$T/nonexistent" start_server b1 $NODNS 127.0.0.1 0 cat
like "$(cat "$T/b1.log")" "^sslserver: fatal: \\(1[01][01]\\) unable to read CERTDIR: $T/nonexistent: No such file" \
  "CERTDIR that does not exist: fatal"
SRV_ENV="CERTDIR=$PKI/badkey" start_server b2 $NODNS 127.0.0.1 0 cat
like "$(cat "$T/b2.log")" "^sslserver: fatal: \\(1[01][01]\\) key does not match certificate: $PKI/badkey/x\\.pem" \
  "CERTDIR with a key that does not match: fatal, naming the file"
done_testing
