#!/bin/sh
# sslserver: client certificates. -m requires a valid one, -z also matches the
# remote host name (SAN, then CN), CCAFILE names the CAs asked for (required
# with -m/-z; "-" turns the request off), CAFILE/CADIR are the trust anchors,
# VERIFYDEPTH bounds the chain, CCAVERIFY requires one without -m, and -Z with
# CCAFILE asks without requiring. SSL_CLIENT_VERIFY, the info line, and one
# refusal line per refused certificate, before prog starts. Clients: python3
# ssl, openssl s_client -cert, curl --cert, gnutls-cli.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/helpers/sslserver.sh"
plan 60
make_pki
sh "$HELPERS/pki-clients.sh" "$PKI" || diag "pki-clients.sh failed"

M=$T/m
mkdir -p "$M"
MARKED="$PROGS/marker.sh $M $PROGS/env.sh"
# ce NAME CLIENT-ARGS...: python client against $PORT, the env listing in $T/NAME.env
ce() { _nm=$1; shift; tlsc 127.0.0.1 "$PORT" "$@" > "$T/$_nm.env" 2>"$T/$_nm.err"; }
v() { envval "$T/$1.env" "$2"; }
started() { count_entries "$M"; }
REFUSED='^sslserver: error: \(100\) client certificate refused from: 127\.0\.0\.1 for pid: [0-9]+ '

# ---- start-up errors
timeout 10 "$SSLSERVER" -m $NODNS 127.0.0.1 0 true > /dev/null 2>"$T/nocca.err"
is "$?" 100 "-m without CCAFILE: exit 100"
like "$(cat "$T/nocca.err")" '^sslserver: fatal: \(1[01][01]\) option -m needs CCAFILE' "-m without CCAFILE: a clear fatal line"
timeout 10 env -u CCAFILE "$SSLSERVER" -z $NODNS 127.0.0.1 0 true > /dev/null 2>"$T/noccaz.err"
is "$?" 100 "-z without CCAFILE: exit 100"
like "$(cat "$T/noccaz.err")" '^sslserver: fatal: \(1[01][01]\) option -z needs CCAFILE' "-z without CCAFILE: a clear fatal line"
CCAFILE=$T/nonexistent.pem timeout 10 "$SSLSERVER" -m $NODNS 127.0.0.1 0 true > /dev/null 2>"$T/badcca.err"
is "$?" 111 "-m with a missing CCAFILE: exit 111"
is "$(cat "$T/badcca.err")" "sslserver: error: (111) unable to load client CA list" \
  "-m with a missing CCAFILE: ucspi-ssl's line"
CCAFILE=$PKI/garbage.pem timeout 10 "$SSLSERVER" -m $NODNS 127.0.0.1 0 true > /dev/null 2>"$T/garbcca.err"
is "$?" 111 "-m with a CCAFILE holding no certificate: exit 111"

# ---- -m: a valid certificate, any name
SRV_ENV="CCAFILE=$PKI/ca.pem" start_server m -v -m $NODNS 127.0.0.1 0 $MARKED
ce good --cert "$PKI/client.pem" --key "$PKI/client.key"
is "$(v good SSL_CLIENT_VERIFY)" "SUCCESS" "-m, good certificate: SSL_CLIENT_VERIFY=SUCCESS"
is "$(v good SSLREMOTEIP)" "127.0.0.1" "-m, good certificate: prog runs"
is "$(grep -c '^SSL_CLIENT_S_DN' "$T/good.env")" 0 "-m without -s: no certificate variables"
wait_grep "$T/m.log" '^sslserver: info: valid client cert received for pid: [0-9]+$'
ok $? "-m, good certificate: the 'valid client cert received' info line"

