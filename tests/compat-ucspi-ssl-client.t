#!/bin/sh
# Command lines written for ucspi-ssl 0.13.07's sslclient, run against ours:
# the exact lines it prints (its source and pages are the reference), its
# exit codes (110: no connection, a server that fails verification; 111:
# the rest) and the environment its program gets (PROTO, SSL*, TCP* with -e,
# SSL_* with -s). Our own extras show only with -vv.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/helpers/sslserver.sh"
. "$(dirname "$0")/helpers/sslclient.sh"
plan 41
make_client_pki
unset CAFILE CADIR
CA="-a $PKI/ca.pem"

# run NAME sslclient-arguments...: RC, OUT (stdout) and ERR (stderr) of one run
run() {
  _rn=$1; shift
  OUT=$(sslc "$@" 2>"$T/$_rn.err")
  RC=$?
  ERR=$(cat "$T/$_rn.err")
}

# --- no connection: 110 and ucspi-ssl's drop line
freeport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
run refused $CA 127.0.0.1 "$freeport" true
is "$RC:$ERR" "110:sslclient: drop: (110) unable to connect to: 127.0.0.1 port: $freeport" \
  "connection refused: exit 110, ucspi-ssl's drop line"
run refused0 -H -l0 $CA 0 "$freeport" true
is "$RC:$ERR" "110:sslclient: drop: (110) unable to connect to: 127.0.0.1 port: $freeport" \
  "host 0 is 127.0.0.1 in the line"
run refusedq -q $CA 127.0.0.1 "$freeport" true
is "$RC:$ERR" "110:" "-q: the same code, no line"
run refusedvv -vv $CA 127.0.0.1 "$freeport" true
is "$ERR" "sslclient: drop: (110) unable to connect to: 127.0.0.1 port: $freeport: Connection refused" \
  "-vv (ours): the reason after the line"
run port $CA 127.0.0.1 nonexistentport true
is "$RC:$ERR" "111:sslclient: fatal: (111) unable to figure out port number for nonexistentport" \
  "an unknown port name: ucspi-ssl's line (no colon in sslclient's)"

# --- no address: a DNS responder that knows nothing
python3 "$HELPERS/dnsd.py" "$T/dns.ip" --log "$T/dns.log" --lifetime 250 2> "$T/dnsd.err" &
track $!
wait_file "$T/dns.ip" 100
DNSCACHEIP=$(cat "$T/dns.ip" 2>/dev/null)
export DNSCACHEIP
run noip $CA nonexistent.local. 443 true
is "$RC:$ERR" "111:sslclient: error: (111) No IP address for: nonexistent.local." \
  "an unknown name: exit 111, ucspi-ssl's line"

# --- local files, before any connection as ucspi-ssl reads them
run cipher $CA -z NO-SUCH-CIPHER 127.0.0.1 "$freeport" true
is "$RC:$ERR" "111:sslclient: error: (111) unable to set cipher list" "a bad -z: ucspi-ssl's line"
run cert $CA -c "$T/nothing.pem" 127.0.0.1 "$freeport" true
is "$RC:$ERR" "111:sslclient: error: (111) unable to load certificate" "a missing -c file: ucspi-ssl's line"
printf 'wrong' > "$T/wrong.pass"
run key $CA -c "$PKI/client.pem" -k "$PKI/client-enc.key" -K "$T/wrong.pass" 127.0.0.1 "$freeport" true
is "$RC:$ERR" "111:sslclient: error: (111) unable to load key pair" "a wrong key password: ucspi-ssl's line"
run cafile -a "$T/nothing.pem" 127.0.0.1 "$freeport" true
is "$RC:$ERR" "111:sslclient: error: (111) unable to load CA list" "a missing -a file: ucspi-ssl's line"
run pwfile $CA -c "$PKI/client.pem" -k "$PKI/client-enc.key" -K "$T/nothing.pass" 127.0.0.1 "$freeport" true
is "$RC:$ERR" "111:sslclient: error: (111) unable to read password from: $T/nothing.pass" \
  "a missing -K file: ucspi-ssl's line"
