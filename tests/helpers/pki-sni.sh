#!/bin/sh
# Makes server certificates for SNI tests in DIR/sni, signed by the CA that
# tests/helpers/pki.sh made in DIR (ca.pem, ca.key):
#   www-ec.pem             ECDSA, DNS:www.example.org and DNS:example.org, key inside
#   www-rsa.pem www-rsa.key  RSA 2048 for the same names, key beside it
#   wild.pem               ECDSA, DNS:*.example.net, key inside
#   cnonly.pem             ECDSA, no SAN, CN=cnonly.example.com, key inside
#   notes.txt              not a .pem file: ignored
# and DIR/badkey/x.pem: a certificate with a key that does not match it.
# Use: pki-sni.sh DIR
set -eu
d=$1
cd "$d"
mkdir -p sni badkey
o() { openssl "$@" 2>/dev/null; }

cert() {  # cert OUT-BASE SUBJECT SAN-OR-EMPTY KEYGEN-ARGS...
  out=$1 subj=$2 san=$3; shift 3
  o genpkey "$@" -out "$out.key"
  {
    echo "basicConstraints=CA:FALSE"
    echo "keyUsage=critical,digitalSignature,keyEncipherment"
    echo "extendedKeyUsage=serverAuth"
    [ -n "$san" ] && echo "subjectAltName=$san"
  } > "$out.cnf"
  o req -new -key "$out.key" -subj "$subj" -out "$out.csr"
  o x509 -req -in "$out.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -sha256 \
    -extfile "$out.cnf" -out "$out.pem"
  rm -f "$out.csr" "$out.cnf"
}
EC="-algorithm EC -pkeyopt ec_paramgen_curve:P-256"
# shellcheck disable=SC2086
cert sni/www-ec "/CN=www.example.org/O=sni ec" "DNS:www.example.org,DNS:example.org" $EC
cat sni/www-ec.key >> sni/www-ec.pem && rm sni/www-ec.key
cert sni/www-rsa "/CN=www.example.org/O=sni rsa" "DNS:www.example.org,DNS:example.org" \
  -algorithm RSA -pkeyopt rsa_keygen_bits:2048
# shellcheck disable=SC2086
cert sni/wild "/CN=wildcard/O=sni wild" "DNS:*.example.net" $EC
cat sni/wild.key >> sni/wild.pem && rm sni/wild.key
# shellcheck disable=SC2086
cert sni/cnonly "/CN=cnonly.example.com/O=sni cn" "" $EC
cat sni/cnonly.key >> sni/cnonly.pem && rm sni/cnonly.key
echo "not a certificate" > sni/notes.txt
# shellcheck disable=SC2086
cert badkey/x "/CN=bad.example.org" "DNS:bad.example.org" $EC
o genpkey $EC -out badkey/x.key
chmod 644 sni/*.pem badkey/*.pem
