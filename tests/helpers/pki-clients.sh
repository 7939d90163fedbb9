#!/bin/sh
# Adds client-certificate material to a test PKI made by pki.sh in DIR
# (which holds ca.key, ca.pem):
#   int.key int.pem          an intermediate CA under ca.pem
#   client.key client.pem    a good client under ca.pem: CN=client.test, two OUs,
#                            emailAddress, SAN DNS:good.example, serial 0ABC01
#   deep.key deep.pem        a client under int.pem (deep-chain.pem: deep.pem + int.pem)
#   expired.pem              client.key's certificate, valid in January 2020 only
#   other-ca.key other-ca.pem  an unrelated CA; stranger.key stranger.pem under it
#   cnonly.pem               client.key, CN=good.example, no SAN
#   wrongname.pem            client.key, CN=good.example, SAN DNS:elsewhere.example
#   odd.pem                  client.key, a subject with commas, quotes, '+', UTF-8
#   tampered.pem             client.pem with its signature damaged
#   huge-chain.pem           client.pem followed by 120 copies of int.pem
#   client-combined.pem      client.pem and client.key in one file
# Use: pki-clients.sh DIR
set -eu
d=$1
cd "$d"
o() { openssl "$@" 2>/dev/null; }
key() { o genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1"; }

printf 'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n' > int.cnf
key int.key
o req -new -key int.key -subj "/CN=ucspi-tls test intermediate" -out int.csr
o x509 -req -in int.csr -CA ca.pem -CAkey ca.key -set_serial 0x1001 -days 2 -sha256 \
  -extfile int.cnf -out int.pem

# client NAME KEY SUBJECT SAN-OR-EMPTY SERIAL [CA-BASENAME]
client() {
  n=$1 k=$2 subj=$3 san=$4 serial=$5 ca=${6:-ca}
  { echo "basicConstraints=CA:FALSE"
    echo "keyUsage=critical,digitalSignature"
    echo "extendedKeyUsage=clientAuth"
    [ -n "$san" ] && echo "subjectAltName=$san"; } > "$n.cnf"
  o req -new -utf8 -key "$k" -subj "$subj" -out "$n.csr"
  o x509 -req -in "$n.csr" -CA "$ca.pem" -CAkey "$ca.key" -set_serial "$serial" -days 2 \
    -sha256 -extfile "$n.cnf" -out "$n.pem"
  rm -f "$n.csr" "$n.cnf"
}
key client.key
client client client.key \
  "/C=DE/O=ucspi-tls test clients/OU=Mail/OU=Ops/CN=client.test/emailAddress=client@client.test" \
  "DNS:good.example" 0x0ABC01
key deep.key
client deep deep.key "/CN=deep.test" "DNS:good.example" 0x2001 int
cat deep.pem int.pem > deep-chain.pem
client cnonly client.key "/CN=good.example" "" 0x3001
client wrongname client.key "/CN=good.example" "DNS:elsewhere.example" 0x3002
client odd client.key "$(printf '/CN=Revoked\\, not really+UID=u1/O=Evil "Corp"/OU=J\303\274rgen')" "" 0x3003

key other-ca.key
o req -x509 -new -key other-ca.key -sha256 -days 2 -subj "/CN=some other CA" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign" -out other-ca.pem
key stranger.key
client stranger stranger.key "/CN=stranger.test" "DNS:good.example" 0x4001 other-ca

# expired: openssl ca takes explicit dates
mkdir -p cadb
: > cadb/index.txt
echo 5001 > cadb/serial
cat > cadb.cnf <<'X'
[ca]
default_ca = test
[test]
dir = ./cadb
database = $dir/index.txt
new_certs_dir = $dir
serial = $dir/serial
default_md = sha256
policy = anything
unique_subject = no
[anything]
commonName = supplied
X
o req -new -key client.key -subj "/CN=expired.test" -out expired.csr
o ca -batch -config cadb.cnf -cert ca.pem -keyfile ca.key -in expired.csr -out expired.pem \
  -startdate 20200101000000Z -enddate 20200201000000Z -notext
rm -f expired.csr

# one byte of the signature changed: parses, never verifies
python3 - client.pem tampered.pem <<'X'
import base64, sys
text = open(sys.argv[1]).read()
body = "".join(l for l in text.splitlines() if "-----" not in l)
der = bytearray(base64.b64decode(body))
der[-3] ^= 0x55
b64 = base64.b64encode(bytes(der)).decode()
with open(sys.argv[2], "w") as f:
    f.write("-----BEGIN CERTIFICATE-----\n")
    for i in range(0, len(b64), 64):
        f.write(b64[i:i + 64] + "\n")
    f.write("-----END CERTIFICATE-----\n")
X

cp client.pem huge-chain.pem
i=0
while [ $i -lt 120 ]; do cat int.pem >> huge-chain.pem; i=$((i + 1)); done
cat client.pem client.key > client-combined.pem
rm -f ./*.srl int.cnf int.csr
chmod 644 ./*.pem
chmod 600 ./*.key
