#!/bin/sh
# sslserver: certificates and keys made with openssl during the run: ECDSA and
# RSA server certificates verified against the test CA, CERTCHAINFILE (both
# orders), KEYFILE empty (key in the certificate file), the default file names,
# an encrypted key with -3, CIPHERS for TLS 1.2 and 1.3, DHFILE.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/helpers/sslserver.sh"
plan 21
make_pki

openssl verify -CAfile "$PKI/ca.pem" "$PKI/ec.pem" "$PKI/rsa.pem" > /dev/null 2>&1
ok $? "the test PKI: ECDSA and RSA server certificates signed by the test CA"

# keytype PEMFILE: the public key algorithm of a certificate
keytype() { openssl x509 -in "$1" -noout -text 2>/dev/null | sed -n 's/^ *Public Key Algorithm: //p'; }
# echo_ok NAME ARGS...: a verifying python client echoes one line; leaves the cert in $T/NAME.crt
echo_ok() {
  _nm=$1; shift
  tlsc 127.0.0.1 "$PORT" --cafile "$PKI/ca.pem" --peercert "$T/$_nm.crt" --send "$_nm\n" --expect "$_nm\n" "$@" \
    2>"$T/$_nm.err"
}

# ECDSA
start_server ec $NODNS 127.0.0.1 0 cat
is "$(echo_ok ec)" "ec" "ECDSA certificate: a verifying client echoes"
is "$(keytype "$T/ec.crt")" "id-ecPublicKey" "ECDSA certificate: the client sees an EC key"
stop_server

# RSA
SRV_ENV="CERTFILE=$PKI/rsa.pem KEYFILE=$PKI/rsa.key" start_server rsa $NODNS 127.0.0.1 0 cat
is "$(echo_ok rsa)" "rsa" "RSA certificate: a verifying client echoes"
is "$(keytype "$T/rsa.crt")" "rsaEncryption" "RSA certificate: the client sees an RSA key"
is "$(echo_ok rsa12 --max 1.2 --ciphers ECDHE-RSA-AES128-GCM-SHA256)" "rsa12" "RSA certificate over TLS 1.2 (ECDHE-RSA)"
stop_server

# CERTCHAINFILE: the chain is sent along, leaf first or leaf last
chaincount() {
  echo | timeout 20 openssl s_client -connect "127.0.0.1:$PORT" -showcerts -CAfile "$PKI/ca.pem" \
    -verify_return_error 2>/dev/null | grep -c 'BEGIN CERTIFICATE'
}
SRV_ENV="CERTFILE= CERTCHAINFILE=$PKI/ec-chain.pem" start_server chain $NODNS 127.0.0.1 0 cat
is "$(echo_ok chain)" "chain" "CERTCHAINFILE (leaf first): a verifying client echoes"
is "$(chaincount)" 2 "CERTCHAINFILE (leaf first): two certificates are sent"
stop_server
cat "$PKI/ca.pem" "$PKI/ec.pem" > "$T/chain-rootfirst.pem"
SRV_ENV="CERTFILE=$PKI/rsa.pem CERTCHAINFILE=$T/chain-rootfirst.pem" start_server chain2 $NODNS 127.0.0.1 0 cat
is "$(echo_ok chain2)" "chain2" "CERTCHAINFILE (leaf last, as ucspi-ssl asks) wins over CERTFILE"
is "$(keytype "$T/chain2.crt")" "id-ecPublicKey" "CERTCHAINFILE (leaf last): the leaf is the EC certificate"
is "$(chaincount)" 2 "CERTCHAINFILE (leaf last): two certificates are sent"
stop_server

# KEYFILE empty: the key is in the certificate file
SRV_ENV="CERTFILE=$PKI/ec-combined.pem KEYFILE=" start_server comb $NODNS 127.0.0.1 0 cat
is "$(echo_ok comb)" "comb" "KEYFILE empty: the key is read from the certificate file"
stop_server

# defaults: ./cert.pem and ./key.pem in the directory sslserver starts in
mkdir -p "$T/svc"
cp "$PKI/ec.pem" "$T/svc/cert.pem"; cp "$PKI/ec.key" "$T/svc/key.pem"
SRV_ENV="-u CERTFILE -u KEYFILE" SRV_DIR=$T/svc start_server dflt $NODNS 127.0.0.1 0 cat
is "$(echo_ok dflt)" "dflt" "CERTFILE and KEYFILE unset: ./cert.pem and ./key.pem"
stop_server