n=$(started)
ce none
is "$(cat "$T/none.env")" "" "-m, no certificate: nothing from prog"
wait_grep "$T/m.log" "${REFUSED}no client certificate\$"
ok $? "-m, no certificate: one refusal line saying so"
ce expired --cert "$PKI/expired.pem" --key "$PKI/client.key"
wait_grep "$T/m.log" "${REFUSED}certificate has expired\$"
ok $? "-m, expired certificate: refused, the line says expired"
ce stranger --cert "$PKI/stranger.pem" --key "$PKI/stranger.key"
wait_grep "$T/m.log" "${REFUSED}unable to get local issuer certificate\$"
ok $? "-m, certificate from another CA: refused, unknown issuer"
ce tampered --cert "$PKI/tampered.pem" --key "$PKI/client.key"
wait_grep "$T/m.log" "${REFUSED}certificate signature failure\$"
ok $? "-m, damaged signature: refused, signature failure"
ce tls12 --max 1.2
is "$(cat "$T/tls12.env")" "" "-m, no certificate over TLS 1.2: nothing from prog"
like "$(cat "$T/tls12.err")" 'handshake' "-m, no certificate over TLS 1.2: the handshake fails for the client"
wait_grep "$T/m.log" "ended by .* status 25600" 50
is "$(started)" "$n" "no refused certificate started prog"
is "$(grep -Ec "$REFUSED" "$T/m.log")" 5 "one refusal line per refused connection"

# a client under the intermediate, sending the intermediate along: depth 1 allows it
ce deep --cert "$PKI/deep-chain.pem" --key "$PKI/deep.key"
is "$(v deep SSL_CLIENT_VERIFY)" "SUCCESS" "-m, client under an intermediate it sends: SUCCESS (VERIFYDEPTH 1)"
ce deepalone --cert "$PKI/deep.pem" --key "$PKI/deep.key"
is "$(v deepalone SSL_CLIENT_VERIFY)" "<unset>" "-m, the same client without its intermediate: refused"

# other real clients
printf 'x\n' | timeout 20 openssl s_client -connect "127.0.0.1:$PORT" -CAfile "$PKI/ca.pem" \
  -cert "$PKI/client.pem" -key "$PKI/client.key" -quiet -verify_return_error > "$T/sc.env" 2>"$T/sc.err"
is "$(v sc SSL_CLIENT_VERIFY)" "SUCCESS" "openssl s_client -cert: SUCCESS"
printf 'x\n' | timeout 20 openssl s_client -connect "127.0.0.1:$PORT" -CAfile "$PKI/ca.pem" \
  -quiet > "$T/scnone.env" 2>"$T/scnone.err"
is "$(grep -c SSLREMOTEIP "$T/scnone.env")" 0 "openssl s_client without -cert: refused"
timeout 20 gnutls-cli --x509cafile="$PKI/ca.pem" --x509certfile="$PKI/client.pem" \
  --x509keyfile="$PKI/client.key" -p "$PORT" 127.0.0.1 < /dev/null > "$T/gc.env" 2>"$T/gc.err"
is "$(v gc SSL_CLIENT_VERIFY)" "SUCCESS" "gnutls-cli --x509certfile: SUCCESS"
stop_server

SRV_ENV="CCAFILE=$PKI/ca.pem" start_server curl -m $NODNS 127.0.0.1 0 "$PROGS/http-env.sh"
timeout 20 curl -sS --cacert "$PKI/ca.pem" --cert "$PKI/client.pem" --key "$PKI/client.key" \
  "https://127.0.0.1:$PORT/" > "$T/curl.env" 2>"$T/curl.err"
is "$(v curl SSL_CLIENT_VERIFY)" "SUCCESS" "curl --cert: SUCCESS"
timeout 20 curl -sS --cacert "$PKI/ca.pem" "https://127.0.0.1:$PORT/" > "$T/curlnone.env" 2>"$T/curlnone.err"
ok "$([ "$?" -ne 0 ] && [ ! -s "$T/curlnone.env" ]; echo $?)" "curl without --cert: fails, no page"
stop_server

# ---- VERIFYDEPTH 0: only certificates issued by a trusted CA itself
SRV_ENV="CCAFILE=$PKI/ca.pem VERIFYDEPTH=0" start_server d0 -m $NODNS 127.0.0.1 0 $MARKED
ce d0good --cert "$PKI/client.pem" --key "$PKI/client.key"
is "$(v d0good SSL_CLIENT_VERIFY)" "SUCCESS" "VERIFYDEPTH=0: a certificate straight from the CA passes"
ce d0deep --cert "$PKI/deep-chain.pem" --key "$PKI/deep.key"
is "$(cat "$T/d0deep.env")" "" "VERIFYDEPTH=0: a certificate under an intermediate is refused"
wait_grep "$T/d0.log" "${REFUSED}certificate chain too long\$"
ok $? "VERIFYDEPTH=0: the line says the chain is too long"
stop_server

