#!/bin/sh
# Makes a throw-away test PKI in DIR with openssl:
#   ca.key ca.pem          a CA (ECDSA P-256)
#   ec.key ec.pem          ECDSA server certificate by the CA (SAN localhost, 127.0.0.1, ::1)
#   rsa.key rsa.pem        RSA 2048 server certificate by the CA, same names
#   ec-chain.pem           ec.pem followed by ca.pem (a certificate chain file)
#   ec-combined.pem        ec.pem and ec.key in one file (for KEYFILE empty)
#   other.key              an ECDSA key matching no certificate
#   enc.key                ec.key encrypted with the password in enc.pass (no newline)
#   garbage.pem            not PEM at all
# Use: pki.sh DIR
set -eu
d=$1
mkdir -p "$d"
cd "$d"
o() { openssl "$@" 2>/dev/null; }

o ecparam -name prime256v1 -genkey -noout -out ca.key
o req -x509 -new -key ca.key -sha256 -days 2 -subj "/CN=ucspi-tls test CA" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
  -out ca.pem

cat > ext.cnf <<'X'
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1
X
server() {  # server NAME KEYGEN-ARGS...
  n=$1; shift
  o genpkey "$@" -out "$n.key"
  o req -new -key "$n.key" -subj "/CN=localhost/O=ucspi-tls test $n" -out "$n.csr"
  o x509 -req -in "$n.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -sha256 \
    -extfile ext.cnf -out "$n.pem"
  rm -f "$n.csr"
}
server ec -algorithm EC -pkeyopt ec_paramgen_curve:P-256
server rsa -algorithm RSA -pkeyopt rsa_keygen_bits:2048
o genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out other.key
cat ec.pem ca.pem > ec-chain.pem
cat ec.pem ec.key > ec-combined.pem
printf 'sesame-%s' "$$" > enc.pass
o pkey -in ec.key -aes-256-cbc -passout file:enc.pass -out enc.key
printf 'this is not a certificate\n' > garbage.pem
chmod 644 ./*.pem
chmod 600 ./*.key enc.pass