# -3: the key's password on fd 3, NUL-terminated
printf '%s\0' "$(cat "$PKI/enc.pass")" > "$T/pass.nul"
SRV_KEEP="-k 3" SRV_ENV="KEYFILE=$PKI/enc.key" start_server enc -3 $NODNS 127.0.0.1 0 cat 3< "$T/pass.nul"
is "$(echo_ok enc)" "enc" "-3: an encrypted key with its password on fd 3"
stop_server
printf 'wrong password\0' > "$T/wrong.nul"
KEYFILE=$PKI/enc.key timeout 10 python3 "$HELPERS/closefds.py" -k 3 "$SSLSERVER" -1 -3 $NODNS 127.0.0.1 0 cat \
  3< "$T/wrong.nul" > "$T/encw.out" 2> "$T/encw.err"
st=$?
ok "$([ $st -ne 0 ] && [ $st -ne 124 ] && [ ! -s "$T/encw.out" ]; echo $?)" \
  "-3 with a wrong password: fatal before listening (status $st)"
KEYFILE=$PKI/enc.key timeout 10 python3 "$HELPERS/closefds.py" "$SSLSERVER" -1 $NODNS 127.0.0.1 0 cat \
  < /dev/null > "$T/encn.out" 2> "$T/encn.err"
st=$?
ok "$([ $st -ne 0 ] && [ $st -ne 124 ] && [ ! -s "$T/encn.out" ]; echo $?)" \
  "an encrypted key without -3: fatal before listening, no prompt (status $st)"

# CIPHERS: a TLS 1.2 list and a TLS 1.3 suite
SRV_ENV="CIPHERS=ECDHE-ECDSA-CHACHA20-POLY1305" start_server c12 $NODNS 127.0.0.1 0 cat
echo_ok c12 --max 1.2 --info "$T/c12.info" > /dev/null
is "$(cut -d' ' -f1,2 "$T/c12.info" 2>/dev/null)" "TLSv1.2 ECDHE-ECDSA-CHACHA20-POLY1305" \
  "CIPHERS=ECDHE-ECDSA-CHACHA20-POLY1305: a TLS 1.2 client gets it"
echo_ok c12b --max 1.2 --ciphers ECDHE-ECDSA-AES128-GCM-SHA256 > /dev/null
is "$?" 2 "CIPHERS: a TLS 1.2 client offering only other suites fails the handshake"
stop_server
SRV_ENV="CIPHERS=TLS_CHACHA20_POLY1305_SHA256" start_server c13 $NODNS 127.0.0.1 0 cat
echo_ok c13 --info "$T/c13.info" > /dev/null
is "$(cut -d' ' -f1,2 "$T/c13.info" 2>/dev/null)" "TLSv1.3 TLS_CHACHA20_POLY1305_SHA256" \
  "CIPHERS=TLS_CHACHA20_POLY1305_SHA256: a TLS 1.3 client gets it"
stop_server

# DHFILE: DHE suites use its group (3072 bits here; OpenSSL's own pick for a
# 2048-bit RSA key would be 2048 bits)
openssl genpkey -genparam -algorithm DH -pkeyopt group:ffdhe3072 -out "$T/dh.pem" 2>/dev/null
tempkey() {
  echo | timeout 20 openssl s_client -connect "127.0.0.1:$PORT" -tls1_2 \
    -cipher DHE-RSA-AES128-GCM-SHA256 2>/dev/null | sed -n 's/^Server Temp Key: //p'
}
SRV_ENV="CERTFILE=$PKI/rsa.pem KEYFILE=$PKI/rsa.key CIPHERS=DHE-RSA-AES128-GCM-SHA256 DHFILE=$T/dh.pem" \
  start_server dh $NODNS 127.0.0.1 0 cat
is "$(tempkey)" "DH, 3072 bits" "DHFILE: DHE uses the 3072-bit group from the file"
stop_server
SRV_ENV="CERTFILE=$PKI/rsa.pem KEYFILE=$PKI/rsa.key CIPHERS=DHE-RSA-AES128-GCM-SHA256" \
  start_server nodh $NODNS 127.0.0.1 0 cat
like "$(tempkey)" '^DH, [0-9]+ bits$' "no DHFILE: DHE still works with OpenSSL's built-in groups"
stop_server
done_testing