OUT=$(sslc $CA -3 -c "$PKI/client.pem" -k "$PKI/client-enc.key" 127.0.0.1 "$freeport" true 2>&1 3<&-)
is "$?:$OUT" "111:sslclient: error: (111) unable to read password from FD3" "-3 without descriptor 3: ucspi-ssl's line"

# --- a server that never speaks TLS
start_py silent --mode silent
run silent -T 1 -H -l0 $CA 127.0.0.1 "$PYPORT" true
is "$RC:$ERR" "111:sslclient: fatal: (111) unable to TLS connect" "no handshake: exit 111, ucspi-ssl's line"
stop_server "$PYPID"

# --- a server on 127.0.0.1 with a certificate for localhost, 127.0.0.1, ::1
start_server v4 $NODNS 127.0.0.1 0 sh -c 'echo hi'
P4=$PORT
run v -v -H -l0 $CA 127.0.0.1 "$P4" sh -c 'cat <&6'
is "$RC:$OUT" "0:hi" "a verified connection: the program reads the server on 6"
is "$ERR" "sslclient: tls connected to: 127.0.0.1 port: $P4" "-v: ucspi-ssl's one line"
run vv -vv -H -l0 $CA 127.0.0.1 "$P4" sh -c 'cat <&6'
like "$(sed -n 2p "$T/vv.err")" "^sslclient: tls connected to: 127\\.0\\.0\\.1 port: $P4 TLSv1\\.[23]:[A-Z0-9_-]+\$" \
  "-vv (ours): protocol and cipher after the line, as sslserver -V"
run quiet -H -l0 $CA 127.0.0.1 "$P4" sh -c 'cat <&6'
is "$RC:$ERR" "0:" "without -v: not a line"
run ca -H -l0 -a "$PKI/otherca.pem" 127.0.0.1 "$P4" sh -c 'cat <&6'
is "$RC:$OUT:$ERR" "110::sslclient: error: (110) missing credentials (CA) or unable to validate server certificate" \
  "an unknown CA: exit 110, ucspi-ssl's line, no program"
run X -X -H -l0 -a "$PKI/otherca.pem" 127.0.0.1 "$P4" sh -c 'cat <&6'
is "$RC:$OUT" "0:hi" "-X: not verified"

# the program's environment
envrun() {  # envrun FILE sslclient-arguments...
  _f=$1; shift
  sslc "$@" sh -c 'env > "$1"; cat <&6 >/dev/null' sh "$_f" 2>"$T/env.err" </dev/null
}
envrun "$T/E.env" -H -l0 $CA 127.0.0.1 "$P4"
is "$(envval "$T/E.env" PROTO)" "TLS" "-E (default): PROTO=TLS"
is "$(envval "$T/E.env" SSLREMOTEIP):$(envval "$T/E.env" SSLREMOTEPORT)" "127.0.0.1:$P4" \
  "SSLREMOTEIP and SSLREMOTEPORT"
is "$(envval "$T/E.env" SSLLOCALIP):$(envval "$T/E.env" SSLLOCALHOST)" "127.0.0.1:0" \
  "SSLLOCALIP, and SSLLOCALHOST from -l"
like "$(envval "$T/E.env" SSLLOCALPORT)" '^[0-9]+$' "SSLLOCALPORT"
is "$(envval "$T/E.env" SSLREMOTEHOST):$(envval "$T/E.env" SSLREMOTEINFO)" "<unset>:<unset>" \
  "-H and -R: SSLREMOTEHOST and SSLREMOTEINFO unset"
is "$(grep -c '^TCP' "$T/E.env"):$(grep '^SSL_' "$T/E.env" | grep -vc '^SSL_CERT_[A-Z]*=')" "0:0" \
  "-E -S: no TCP* and no SSL_* variables (OpenSSL's own SSL_CERT_* aside)"
