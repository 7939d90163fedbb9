#!/bin/sh
# sslserver -s: the mod_ssl certificate variables. SSL_SERVER_* for the
# server's certificate, SSL_CLIENT_* for a verified client certificate (DNs in
# ucspi-ssl's one-line form, RFC 2253 with DNFORMAT=rfc2253, and by
# component, serial in decimal, dates and algorithms as
# openssl prints them, PEM), SSL_CLIENT_CERT_CHAIN_n, SSL_CLIENT_VERIFY; -S
# (the default) sets none; a huge client chain is left out with a log line.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/helpers/sslserver.sh"
plan 42
make_pki
sh "$HELPERS/pki-clients.sh" "$PKI" || diag "pki-clients.sh failed"

ce() { _nm=$1; shift; tlsc 127.0.0.1 "$PORT" "$@" > "$T/$_nm.env" 2>"$T/$_nm.err"; }
v() { envval "$T/$1.env" "$2"; }
# x509 FILE ARGS...: one field as openssl prints it, without its "name=" prefix
x509() { _f=$1; shift; openssl x509 -in "$_f" -noout "$@" 2>/dev/null | sed 's/^[a-zA-Z]*=//'; }
# dec HEX: a serial in decimal
dec() { python3 -c 'import sys; print(int(sys.argv[1], 16))' "$1"; }
# a prog printing three PEM variables, "--" between them
VARPROG='printf "%s\n--\n%s\n--\n%s\n" "$SSL_SERVER_CERT" "$SSL_CLIENT_CERT" "$SSL_CLIENT_CERT_CHAIN_0"'
# part FILE N: the N-th "--"-separated part of a printvars answer
part() { awk -v n="$2" 'BEGIN{p=1} /^--$/{p++; next} p==n' "$1"; }

# ---- -s with no client certificate asked for
start_server s -s $NODNS 127.0.0.1 0 "$PROGS/env.sh"
ce s
is "$(v s SSL_SERVER_M_VERSION)" "3" "SSL_SERVER_M_VERSION=3"
is "$(v s SSL_SERVER_M_SERIAL)" "$(dec "$(x509 "$PKI/ec.pem" -serial)")" "SSL_SERVER_M_SERIAL: openssl -serial in decimal"
is "$(v s SSL_SERVER_S_DN)" "$(x509 "$PKI/ec.pem" -subject -nameopt compat)" "SSL_SERVER_S_DN in OpenSSL's one-line form"
is "$(v s SSL_SERVER_S_DN_CN)" "localhost" "SSL_SERVER_S_DN_CN"
is "$(v s SSL_SERVER_S_DN_O)" "ucspi-tls test ec" "SSL_SERVER_S_DN_O"
is "$(v s SSL_SERVER_I_DN)" "/CN=ucspi-tls test CA" "SSL_SERVER_I_DN"
is "$(v s SSL_SERVER_I_DN_CN)" "ucspi-tls test CA" "SSL_SERVER_I_DN_CN"
is "$(v s SSL_SERVER_V_START)" "$(x509 "$PKI/ec.pem" -startdate)" "SSL_SERVER_V_START as openssl prints dates"
is "$(v s SSL_SERVER_V_END)" "$(x509 "$PKI/ec.pem" -enddate)" "SSL_SERVER_V_END"
is "$(v s SSL_SERVER_A_SIG)" "ecdsa-with-SHA256" "SSL_SERVER_A_SIG"
is "$(v s SSL_SERVER_A_KEY)" "id-ecPublicKey" "SSL_SERVER_A_KEY"
is "$(v s SSL_SERVER_CERT)" "-----BEGIN CERTIFICATE-----" "SSL_SERVER_CERT is PEM"
is "$(v s SSL_CLIENT_VERIFY)" "NONE" "-s without a client certificate: SSL_CLIENT_VERIFY=NONE"
is "$(grep -c '^SSL_CLIENT_(M_|S_|I_|V_|A_|CERT)' "$T/s.env")" 0 "-s without a client certificate: no SSL_CLIENT_ certificate variables"
is "$(v s SSL_PROTOCOL)" "$(v s SSL_PROTOCOL | grep '^TLSv1\.[23]$')" "-s: the session variables are still there"
stop_server

start_server sS -s -S $NODNS 127.0.0.1 0 "$PROGS/env.sh"
ce sS
is "$(grep -Ec '^SSL_(CLIENT|SERVER)_' "$T/sS.env")" 0 "-s -S: -S wins, no certificate variables"
stop_server

# RSA server key
SRV_ENV="CERTFILE=$PKI/rsa.pem KEYFILE=$PKI/rsa.key" start_server rsa -s $NODNS 127.0.0.1 0 "$PROGS/env.sh"
ce rsa
is "$(v rsa SSL_SERVER_A_KEY)" "rsaEncryption" "RSA server: SSL_SERVER_A_KEY=rsaEncryption"
is "$(v rsa SSL_SERVER_S_DN_O)" "ucspi-tls test rsa" "RSA server: its own subject"
stop_server