# ---- CAFILE and CADIR: trust anchors apart from the CAs asked for
mkdir -p "$T/cadir"
cp "$PKI/int.pem" "$T/cadir/int.pem"
openssl rehash "$T/cadir" 2>/dev/null || c_rehash "$T/cadir" >/dev/null 2>&1
SRV_ENV="CCAFILE=$PKI/other-ca.pem CAFILE=$PKI/ca.pem CADIR=$T/cadir" \
  start_server cadir -m $NODNS 127.0.0.1 0 $MARKED
ce cadeep --cert "$PKI/deep.pem" --key "$PKI/deep.key"
is "$(v cadeep SSL_CLIENT_VERIFY)" "SUCCESS" "CADIR: the intermediate comes from the hashed directory"
ce castranger --cert "$PKI/stranger.pem" --key "$PKI/stranger.key"
is "$(cat "$T/castranger.env")" "" "CAFILE: the CA asked for (CCAFILE) is not trusted by that alone"
timeout 20 openssl s_client -connect "127.0.0.1:$PORT" -CAfile "$PKI/ca.pem" < /dev/null \
  > "$T/names.out" 2>&1
like "$(sed -n '/Acceptable client certificate CA names/,+1p' "$T/names.out" | tail -n 1)" 'CN ?= ?some other CA' \
  "the certificate request names the CCAFILE CAs"
stop_server

# ---- CCAFILE=- turns the request off, even with -m
SRV_ENV="CCAFILE=-" start_server dash -m $NODNS 127.0.0.1 0 $MARKED
ce dash
is "$(v dash SSLREMOTEIP)" "127.0.0.1" "CCAFILE=- with -m: a client without a certificate gets through"
is "$(v dash SSL_CLIENT_VERIFY)" "<unset>" "CCAFILE=- : no SSL_CLIENT_VERIFY (nothing was asked)"
timeout 20 openssl s_client -connect "127.0.0.1:$PORT" -CAfile "$PKI/ca.pem" < /dev/null \
  > "$T/dashnames.out" 2>&1
like "$(cat "$T/dashnames.out")" 'No client certificate CA names sent' "CCAFILE=- : no certificate request"
stop_server

# ---- CCAVERIFY: required without -m
SRV_ENV="CCAFILE=$PKI/ca.pem CCAVERIFY=1" start_server ccav -v $NODNS 127.0.0.1 0 $MARKED
ce ccavnone
is "$(cat "$T/ccavnone.env")" "" "CCAVERIFY: no certificate, refused"
ce ccavgood --cert "$PKI/client.pem" --key "$PKI/client.key"
is "$(v ccavgood SSL_CLIENT_VERIFY)" "SUCCESS" "CCAVERIFY: a good certificate passes"
stop_server
timeout 10 env -u CCAFILE CCAVERIFY=1 "$SSLSERVER" $NODNS 127.0.0.1 0 true > /dev/null 2>"$T/ccavnocca.err"
is "$?" 100 "CCAVERIFY without CCAFILE: exit 100"

# ---- -Z with CCAFILE: asked, not required; prog decides by SSL_CLIENT_VERIFY
SRV_ENV="CCAFILE=$PKI/ca.pem" start_server opt -s $NODNS 127.0.0.1 0 $MARKED
ce optnone
is "$(v optnone SSL_CLIENT_VERIFY)" "NONE" "optional: no certificate, NONE"
is "$(v optnone SSL_CLIENT_S_DN)" "<unset>" "optional: no certificate, no SSL_CLIENT_S_DN"
ce optgood --cert "$PKI/client.pem" --key "$PKI/client.key"
is "$(v optgood SSL_CLIENT_VERIFY)" "SUCCESS" "optional: good certificate, SUCCESS"
is "$(v optgood SSL_CLIENT_S_DN_CN)" "client.test" "optional, -s: SSL_CLIENT_S_DN_CN"
ce optstranger --cert "$PKI/stranger.pem" --key "$PKI/stranger.key"
is "$(v optstranger SSL_CLIENT_VERIFY)" "FAILED:unable to get local issuer certificate" \
  "optional: unknown CA, FAILED:reason and prog still runs"
