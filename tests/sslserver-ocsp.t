#!/bin/sh
# sslserver OCSP stapling: OCSPFILE for the default certificate and
# NAME.ocsp beside a CERTDIR certificate, stapled to clients that ask (TLS
# 1.3 and 1.2; s_client -status, gnutls-cli), re-read when the file changes,
# a bad new file keeps the old response; bad files fatal at start-up.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/helpers/sslserver.sh"
plan 17
make_pki
sh "$HELPERS/pki-sni.sh" "$PKI" && sh "$HELPERS/pki-revocation.sh" "$PKI" || diag "PKI set-up failed"

sc() {
  _sc=$1; shift
  timeout -k 2 20 openssl s_client -connect "127.0.0.1:$PORT" -CAfile "$PKI/ca.pem" -ign_eof \
    "$@" < /dev/null > "$T/$_sc.sc" 2>&1
}
certstatus() { sed -n 's/^ *Cert Status: //p' "$T/$1.sc" | head -n 1; }
serial() { sed -n 's/^ *Serial Number: //p' "$T/$1.sc" | head -n 1; }

cp "$PKI/ec.ocsp" "$T/live.ocsp"
mkdir "$T/sni" && cp "$PKI/sni/www-ec.pem" "$PKI/sni/www-ec.ocsp" "$PKI/sni/wild.pem" "$T/sni/"
SRV_ENV="OCSPFILE=$T/live.ocsp CERTDIR=$T/sni" start_server o -v $NODNS 127.0.0.1 0 "$PROGS/env.sh"

sc s13 -status
grep -q 'OCSP Response Status: successful' "$T/s13.sc"; ok $? "TLS 1.3 -status: a successful OCSP response is stapled"
is "$(certstatus s13)" "good" "TLS 1.3: Cert Status: good"
is "$(serial s13)" "$(openssl x509 -in "$PKI/ec.pem" -noout -serial | cut -d= -f2)" \
  "the response is about the default certificate's serial"
sc s12 -tls1_2 -status
is "$(certstatus s12)" "good" "TLS 1.2 -status: stapled too"
sc nostatus
grep -q 'OCSP response' "$T/nostatus.sc"; ok $((! $?)) "a client that does not ask gets no response"
sc www -status -servername www.example.org
is "$(serial www)" "$(openssl x509 -in "$PKI/sni/www-ec.pem" -noout -serial | cut -d= -f2)" \
  "CERTDIR: www-ec.ocsp stapled for www-ec.pem"
sc wild -status -servername a.example.net
grep -q 'OCSP response: no response sent' "$T/wild.sc"; ok $? "CERTDIR certificate without NAME.ocsp: no response sent"
timeout -k 2 20 gnutls-cli --x509cafile="$PKI/ca.pem" --save-ocsp="$T/gnutls.der" -p "$PORT" localhost \
  < /dev/null > "$T/gnutls.out" 2>&1
cmp -s "$T/gnutls.der" "$PKI/ec.ocsp"; ok $? "gnutls-cli --save-ocsp: the very response of OCSPFILE"

# a renewed response (here: revoked) replaces the old one without a restart
sleep 1.1   # the files are looked at most once a second
cp "$PKI/ec-revoked.ocsp" "$T/live.ocsp.new" && mv "$T/live.ocsp.new" "$T/live.ocsp"
sc r1 -status
wait_grep "$T/o.log" "^sslserver: OCSP response reloaded: $T/live\\.ocsp\$" 50
ok $? "-v: 'OCSP response reloaded: FILE' after the file changed"
sc r2 -status
is "$(certstatus r2)" "revoked" "the new response is stapled"

# a bad new file keeps the old response
sleep 1.1
printf 'garbage' > "$T/live.ocsp"
sc b1 -status
sc b2 -status
is "$(certstatus b2)" "revoked" "bad new file: the old response is still stapled"
wait_grep "$T/o.log" "^sslserver: warning: keeping the old OCSP response: bad OCSP response: $T/live\\.ocsp: not a DER OCSP response\$" 50
ok $? "bad new file: a warning with the reason"
is "$(count_lines "$T/o.log" 'keeping the old OCSP response')" 1 "bad new file: warned once"
stop_server

# start-up errors
SRV_ENV="OCSPFILE=$PKI/rsa.ocsp" start_server f1 $NODNS 127.0.0.1 0 cat
is "$PORT" "" "OCSPFILE for another certificate: sslserver does not start"
like "$(cat "$T/f1.log")" "^sslserver: fatal: \\(1[01][01]\\) bad OCSP response: $PKI/rsa\\.ocsp: not about this certificate" \
  "OCSPFILE for another certificate: the reason"
SRV_ENV="OCSPFILE=$T/nonexistent" start_server f2 $NODNS 127.0.0.1 0 cat
like "$(cat "$T/f2.log")" "^sslserver: fatal: \\(1[01][01]\\) unable to read OCSP response: $T/nonexistent: No such file" \
  "OCSPFILE missing: fatal"
SRV_ENV="OCSPFILE=$PKI/ca.pem" start_server f3 $NODNS 127.0.0.1 0 cat
like "$(cat "$T/f3.log")" "^sslserver: fatal: \\(1[01][01]\\) bad OCSP response: $PKI/ca\\.pem: not a DER OCSP response" \
  "OCSPFILE that is no OCSP response: fatal"
done_testing
