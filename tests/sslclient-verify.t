#!/bin/sh
# sslclient's verification of the server (python3 ssl and our sslserver as
# servers): unknown CA, wrong name, expired, self-signed each refused with
# exit 110 and ucspi-ssl's message, the program never run; -X and -N; IP
# hosts against IP SANs; CN when there is no SAN; CAFILE, -a, -A, -V.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/helpers/sslserver.sh"
. "$(dirname "$0")/helpers/sslclient.sh"
plan 40
make_client_pki
unset CAFILE CADIR

# try CERT [sslclient options...] HOST: a python server with CERT says "hi";
# sets RC, OUT (what the program read), ERR (sslclient's stderr), RAN (the
# program started: yes/no)
try() {
  _cert=$1; shift
  _bind=127.0.0.1
  for _a in "$@"; do :; done
  case $_a in *:*) _bind=::1 ;; esac
  start_py v --cert "$PKI/$_cert.pem" --key "$PKI/$_cert.key" --mode banner --text 'hi\n' \
    --bind "$_bind" --lifetime 30
  rm -f "$T/ran"
  OUT=$(sslc -H -l0 "$@" "$PYPORT" sh -c ': > "$1"; cat <&6' sh "$T/ran" 2>"$T/err")
  RC=$?
  ERR=$(cat "$T/err")
  if [ -e "$T/ran" ]; then RAN=yes; else RAN=no; fi
  stop_server "$PYPID"
}
MSGCA='^sslclient: error: \(110\) missing credentials \(CA\) or unable to validate server certificate'

try ec -a "$PKI/ca.pem" 127.0.0.1
is "$RC/$OUT/$RAN" "0/hi/yes" "a certificate by the CA in -a, for 127.0.0.1 (IP SAN): accepted"

try ec -vv -a "$PKI/otherca.pem" 127.0.0.1
is "$RC" 110 "unknown CA: exit 110"
like "$ERR" "$MSGCA: unable to get local issuer certificate\$" "unknown CA: the message and, with -vv, OpenSSL's reason"
is "$RAN" no "unknown CA: the program is not run"

try wrongname -a "$PKI/ca.pem" 127.0.0.1
is "$RC" 110 "wrong name: exit 110"
is "$ERR" 'sslclient: error: (110) server hostname does not match certificate: 127.0.0.1 <=> other.example' \
  "wrong name: the message names the host"
is "$RAN" no "wrong name: the program is not run"

try expired -vv -a "$PKI/ca.pem" 127.0.0.1
is "$RC" 110 "expired: exit 110"
like "$ERR" "$MSGCA: certificate has expired\$" "expired: the message says so"
is "$RAN" no "expired: the program is not run"

try self -vv -a "$PKI/ca.pem" 127.0.0.1
is "$RC" 110 "self-signed: exit 110"
like "$ERR" "$MSGCA: self-signed certificate\$" "self-signed: the message says so"
is "$RAN" no "self-signed: the program is not run"

try self -X 127.0.0.1
is "$RC/$OUT" "0/hi" "-X: a self-signed certificate is not checked"
try wrongname -a "$PKI/ca.pem" -N 127.0.0.1
is "$RC/$OUT" "0/hi" "-N: a certificate for another name passes when the chain is good"
try expired -a "$PKI/ca.pem" -N 127.0.0.1
is "$RC" 110 "-N still refuses an expired certificate"

try iponly -a "$PKI/ca.pem" 127.0.0.1
is "$RC/$OUT" "0/hi" "127.0.0.1 matches an IP SAN (CN is something else)"
try iponly -a "$PKI/ca.pem" ::1
is "$RC/$OUT" "0/hi" "::1 matches the IP SAN ::1"
try iponly -a "$PKI/ca.pem" 0:0::1
is "$RC/$OUT" "0/hi" "0:0::1 is the same address as the SAN ::1"
try iponly -a "$PKI/ca.pem" localhost
is "$RC" 110 "the name localhost does not match a certificate with only IP SANs"
like "$ERR" 'does not match certificate: localhost <=> not-an-address$' \
  "and the message names localhost and, as ucspi-ssl, the CN when there is no DNS SAN"
