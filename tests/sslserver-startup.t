#!/bin/sh
# sslserver: bad command lines and bad TLS settings fail at start-up with a
# clear message, a nonzero exit (100 usage, 111 otherwise) and before listening
# (-1 prints nothing).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/helpers/sslserver.sh"
plan 32
make_pki

# run NAME ARGS...: sslserver -1 ARGS (bounded); status in $st, output in $T/NAME.{out,err}
run() {
  _nm=$1; shift
  timeout 10 python3 "$HELPERS/closefds.py" "$SSLSERVER" -1 "$@" < /dev/null > "$T/$_nm.out" 2> "$T/$_nm.err"
  st=$?
}
# fatal NAME WHAT: exit status 111 (not a timeout), a fatal line (ucspi-ssl's
# class "error" for a TLS set-up step), no port printed
fatal() {
  is "$st" 111 "$2: exit 111"
  like "$(cat "$T/$1.err")" '^sslserver: (fatal|error): \(111\) .+' "$2: 'sslserver: fatal: (111) ...' on stderr"
  ok "$([ ! -s "$T/$1.out" ]; echo $?)" "$2: nothing on stdout (it never listened)"
}

run usage -k $NODNS 127.0.0.1 0 cat
is "$st" 100 "unknown option: exit 100"
like "$(cat "$T/usage.err")" 'usage' "unknown option: usage on stderr"
ok "$([ ! -s "$T/usage.out" ]; echo $?)" "unknown option: nothing on stdout"

run noprog $NODNS 127.0.0.1 0
is "$st" 100 "no program: exit 100"
run noargs
is "$st" 100 "no arguments: exit 100"
run noarg -c
is "$st" 100 "option without its argument: exit 100"

CERTFILE=$T/nonexistent.pem run nocert $NODNS 127.0.0.1 0 cat
fatal nocert "missing certificate file"
like "$(cat "$T/nocert.err")" 'nonexistent\.pem' "missing certificate file: the message names the file"

CERTFILE=$PKI run dircert $NODNS 127.0.0.1 0 cat
is "$st" 111 "a directory as certificate: exit 111"

CERTFILE=$PKI/garbage.pem run garbage $NODNS 127.0.0.1 0 cat
fatal garbage "certificate file that is not PEM"

KEYFILE=$T/nonexistent.key run nokey $NODNS 127.0.0.1 0 cat
fatal nokey "missing key file"

KEYFILE=$PKI/other.key run mismatch $NODNS 127.0.0.1 0 cat
fatal mismatch "key not matching the certificate"

KEYFILE=$PKI/rsa.key run mismatch2 $NODNS 127.0.0.1 0 cat
is "$st" 111 "RSA key with the ECDSA certificate: exit 111"

CIPHERS=NO-SUCH-CIPHER run badciphers $NODNS 127.0.0.1 0 cat
fatal badciphers "CIPHERS that OpenSSL refuses"

# a key only root may read, for a server started as nobody
chmod 711 "$T"
mkdir -p "$T/keys"; chmod 755 "$T/keys"
cp "$PKI/ec.pem" "$T/keys/cert.pem"; cp "$PKI/ec.key" "$T/keys/key.pem"
chmod 644 "$T/keys/cert.pem"; chmod 600 "$T/keys/key.pem"
CERTFILE=$T/keys/cert.pem KEYFILE=$T/keys/key.pem \
  timeout 10 setpriv --reuid 65534 --regid 65534 --clear-groups \
  "$SSLSERVER" -1 $NODNS 127.0.0.1 0 cat \
  < /dev/null > "$T/unread.out" 2> "$T/unread.err"
st=$?
fatal unread "unreadable key (server run as nobody)"

# the port is taken: bind fails with 111
start_server taken $NODNS 127.0.0.1 0 cat
run busy $NODNS 127.0.0.1 "$PORT" cat
fatal busy "address already in use"
stop_server

run badport $NODNS 127.0.0.1 no-such-service-name cat
ok "$([ "$st" -eq 100 ] || [ "$st" -eq 111 ]; echo $?)" "unknown port name: exit 100 or 111 (got $st)"
like "$(cat "$T/badport.err")" 'no-such-service-name' "unknown port name: the message names it"
done_testing
