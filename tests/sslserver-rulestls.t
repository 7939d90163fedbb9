#!/bin/sh
# sslserver: TLS settings from rules, per connection: CERTFILE/KEYFILE (another
# certificate for one network), CIPHERS, CCAFILE with CCAVERIFY (a client
# certificate requirement for one network), CCAFILE=- (none for one network
# under -m), VERIFYDEPTH; a rule naming a missing file or CCAVERIFY without
# CCAFILE ends that connection only; sessions do not resume across policies.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/helpers/sslserver.sh"
plan 21
make_pki
sh "$HELPERS/pki-clients.sh" "$PKI" || diag "pki-clients.sh failed"

ce() { _nm=$1; shift; tlsc 127.0.0.1 "$PORT" "$@" > "$T/$_nm.env" 2>"$T/$_nm.err"; }
v() { envval "$T/$1.env" "$2"; }
keytype() { openssl x509 -in "$1" -noout -text 2>/dev/null | sed -n 's/^ *Public Key Algorithm: //p'; }

mkrules "$T/x.cdb" <<EOF2
127.0.0.2:allow,CERTFILE="$PKI/rsa.pem",KEYFILE="$PKI/rsa.key"
127.0.0.3:allow,CCAFILE="$PKI/ca.pem",CCAVERIFY="1"
127.0.0.4:allow,CIPHERS="ECDHE-ECDSA-AES128-GCM-SHA256:TLS_AES_128_GCM_SHA256"
127.0.0.5:allow,CERTFILE="$T/missing.pem"
127.0.0.7:allow,CCAVERIFY="1"
127.0.0.8:allow,CCAFILE="$PKI/ca.pem",CCAVERIFY="1",VERIFYDEPTH="0"
127.0.0.9:allow,CCAFILE="$PKI/ca.pem"
:allow
EOF2
ok $? "tcprules compiles TLS settings into rules.cdb"

start_server x -v $NODNS -x "$T/x.cdb" 127.0.0.1 0 "$PROGS/env.sh"
ce a1 --peercert "$T/a1.crt"
is "$(keytype "$T/a1.crt")" "id-ecPublicKey" "no TLS rule: the start-up certificate (ECDSA)"
ce a2 --bind 127.0.0.2 --peercert "$T/a2.crt" --cafile "$PKI/ca.pem" --servername localhost
is "$(keytype "$T/a2.crt")" "rsaEncryption" "CERTFILE/KEYFILE from a rule: that network gets the RSA certificate"
is "$(v a2 CERTFILE)" "$PKI/rsa.pem" "the rule's variables reach prog as well"

ce a3none --bind 127.0.0.3
is "$(cat "$T/a3none.env")" "" "CCAFILE+CCAVERIFY from a rule: no certificate, refused"
wait_grep "$T/x.log" 'client certificate refused from: 127\.0\.0\.3 for pid: [0-9]+ no client certificate' 50
ok $? "CCAVERIFY from a rule: the refusal line"
ce a3 --bind 127.0.0.3 --cert "$PKI/client.pem" --key "$PKI/client.key"
is "$(v a3 SSL_CLIENT_VERIFY)" "SUCCESS" "CCAFILE+CCAVERIFY from a rule: a good certificate passes"
ce a1none
is "$(v a1none SSL_CLIENT_VERIFY)" "<unset>" "other networks are asked for nothing"

ce a4 --bind 127.0.0.4 --max 1.2
is "$(v a4 SSL_CIPHER)" "ECDHE-ECDSA-AES128-GCM-SHA256" "CIPHERS from a rule (TLS 1.2)"
ce a4b --bind 127.0.0.4
is "$(v a4b SSL_CIPHER)" "TLS_AES_128_GCM_SHA256" "CIPHERS from a rule (TLS 1.3 suite)"
ce a1c
is "$(v a1c SSL_CIPHER)" "TLS_AES_256_GCM_SHA384" "other networks keep the default ciphers"

ce a5 --bind 127.0.0.5
is "$(cat "$T/a5.env")" "" "a rule naming a missing certificate: that connection ends"
wait_grep "$T/x.log" "error: \\(111\\) unable to use TLS settings from rules for: 127\\.0\\.0\\.5 pid: [0-9]+ unable to load (key|certificate)" 50
ok $? "a rule naming a missing certificate: one error line"
ce a7 --bind 127.0.0.7
is "$(cat "$T/a7.env")" "" "CCAVERIFY from a rule without CCAFILE: that connection ends"
wait_grep "$T/x.log" 'error: \(100\) CCAVERIFY needs CCAFILE.* for: 127\.0\.0\.7 pid: [0-9]+$' 50
ok $? "CCAVERIFY without CCAFILE: the line says what is missing"
ce a8 --bind 127.0.0.8 --cert "$PKI/deep-chain.pem" --key "$PKI/deep.key"
is "$(cat "$T/a8.env")" "" "VERIFYDEPTH=0 from a rule: an intermediate's client is refused"
ce a9 --bind 127.0.0.9 --cert "$PKI/stranger.pem" --key "$PKI/stranger.key"
like "$(v a9 SSL_CLIENT_VERIFY)" '^FAILED:' "CCAFILE alone from a rule: asked, not required"

ce a1d
is "$(v a1d SSLREMOTEIP)" "127.0.0.1" "after all that the server still serves others"

# a session made without a certificate request does not resume where one is required
out=$(tlsc 127.0.0.1 "$PORT" --mode resume --bind 127.0.0.1 --bind2 127.0.0.3 \
  --cert "$PKI/client.pem" --key "$PKI/client.key" 2>"$T/res.err")
is "$out" "new" "no resumption across client-certificate policies: the certificate is asked for"
stop_server

# -m at start-up, and CCAFILE=- from a rule for one network
mkrules "$T/m.cdb" <<EOF2
127.0.0.6:allow,CCAFILE="-"
EOF2
SRV_ENV="CCAFILE=$PKI/ca.pem" start_server m -m $NODNS -x "$T/m.cdb" 127.0.0.1 0 "$PROGS/env.sh"
ce m6 --bind 127.0.0.6
is "$(v m6 SSLREMOTEIP)" "127.0.0.6" "-m with CCAFILE=- from a rule: that network needs no certificate"
ce m1 --bind 127.0.0.1
is "$(cat "$T/m1.env")" "" "-m: other networks still do"
stop_server
done_testing