try cnonly -a "$PKI/ca.pem" 127.0.0.1
is "$RC/$OUT" "0/hi" "no SAN: the CN 127.0.0.1 is compared, as ucspi-ssl does"
try ec -a "$PKI/ca.pem" localhost
is "$RC/$OUT" "0/hi" "the name localhost (from /etc/hosts) matches the DNS SAN"
try ec -a "$PKI/ca.pem" 0
is "$RC/$OUT" "0/hi" "host 0 is 127.0.0.1, verified as such"

# where the trust anchors come from
CAFILE=$PKI/ca.pem
export CAFILE
try ec 127.0.0.1
is "$RC/$OUT" "0/hi" "CAFILE from the environment when there is no -a"
CAFILE=$PKI/otherca.pem
try ec -a "$PKI/ca.pem" 127.0.0.1
is "$RC/$OUT" "0/hi" "-a overrides CAFILE"
try ec 127.0.0.1
is "$RC" 110 "CAFILE naming another CA: 110"
unset CAFILE
try ec 127.0.0.1
is "$RC" 110 "neither -a nor CAFILE: the system's store does not know the test CA (110)"
mkdir "$T/cadir" && cp "$PKI/ca.pem" "$T/cadir/" && openssl rehash "$T/cadir" 2>/dev/null
try ec -A "$T/cadir" 127.0.0.1
is "$RC/$OUT" "0/hi" "-A: a hashed CA directory"
CADIR=$T/cadir
export CADIR
try ec 127.0.0.1
is "$RC/$OUT" "0/hi" "CADIR from the environment"
try ec -vv -a "$PKI/otherca.pem" 127.0.0.1
is "$RC" 110 "-a: CADIR from the environment is not used when an option names the CAs"
unset CADIR
# deep-chain: server certificate, intermediate CA, then the CA in -a
start_py deep --cert "$PKI/deep-chain.pem" --key "$PKI/deep.key" --mode banner --text 'hi\n' --count 2
out=$(sslc -vv -H -l0 -a "$PKI/ca.pem" -V 0 127.0.0.1 "$PYPORT" sh -c 'cat <&6' 2>&1)
is "$?" 110 "-V 0: no intermediate CA allowed"
like "$out" "$MSGCA: certificate chain too long\$" "-V 0: the chain is too long"
out=$(sslc -H -l0 -a "$PKI/ca.pem" 127.0.0.1 "$PYPORT" sh -c 'cat <&6' 2>&1)
is "$?/$out" "0/hi" "the default depth 1 allows one intermediate CA"
stop_server "$PYPID"
try ec -a "$T/none.pem" 127.0.0.1
is "$RC" 111 "an unreadable -a file: 111"
is "$ERR" "sslclient: error: (111) unable to load CA list" \
  "an unreadable -a file: ucspi-ssl's line"
out=$(sslc -vv -H -l0 -a "$T/none.pem" 127.0.0.1 1 true 2>&1)
is "$out" "sslclient: error: (111) unable to load CA list: $T/none.pem: No such file or directory" \
  "-vv: the line names the file and the reason"

# our server: the alert ends its handshake, its program never starts
start_server srv $NODNS 127.0.0.1 0 sh -c ': > "$1"; cat' sh "$T/srvran"
sslc -H -l0 -a "$PKI/otherca.pem" 127.0.0.1 "$PORT" sh -c 'cat <&6' 2>/dev/null
is "$?" 110 "against sslserver, an unknown CA: 110"
wait_grep "$T/srv.log" 'unable to accept TLS' 50
like "$(cat "$T/srv.log")" 'unable to accept TLS.*unknown ca' \
  "sslserver learns why: the alert says unknown ca"
[ -e "$T/srvran" ]
is "$?" 1 "and sslserver's program never ran"
stop_server
done_testing