# ---- -s -m: the client's certificate
SRV_ENV="CCAFILE=$PKI/ca.pem" start_server m -v -s -m $NODNS 127.0.0.1 0 "$PROGS/env.sh"
ce c --cert "$PKI/client.pem" --key "$PKI/client.key"
is "$(v c SSL_CLIENT_VERIFY)" "SUCCESS" "SSL_CLIENT_VERIFY=SUCCESS"
is "$(v c SSL_CLIENT_M_VERSION)" "3" "SSL_CLIENT_M_VERSION"
is "$(v c SSL_CLIENT_M_SERIAL)" "703489" "SSL_CLIENT_M_SERIAL in decimal (0x0ABC01)"
is "$(v c SSL_CLIENT_S_DN)" "$(x509 "$PKI/client.pem" -subject -nameopt compat)" "SSL_CLIENT_S_DN in OpenSSL's one-line form"
is "$(v c SSL_CLIENT_S_DN_C)" "DE" "SSL_CLIENT_S_DN_C"
is "$(v c SSL_CLIENT_S_DN_OU)" "Mail" "SSL_CLIENT_S_DN_OU: the first OU"
is "$(v c SSL_CLIENT_S_DN_OU_1)" "Ops" "SSL_CLIENT_S_DN_OU_1: the second OU"
is "$(v c SSL_CLIENT_S_DN_CN)" "client.test" "SSL_CLIENT_S_DN_CN"
is "$(v c SSL_CLIENT_S_DN_Email)" "client@client.test" "SSL_CLIENT_S_DN_Email"
is "$(v c SSL_CLIENT_I_DN_CN)" "ucspi-tls test CA" "SSL_CLIENT_I_DN_CN"
is "$(v c SSL_CLIENT_V_END)" "$(x509 "$PKI/client.pem" -enddate)" "SSL_CLIENT_V_END"
is "$(v c SSL_CLIENT_A_KEY)" "id-ecPublicKey" "SSL_CLIENT_A_KEY"
stop_server

# DNFORMAT=rfc2253: mod_ssl's DN form instead, the rest as before
SRV_ENV="CCAFILE=$PKI/ca.pem DNFORMAT=rfc2253" start_server r -s -m $NODNS 127.0.0.1 0 "$PROGS/env.sh"
ce r --cert "$PKI/client.pem" --key "$PKI/client.key"
is "$(v r SSL_CLIENT_S_DN)" "$(x509 "$PKI/client.pem" -subject -nameopt RFC2253)" "DNFORMAT=rfc2253: SSL_CLIENT_S_DN in RFC 2253 form"
is "$(v r SSL_SERVER_I_DN)" "CN=ucspi-tls test CA" "DNFORMAT=rfc2253: SSL_SERVER_I_DN too"
is "$(v r SSL_CLIENT_M_SERIAL)" "703489" "DNFORMAT=rfc2253: the serial stays decimal"
stop_server

# whole PEM values, and the chain the client sent
SRV_ENV="CCAFILE=$PKI/ca.pem" start_server pem -v -s -m $NODNS 127.0.0.1 0 sh -c "$VARPROG"
tlsc 127.0.0.1 "$PORT" --cert "$PKI/deep-chain.pem" --key "$PKI/deep.key" > "$T/pem.out" 2>"$T/pem.err"
is "$(part "$T/pem.out" 1)" "$(cat "$PKI/ec.pem")" "SSL_SERVER_CERT is the server's certificate, PEM"
is "$(part "$T/pem.out" 2)" "$(cat "$PKI/deep.pem")" "SSL_CLIENT_CERT is the client's certificate, PEM"
is "$(part "$T/pem.out" 3)" "$(cat "$PKI/int.pem")" "SSL_CLIENT_CERT_CHAIN_0 is the intermediate it sent"

# a huge chain: the chain variables are left out, with a log line
tlsc 127.0.0.1 "$PORT" --cert "$PKI/huge-chain.pem" --key "$PKI/client.key" > "$T/huge.out" 2>"$T/huge.err"
is "$(part "$T/huge.out" 2)" "$(cat "$PKI/client.pem")" "huge chain: SSL_CLIENT_CERT is still there"
is "$(part "$T/huge.out" 3)" "" "huge chain: no SSL_CLIENT_CERT_CHAIN_0"
wait_grep "$T/pem.log" '^sslserver: warning: client certificate chain too large for the environment from: 127\.0\.0\.1 for pid: [0-9]+, SSL_CLIENT_CERT_CHAIN_n left out$'
ok $? "huge chain: a warning line says the chain was left out"
stop_server
SRV_ENV="CCAFILE=$PKI/ca.pem" start_server hugeenv -s -m $NODNS 127.0.0.1 0 "$PROGS/env.sh"
ce hugeenv --cert "$PKI/huge-chain.pem" --key "$PKI/client.key"
size=$(grep -E '^SSL_(CLIENT|SERVER)_' -A 40 "$T/hugeenv.env" | wc -c)
ok "$([ "$size" -lt 65536 ] && [ "$(v hugeenv SSL_CLIENT_S_DN_CN)" = client.test ]; echo $?)" \
  "huge chain: the certificate variables stay under 64 KiB ($size bytes)"
stop_server

# an optional request: an unverified certificate sets only SSL_CLIENT_VERIFY
SRV_ENV="CCAFILE=$PKI/ca.pem" start_server opt -s $NODNS 127.0.0.1 0 "$PROGS/env.sh"
ce opt --cert "$PKI/stranger.pem" --key "$PKI/stranger.key"
like "$(v opt SSL_CLIENT_VERIFY)" '^FAILED:' "unverified: SSL_CLIENT_VERIFY=FAILED:..."
is "$(grep -c '^SSL_CLIENT_(M_|S_|I_|V_|A_|CERT)' "$T/opt.env")" 0 "unverified: no SSL_CLIENT_ certificate variables"
stop_server
done_testing