envrun "$T/e.env" -e -H -l0 $CA 127.0.0.1 "$P4"
is "$(envval "$T/e.env" PROTO)" "TCP" "-e over IPv4: PROTO=TCP"
is "$(envval "$T/e.env" TCPREMOTEIP):$(envval "$T/e.env" TCPREMOTEPORT):$(envval "$T/e.env" TCPLOCALIP):$(envval "$T/e.env" TCPLOCALHOST)" \
  "127.0.0.1:$P4:127.0.0.1:0" "-e: TCPREMOTEIP, TCPREMOTEPORT, TCPLOCALIP, TCPLOCALHOST"
is "$(envval "$T/e.env" TCPLOCALPORT)" "$(envval "$T/e.env" SSLLOCALPORT)" "-e: TCPLOCALPORT"
is "$(grep -c '^TCP6' "$T/e.env")" 0 "-e over IPv4: no TCP6* variables"
envrun "$T/s.env" -s -H -l0 $CA 127.0.0.1 "$P4"
like "$(envval "$T/s.env" SSL_PROTOCOL)" '^TLSv1\.[23]$' "-s: SSL_PROTOCOL"
like "$(envval "$T/s.env" SSL_CIPHER)" '^[A-Z0-9_-]+$' "-s: SSL_CIPHER"
like "$(envval "$T/s.env" SSL_SESSION_ID)" '^[0-9a-f]*$' "-s: SSL_SESSION_ID in lower-case hex"
like "$(envval "$T/s.env" SSL_CIPHER_USEKEYSIZE):$(envval "$T/s.env" SSL_CIPHER_ALGKEYSIZE)" '^[0-9]+:[0-9]+$' \
  "-s: SSL_CIPHER_USEKEYSIZE and SSL_CIPHER_ALGKEYSIZE"
like "$(envval "$T/s.env" SSL_VERSION_LIBRARY)" '^OpenSSL ' "-s: SSL_VERSION_LIBRARY"
is "$(envval "$T/s.env" SSL_SERVER_S_DN_CN)" "localhost" "-s (ours beyond ucspi-ssl): SSL_SERVER_S_DN_CN"
envrun "$T/c.env" -s -H -l0 $CA -c "$PKI/client.pem" -k "$PKI/client.key" 127.0.0.1 "$P4"
is "$(envval "$T/c.env" SSL_CLIENT_S_DN_CN)" "test client" "-s -c: SSL_CLIENT_* for our own certificate"
stop_server

# --- IPv6, and a certificate for another name
start_server v6 $NODNS ::1 0 sh -c 'echo hi'
run v6 -v -H -l0 $CA ::1 "$PORT" sh -c 'cat <&6'
is "$RC:$ERR" "0:sslclient: tls connected to: ::1 port: $PORT" "-v over IPv6: ucspi-ssl's line"
envrun "$T/e6.env" -e -H -l0 $CA ::1 "$PORT"
is "$(envval "$T/e6.env" PROTO):$(envval "$T/e6.env" TCPREMOTEIP):$(envval "$T/e6.env" SSLREMOTEIP)" \
  "TCP6:::1:::1" "-e over IPv6: PROTO=TCP6, TCPREMOTEIP, SSLREMOTEIP"
is "$(envval "$T/e6.env" TCP6REMOTEIP):$(envval "$T/e6.env" TCP6REMOTEPORT)" "::1:$PORT" \
  "-e over IPv6: the TCP6* set PROTO names (ours, as sslserver)"
stop_server

CERTFILE=$PKI/wrongname.pem KEYFILE=$PKI/wrongname.key
start_server wrong $NODNS 127.0.0.1 0 sh -c 'echo hi'
run name -H -l0 $CA 127.0.0.1 "$PORT" sh -c 'cat <&6'
is "$RC:$OUT:$ERR" \
  "110::sslclient: error: (110) server hostname does not match certificate: 127.0.0.1 <=> other.example" \
  "a certificate for another name: exit 110, ucspi-ssl's line with the certificate's name"
run N -N -H -l0 $CA 127.0.0.1 "$PORT" sh -c 'cat <&6'
is "$RC:$OUT:$ERR" "0:hi:" "-N: the name is not checked"
stop_server
done_testing
