# Shared helpers for the sslclient, sslcat and https@ tests; source after
# tests/lib.sh and tests/helpers/sslserver.sh.
#   make_client_pki         make_pki, then more certificates in $PKI, all for
#                           ECDSA keys NAME.key, issued by ca.pem unless said:
#     wrongname.pem         SAN DNS:other.example, CN other.example
#     iponly.pem            SAN IP:127.0.0.1, IP:::1 only, CN not-an-address
#     cnonly.pem            no SAN, CN 127.0.0.1 (what ucspi-ssl compares)
#     wild.pem              SAN DNS:*.wild.example
#     expired.pem           localhost and 127.0.0.1, valid only in January 2020
#     self.pem              self-signed, localhost and 127.0.0.1
#     otherca.pem           a CA that issued nothing here
#     inter.pem             an intermediate CA by ca.pem; deep.pem (localhost,
#                           127.0.0.1) by inter.pem, deep-chain.pem both
#     client.pem            clientAuth, CN "test client"; client-enc.key is
#                           client.key encrypted with the password in client.pass
#   start_py NAME ARGS...   tests/helpers/tlsserver.py with ARGS in the
#                           background; sets PYPID and PYPORT (empty if it did
#                           not start); its log in $T/NAME.log
#   sslc ARGS...            $SSLCLIENT under timeout
SSLCLIENT=$BIN/sslclient
sslc() { timeout -k 2 30 "$SSLCLIENT" "$@"; }

make_client_pki() {
  make_pki || return 1
  [ -s "$PKI/client-enc.key" ] && return 0
  ( cd "$PKI" || exit 1
    o() { openssl "$@" 2>/dev/null; }
    key() { o genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1.key"; }
    leaf() {  # leaf NAME SUBJECT [EXTENSION-LINE...]
      n=$1 subj=$2; shift 2
      printf '%s\n' basicConstraints=CA:FALSE "$@" > "$n.ext"
      key "$n"
      o req -new -key "$n.key" -subj "$subj" -out "$n.csr"
      o x509 -req -in "$n.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -sha256 \
        -extfile "$n.ext" -out "$n.pem"
    }
    leaf wrongname "/CN=other.example" "subjectAltName=DNS:other.example"
    leaf iponly "/CN=not-an-address" "subjectAltName=IP:127.0.0.1,IP:::1"
    leaf cnonly "/CN=127.0.0.1"
    leaf wild "/CN=wildcard" "subjectAltName=DNS:*.wild.example"
    leaf client "/CN=test client" "extendedKeyUsage=clientAuth"
    leaf inter "/CN=ucspi-tls test intermediate CA" "basicConstraints=critical,CA:TRUE" \
      "keyUsage=critical,keyCertSign,cRLSign"
    key deep
    o req -new -key deep.key -subj /CN=localhost -out deep.csr
    printf '%s\n' basicConstraints=CA:FALSE "subjectAltName=DNS:localhost,IP:127.0.0.1" > deep.ext
    o x509 -req -in deep.csr -CA inter.pem -CAkey inter.key -CAcreateserial -days 2 -sha256 \
      -extfile deep.ext -out deep.pem
    cat deep.pem inter.pem > deep-chain.pem
    printf 'client-%s' "$$" > client.pass
    o pkey -in client.key -aes-256-cbc -passout file:client.pass -out client-enc.key

    # expired: openssl ca, the one command that takes a start and end date
    mkdir -p ca.d && : > ca.d/index.txt && echo 1000 > ca.d/serial
    printf '%s\n' '[ca]' 'default_ca = d' '[d]' 'database = ca.d/index.txt' \
      'serial = ca.d/serial' 'new_certs_dir = ca.d' 'default_md = sha256' 'policy = p' \
      'copy_extensions = copy' 'unique_subject = no' '[p]' 'commonName = supplied' > ca.cnf
    key expired
    o req -new -key expired.key -subj /CN=localhost \
      -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" -out expired.csr
    o ca -batch -config ca.cnf -cert ca.pem -keyfile ca.key -notext \
      -startdate 20200101000000Z -enddate 20200131000000Z -in expired.csr -out expired.pem

    o req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout self.key \
      -subj /CN=localhost -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" -days 2 -out self.pem
    o req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout otherca.key \
      -subj "/CN=some other CA" -addext "basicConstraints=critical,CA:TRUE" -days 2 -out otherca.pem
    rm -f ./*.csr
    chmod 600 ./*.key client.pass
  )
  for f in wrongname iponly cnonly wild client expired self otherca deep-chain; do
    [ -s "$PKI/$f.pem" ] || { diag "make_client_pki: $f.pem missing"; return 1; }
  done
}

start_py() {
  _name=$1; shift
  rm -f "$T/$_name.port" "$T/$_name.log"
  python3 "$HELPERS/tlsserver.py" "$T/$_name.port" --log "$T/$_name.log" "$@" \
    2>"$T/$_name.err" &
  PYPID=$!
  track "$PYPID"
  _i=0
  while [ ! -s "$T/$_name.port" ] && [ $_i -lt 100 ] && running "$PYPID"; do
    sleep 0.1; _i=$((_i + 1))
  done
  PYPORT=$(head -n 1 "$T/$_name.port" 2>/dev/null)
  [ -n "$PYPORT" ] || { diag "tlsserver.py $* did not start:"; sed 's/^/#   /' "$T/$_name.err"; }
}

# waits (bounded) for a python server to finish its connections
wait_py() {
  _i=0
  while running "${1:-$PYPID}" && [ $_i -lt 100 ]; do sleep 0.1; _i=$((_i + 1)); done
  ! running "${1:-$PYPID}"
}