is "$(v optstranger SSL_CLIENT_S_DN_CN)" "<unset>" "optional: an unverified certificate sets no SSL_CLIENT_S_DN_*"
ce optexpired --cert "$PKI/expired.pem" --key "$PKI/client.key"
is "$(v optexpired SSL_CLIENT_VERIFY)" "FAILED:certificate has expired" "optional: expired, FAILED:certificate has expired"
stop_server

# ---- -z: the remote host name from DNS must be in the certificate
python3 "$HELPERS/dnsd.py" "$T/dns.ip" --log "$T/dns.log" --lifetime 280 \
  --ptr 127.0.0.2=good.example --a good.example=127.0.0.2 \
  --ptr 127.0.0.3=bad.example --a bad.example=127.0.0.3 \
  2> "$T/dnsd.err" &
track $!
wait_file "$T/dns.ip" 100
DNS=$(cat "$T/dns.ip" 2>/dev/null)
SRV_ENV="DNSCACHEIP=$DNS CCAFILE=$PKI/ca.pem" start_server z -v -z -l srv 127.0.0.1 0 $MARKED
ce zgood --bind 127.0.0.2 --cert "$PKI/client.pem" --key "$PKI/client.key"
is "$(v zgood SSL_CLIENT_VERIFY)" "SUCCESS" "-z: SAN DNS names the client's host: SUCCESS"
is "$(v zgood SSLREMOTEHOST)" "good.example" "-z: SSLREMOTEHOST from DNS"
ce zcn --bind 127.0.0.2 --cert "$PKI/cnonly.pem" --key "$PKI/client.key"
is "$(v zcn SSL_CLIENT_VERIFY)" "SUCCESS" "-z: no SAN, the CN names the host: SUCCESS"
ce zwrong --bind 127.0.0.2 --cert "$PKI/wrongname.pem" --key "$PKI/client.key"
is "$(cat "$T/zwrong.env")" "" "-z: SAN names another host (CN ignored): refused"
wait_grep "$T/z.log" '^sslserver: error: \(100\) client certificate refused from: 127\.0\.0\.2 for pid: [0-9]+ client host name does not match certificate: good\.example$'
ok $? "-z: the refusal line names the host"
ce zbad --bind 127.0.0.3 --cert "$PKI/client.pem" --key "$PKI/client.key"
is "$(cat "$T/zbad.env")" "" "-z: a good certificate from a host it does not name: refused"
ce znone --bind 127.0.0.2
is "$(cat "$T/znone.env")" "" "-z: no certificate: refused"
stop_server

# -z without a known host name (-H): the certificate is valid, the name unchecked
SRV_ENV="CCAFILE=$PKI/ca.pem" start_server zH -z $NODNS 127.0.0.1 0 $MARKED
ce zH --cert "$PKI/wrongname.pem" --key "$PKI/client.key"
is "$(v zH SSL_CLIENT_VERIFY)" "GENEROUS" "-z -H: valid certificate, no name to match: GENEROUS"
ce zHbad --cert "$PKI/stranger.pem" --key "$PKI/stranger.key"
is "$(cat "$T/zHbad.env")" "" "-z -H: an invalid certificate is still refused"
stop_server

# the last option of -m/-z/-Z wins
SRV_ENV="CCAFILE=$PKI/ca.pem" start_server mZ -m -Z $NODNS 127.0.0.1 0 $MARKED
ce mZ
is "$(v mZ SSL_CLIENT_VERIFY)" "NONE" "-m -Z: -Z wins, no certificate needed (CCAFILE still asks)"
stop_server

# log lines carry no raw bytes from a hostile certificate name
SRV_ENV="CCAFILE=$PKI/ca.pem" start_server odd -v -s -m $NODNS 127.0.0.1 0 $MARKED
ce odd --cert "$PKI/odd.pem" --key "$PKI/client.key"
is "$(v odd SSL_CLIENT_S_DN)" '/UID=u1+CN=Revoked, not really/O=Evil "Corp"/OU=J\xC3\xBCrgen' \
  "an odd subject in OpenSSL's one-line form (bytes above ASCII as \\xHH)"
is "$(v odd SSL_CLIENT_S_DN_CN)" "Revoked, not really" "its CN component unescaped"
is "$(v odd SSL_CLIENT_S_DN_UID)" "u1" "a multi-valued RDN: UID"
stop_server
is "$(grep -c 'Evil' "$T/odd.log")" 0 "the subject is not logged"
done_testing
