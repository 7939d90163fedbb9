#!/bin/sh
# Revocation material for a test PKI made by pki.sh (and pki-clients.sh,
# pki-sni.sh) in DIR:
#   ec.ocsp ec-revoked.ocsp  OCSP responses for ec.pem by the test CA
#   rsa.ocsp                 OCSP response for rsa.pem
#   sni/www-ec.ocsp          OCSP response for sni/www-ec.pem (if pki-sni.sh ran)
#   crl.pem                  the CA's CRL revoking client.pem (serial 0ABC01)
#   crl-empty.pem            the CA's CRL revoking nothing
# Use: pki-revocation.sh DIR
set -eu
d=$(cd "$1" && pwd)
w=$(mktemp -d)
trap 'rm -rf "$w"' EXIT

# ocsp CERT OUT [revoked]: a response signed by the CA itself, valid a day
ocsp() {
  serial=$(openssl x509 -in "$1" -noout -serial | cut -d= -f2)
  exp=$(date -u -d '+2 days' +%y%m%d%H%M%SZ)
  if [ "${3:-good}" = revoked ]; then
    printf 'R\t%s\t%s\t%s\tunknown\t/CN=x\n' "$exp" "$(date -u -d '-1 hour' +%y%m%d%H%M%SZ)" "$serial"
  else
    printf 'V\t%s\t\t%s\tunknown\t/CN=x\n' "$exp" "$serial"
  fi > "$w/index.txt"
  openssl ocsp -issuer "$d/ca.pem" -cert "$1" -no_nonce -reqout "$w/req.der" 2>/dev/null
  openssl ocsp -index "$w/index.txt" -rsigner "$d/ca.pem" -rkey "$d/ca.key" -CA "$d/ca.pem" \
    -reqin "$w/req.der" -respout "$2" -ndays 1 > /dev/null 2>&1
}
ocsp "$d/ec.pem" "$d/ec.ocsp"
ocsp "$d/ec.pem" "$d/ec-revoked.ocsp" revoked
ocsp "$d/rsa.pem" "$d/rsa.ocsp"
[ -f "$d/sni/www-ec.pem" ] && ocsp "$d/sni/www-ec.pem" "$d/sni/www-ec.ocsp"

# crl OUT [SERIAL]: the CA's CRL, revoking SERIAL if given
crl() {
  if [ -n "${2:-}" ]; then
    printf 'R\t301231000000Z\t250101000000Z\t%s\tunknown\t/CN=x\n' "$2"
  fi > "$w/crlindex.txt"
  printf '[ca]\ndefault_ca=d\n[d]\ndatabase=%s\ndefault_md=sha256\ndefault_crl_days=2\n' \
    "$w/crlindex.txt" > "$w/ca.cnf"
  openssl ca -gencrl -config "$w/ca.cnf" -keyfile "$d/ca.key" -cert "$d/ca.pem" -out "$1" \
    > /dev/null 2>&1
}
crl "$d/crl.pem" 0ABC01
crl "$d/crl-empty.pem"
