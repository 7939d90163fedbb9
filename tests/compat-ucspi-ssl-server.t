#!/bin/sh
# Drop-in check, server side: run-script lines written for ucspi-ssl 0.13.07
# (its own regression set-up: a certificate file in TRUSTED CERTIFICATE
# form, an encrypted key read with -3, -Xx rules, -e/-E, -s, -v/-V, a
# banner) pointed at our sslserver, sslprint and sslhandle, with the exact
# lines, exit codes and variables ucspi-ssl gives. Where we differ on
# purpose (README, "Differences from ucspi-ssl") the test says so.
# Changes to the lines: port 0 with -1 instead of fixed ports, -H instead
# of -h (no DNS server here), a Python TLS client instead of sslclient.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/helpers/sslserver.sh"
plan 57

# ---- a PKI like ucspi-ssl's etc/: its subjects, ::1 in the SAN, the server
# certificate with OpenSSL trust settings, an encrypted key and its password
E=$T/etc
mkdir -p "$E"
DNBASE="/C=US/ST=New York/L=Brooklyn/O=ucspi-ssl research laboratory"
(
  cd "$E" || exit 1
  o() { openssl "$@" 2>/dev/null; }
  o ecparam -name prime256v1 -genkey -noout -out ca.key
  o req -x509 -new -key ca.key -sha256 -days 2 -subj "$DNBASE/CN=ucspi-ssl research ca" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign" \
    -out rootCA_cert.pem
  printf 'subjectAltName=IP:::1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n' > ext.cnf
  for n in ::1 localhost; do
    cn=loopback; [ "$n" = localhost ] && cn=localhost
    o ecparam -name prime256v1 -genkey -noout -out "$n.plain"
    o req -new -key "$n.plain" -subj "$DNBASE/CN=$cn" -out "$n.csr"
    o x509 -req -in "$n.csr" -CA rootCA_cert.pem -CAkey ca.key -CAcreateserial -days 2 \
      -sha256 -extfile ext.cnf -out "$n.x509"
    printf 'pw-%s' "$n" > "$n.pw"
    o pkey -in "$n.plain" -aes-256-cbc -passout "file:$n.pw" -out "${n}_key.pem"
  done
  # ucspi-ssl ships its server certificate this way
  o x509 -in ::1.x509 -addtrust serverAuth -out ::1_cert.pem
  cp localhost.x509 localhost_cert.pem
)
head -n 1 "$E/::1_cert.pem" | grep -q 'TRUSTED CERTIFICATE'
ok $? "the server certificate file is PEM TRUSTED CERTIFICATE"
CERTFILE=$E/::1_cert.pem KEYFILE=$E/::1_key.pem CAFILE=$E/rootCA_cert.pem
CCAFILE=$E/rootCA_cert.pem DHFILE=
export CERTFILE KEYFILE CAFILE CCAFILE DHFILE

# the print script of ucspi-ssl's rts, in its order
NAMES="PROTO SSLLOCALHOST SSLLOCALIP SSLLOCALPORT SSLREMOTEHOST SSLREMOTEIP SSLREMOTEPORT
SSLREMOTEINFO TCPLOCALHOST TCPLOCALIP TCPLOCALPORT TCPREMOTEHOST TCPREMOTEIP TCPREMOTEPORT
TCPREMOTEINFO TCP6REMOTEHOST TCP6REMOTEIP TCP6REMOTEPORT SSL_PROTOCOL SSL_SESSION_ID SSL_CIPHER
SSL_CIPHER_EXPORT SSL_CIPHER_USEKEYSIZE SSL_CIPHER_ALGKEYSIZE SSL_VERSION_INTERFACE
SSL_VERSION_LIBRARY SSL_TLS_SNI"
for p in SERVER CLIENT; do
  NAMES="$NAMES SSL_${p}_M_VERSION SSL_${p}_M_SERIAL"
  for d in S_DN I_DN; do
    NAMES="$NAMES SSL_${p}_$d"
    for c in C ST L O OU CN T I G S D UID Email; do NAMES="$NAMES SSL_${p}_${d}_$c"; done
  done
  NAMES="$NAMES SSL_${p}_V_START SSL_${p}_V_END SSL_${p}_A_SIG SSL_${p}_A_KEY SSL_${p}_CERT"
done
PRINT=$T/print
{
  echo '#!/bin/sh'
  echo 'echo ""'
  for n in $NAMES; do echo "echo $n=\"\${$n-unset}\""; done
} > "$PRINT"
chmod 755 "$PRINT"

has6() { python3 -c 'import socket; s=socket.socket(socket.AF_INET6); s.bind(("::1", 0))' 2>/dev/null; }
if has6; then H=::1; else H=127.0.0.1; diag "no ::1 here: 127.0.0.1 instead"; fi
# v FILE NAME: the value printed for NAME
v() { sed -n "s/^$2=//p" "$1" | head -n 1; }
dec() { openssl x509 -in "$1" -noout -serial | sed 's/^serial=//' |
  python3 -c 'import sys; print(int(sys.stdin.read().strip(), 16))'; }

# ---- start-up: command line, port, host, bind, then certificate and key
# (the key is encrypted and no -3 is given: ucspi-ssl names the port first)
out=$("$BIN/sslserver" 0 0 2>&1); rc=$?
is "$rc:$out" "100:sslserver: usage: sslserver [ -1346UXpPhHrRoOdDqQvVIeEsSnNmzZ ] [ -c limit ] [ -y iprules.cdb ] [ -x rules.cdb ] [ -B banner ] [ -g gid ] [ -u uid ] [ -b backlog ] [ -l localname ] [ -t timeout ] [ -I interface ] [ -T ssltimeout ] [ -w progtimeout ] host port program" \
  "sslserver 0 0: ucspi-ssl's usage line, 100"
out=$(timeout 10 "$BIN/sslserver" 0 nonexistentport echo wrong 2>&1); rc=$?
is "$rc:$out" "111:sslserver: fatal: (111) unable to figure out port number for: nonexistentport" \
  "unknown port name before the (encrypted) key"
# a DNS server that knows no name (NXDOMAIN), so nothing waits on a real one
python3 "$HELPERS/dnsd.py" "$T/dns.ip" --lifetime 120 2>"$T/dnsd.err" &
track $!
wait_file "$T/dns.ip" 100
DNS=$(cat "$T/dns.ip")
out=$(DNSCACHEIP=$DNS timeout 30 "$BIN/sslserver" nonexistent.local. 016 echo wrong 2>&1); rc=$?
is "$rc:$out" "111:sslserver: fatal: (111) no IP address for: nonexistent.local." "unknown host name before the key"
L=thislabelistoolongbecausednshasalimitof63charactersinasinglelabel.
out=$(DNSCACHEIP=$DNS timeout 30 "$BIN/sslserver" $L 50016 echo wrong 2>&1); rc=$?
is "$rc:$out" "111:sslserver: fatal: (111) temporarily unable to figure out IP address for: $L" \
  "unresolvable host name before the key"
out=$(timeout 10 "$BIN/sslserver" 1.2.3.4 016 echo wrong 2>&1); rc=$?
is "$rc:$out" "111:sslserver: fatal: (111) unable to bind to: 1.2.3.4 port: 16" "non-local address: bind before the key"
out=$(timeout 10 "$BIN/sslserver" -H 127.0.0.1 0 echo wrong 2>&1 </dev/null); rc=$?
is "$rc:$out" "111:sslserver: error: (111) unable to load key: $KEYFILE" "encrypted key without -3: unable to load key"
out=$(KEYFILE=$E/localhost.plain timeout 10 "$BIN/sslserver" -H 127.0.0.1 0 echo wrong 2>&1 </dev/null); rc=$?
is "$rc:$out" "111:sslserver: error: (111) key does not match certificate" "key of another certificate"
out=$(CERTFILE=$T/none.pem timeout 10 "$BIN/sslserver" -H 127.0.0.1 0 echo wrong 2>&1 </dev/null); rc=$?
is "$rc:$out" "111:sslserver: error: (111) unable to load certificate: $T/none.pem" "missing certificate, named before the key"
out=$(CERTCHAINFILE=$T/none.pem timeout 10 "$BIN/sslserver" -H 127.0.0.1 0 echo wrong 2>&1 </dev/null); rc=$?
is "$rc:$out" "111:sslserver: error: (111) unable to load certificate chain file: $T/none.pem" "missing CERTCHAINFILE"
out=$(CIPHERS=FOOBAR timeout 10 "$BIN/sslserver" -3 -H 127.0.0.1 0 echo wrong 2>&1 3<"$E/::1.pw" </dev/null); rc=$?
is "$rc:$out" "111:sslserver: error: (111) unable to set cipher list" "CIPHERS OpenSSL refuses"

out=$("$BIN/sslprint" 0 2>&1); rc=$?
is "$rc:$out" "100:sslprint: usage: sslprint[ -1346UXpPhHrRoOdDqQviIeEsS ] [ -c limit ] [ -x rules.cdb ] [ -B banner ] [ -g gid ] [ -u uid ] [ -b backlog ] [ -l localname ] [ -t timeout ] [ -T ssltimeout ] [ -w progtimeout ] [ -f lockfile ] [ -I interface ] host port program" \
  "sslprint 0: ucspi-ssl's usage line (its sslhandle's), 100"
out=$(timeout 10 "$BIN/sslprint" 0 nonexistentport 2>&1); rc=$?
is "$rc:$out" "111:sslprint: fatal: (111) unable to figure out port number for: nonexistentport" "sslprint: unknown port name"
out=$(timeout 10 "$BIN/sslprint" 1.2.3.4 16 2>&1); rc=$?
is "$rc:$out" "111:sslprint: fatal: (111) unable to bind" "sslprint: non-local address, sslhandle's words"
out=$(timeout 10 "$BIN/sslhandle" 0 nonexistentport echo wrong 2>&1); rc=$?
is "$rc:$out" "111:sslhandle: fatal: (111) unable to figure out port number for: nonexistentport" "sslhandle: unknown port name"
out=$(timeout 10 "$BIN/sslhandle" -H 127.0.0.1 0 echo wrong 2>&1 </dev/null); rc=$?
is "$rc:$out" "111:sslhandle: error: (111) unable to load key" "sslhandle: encrypted key without -3, no file named"

# ---- the rts server lines: TRUSTED CERTIFICATE, encrypted key with -3, -Xx
# rules (the file missing), a banner, -E then -e, -s, -V
SRV_KEEP="-k 3" start_server s16 -w 2 -s -E -c 1 -Bbanner50016 -Vo -D -3 -Xx "$T/rules.cdb" -Rt5 -H \
  -l Localserver -b 2 $H 0 "$PRINT" 3<"$E/::1.pw"
ok $([ -n "$PORT" ]; echo $?) "-3 reads the password of the encrypted key; the TRUSTED CERTIFICATE loads"
tlsc $H "$PORT" > "$T/a.txt" 2>"$T/a.err"
is "$(head -n 1 "$T/a.txt")" "banner50016" "the banner first"
is "$(sed -n 2p "$T/a.txt")" "PROTO=TLS" "-E: PROTO=TLS"
is "$(v "$T/a.txt" SSLLOCALHOST)" "Localserver" "SSLLOCALHOST from -l"
is "$(v "$T/a.txt" SSLREMOTEIP)" "$H" "SSLREMOTEIP"
is "$(v "$T/a.txt" TCPREMOTEIP)" "unset" "-E: no TCPREMOTEIP"
is "$(v "$T/a.txt" SSL_CIPHER_EXPORT)" "false" "SSL_CIPHER_EXPORT=false"
is "$(v "$T/a.txt" SSL_VERSION_INTERFACE)" "ucspi-ssl" "SSL_VERSION_INTERFACE=ucspi-ssl"
like "$(v "$T/a.txt" SSL_VERSION_LIBRARY)" '^OpenSSL 3' "SSL_VERSION_LIBRARY: OpenSSL's version text"
is "$(v "$T/a.txt" SSL_SERVER_M_VERSION)" "3" "SSL_SERVER_M_VERSION=3"
is "$(v "$T/a.txt" SSL_SERVER_M_SERIAL)" "$(dec "$E/::1.x509")" "SSL_SERVER_M_SERIAL in decimal"
is "$(v "$T/a.txt" SSL_SERVER_S_DN)" "$DNBASE/CN=loopback" "SSL_SERVER_S_DN in OpenSSL's one-line form"
is "$(v "$T/a.txt" SSL_SERVER_S_DN_ST)" "New York" "SSL_SERVER_S_DN_ST"
is "$(v "$T/a.txt" SSL_SERVER_S_DN_OU)" "unset" "SSL_SERVER_S_DN_OU unset"
is "$(v "$T/a.txt" SSL_SERVER_I_DN)" "$DNBASE/CN=ucspi-ssl research ca" "SSL_SERVER_I_DN in OpenSSL's one-line form"
is "$(v "$T/a.txt" SSL_SERVER_I_DN_CN)" "ucspi-ssl research ca" "SSL_SERVER_I_DN_CN"
is "$(v "$T/a.txt" SSL_SERVER_V_END)" "$(openssl x509 -in "$E/::1.x509" -noout -enddate | sed 's/^notAfter=//')" \
  "SSL_SERVER_V_END as OpenSSL prints dates"
is "$(v "$T/a.txt" SSL_SERVER_A_KEY)" "id-ecPublicKey" "SSL_SERVER_A_KEY"
is "$(v "$T/a.txt" SSL_SERVER_CERT)" "-----BEGIN CERTIFICATE-----" "SSL_SERVER_CERT is a plain PEM certificate (no trust settings)"
is "$(v "$T/a.txt" SSL_CLIENT_S_DN)" "unset" "no client certificate: SSL_CLIENT_S_DN unset"
wait_grep "$T/s16.log" '^sslserver: ended by [0-9]+ status 0$' 50
ok $? "-V: 'ended by PID status 0'"
sed -e 's/ [0-9][0-9]* / x /' -e '/^sslserver: ok /s/:[0-9][0-9]*$/:x/' \
  -e '/^sslserver: ok /s/:[0-9][0-9]* /:x /' "$T/s16.log" > "$T/s16.norm"
grep -q "^sslserver: pid x from $H\$" "$T/s16.norm"; ok $? "-v: 'pid N from $H'"
grep -q "^sslserver: ok x Localserver:$H:x :$H::x\$" "$T/s16.norm"; ok $? "-v: the ok line as ucspi-ssl's"
like "$(cat "$T/s16.norm")" "sslserver: tls x accept TLSv1\\.3:TLS_[A-Z0-9_]+" "-V: 'tls N accept PROTOCOL:CIPHER'"
stop_server

# -e: the TCP variables too, PROTO after the address family
SRV_KEEP="-k 3" start_server s14 -w 2 -s -e -c 1 -Bbanner50014 -Vo -D -3 -Xx "$T/rules.cdb" -Rt5 -H \
  -l Localserver -b 2 $H 0 "$PRINT" 3<"$E/::1.pw"
tlsc $H "$PORT" > "$T/e.txt" 2>"$T/e.err"
if [ "$H" = ::1 ]; then is "$(v "$T/e.txt" PROTO)" "TCP6" "-e on ::1: PROTO=TCP6"
else is "$(v "$T/e.txt" PROTO)" "TCP" "-e on 127.0.0.1: PROTO=TCP"; fi
is "$(v "$T/e.txt" TCPLOCALHOST)" "Localserver" "-e: TCPLOCALHOST"
is "$(v "$T/e.txt" TCPREMOTEIP)" "$H" "-e: TCPREMOTEIP"
stop_server

# ---- -x rules: a rules.cdb that sets a variable, and one that denies
printf '%s:allow,RULEVAR="from-rules"\n:deny\n' "$H" | mkrules "$T/rules.cdb"
SRV_KEEP="-k 3" start_server rx -v -3 -x "$T/rules.cdb" -H -l Localserver $H 0 sh -c 'echo "RULEVAR=$RULEVAR"' 3<"$E/::1.pw"
tlsc $H "$PORT" > "$T/x.txt" 2>"$T/x.err"
is "$(cat "$T/x.txt")" "RULEVAR=from-rules" "-x: the rule's variable reaches the program"
stop_server
# dropped RULES WHAT LOGLINE [PROG]: a client of a server with -x RULES
# (running PROG, default echo) gets nothing, and the log has LOGLINE
dropped() {
  SRV_KEEP="-k 3" start_server dr -v -3 -x "$1" -H -l Localserver $H 0 "${4:-echo}" wrong 3<"$E/::1.pw"
  tlsc $H "$PORT" > "$T/dr.txt" 2>"$T/dr.err"
  is "$(cat "$T/dr.txt")" "" "$2: nothing for the client"
  wait_grep "$T/dr.log" "$3" 50
  ok $? "$2: the line $3"
  stop_server
}
printf ':deny\n' | mkrules "$T/deny.cdb"
dropped "$T/deny.cdb" "-x deny" "^sslserver: deny [0-9]+ Localserver:"
# rules that cannot be read (no -X): ucspi-ssl's line, the connection dropped
dropped "$T/missing.cdb" "-x unreadable" "^sslserver: fatal: \\(110\\) unable to read: $T/missing\\.cdb\$"
dropped "$T/rules.cdb" "no such program" "^sslserver: fatal: \\(111\\) unable to run: $T/nonexistent\$" "$T/nonexistent"

# ---- -z: a client certificate is required (ucspi-ssl's port 50015 server)
SRV_KEEP="-k 3" start_server z -w 2 -s -e -c 1 -Vo -D -3 -Xx "$T/rules.cdb" -Rt5 -H -l Localserver -b 2 -z \
  $H 0 "$PRINT" 3<"$E/::1.pw"
tlsc $H "$PORT" > "$T/z0.txt" 2>"$T/z0.err"
is "$(cat "$T/z0.txt")" "" "-z without a client certificate: refused (README: a difference)"
openssl pkey -in "$E/localhost_key.pem" -passin "file:$E/localhost.pw" -out "$T/ckey.pem" 2>/dev/null
tlsc $H "$PORT" --cert "$E/localhost_cert.pem" --key "$T/ckey.pem" > "$T/z1.txt" 2>"$T/z1.err"
is "$(v "$T/z1.txt" SSL_CLIENT_S_DN)" "$DNBASE/CN=localhost" "-z -s: SSL_CLIENT_S_DN in one-line form"
is "$(v "$T/z1.txt" SSL_CLIENT_M_SERIAL)" "$(dec "$E/localhost_cert.pem")" "-z -s: SSL_CLIENT_M_SERIAL in decimal"
stop_server

# ---- sslprint: ucspi-ssl's list, exactly, in its order
SSLSERVER=$BIN/sslprint
SRV_KEEP="-k 3" start_server p -s -c 1 -Bsslprint -vo -D -e -3 -Xx "$T/rules.cdb" -Rt5 -H \
  -l Localserver -b 2 $H 0 3<"$E/::1.pw"
tlsc $H "$PORT" > "$T/p.txt" 2>"$T/p.err"
# the names, PEM bodies skipped (a base64 line may end in "=")
awk -F= '/^-----END/ { pem = 0; next } pem { next }
  /^[A-Za-z0-9_]+=/ { print $1; if ($0 ~ /-----BEGIN/) pem = 1 }' "$T/p.txt" > "$T/p.names"
# ucspi-ssl's sslprint: SAN lines after SSL_SERVER_S_DN_*, CERT_CHAIN and SAN after SSL_CLIENT_CERT
awk '
  { print }
  $0 == "SSL_SERVER_S_DN_Email" { print "SSL_SERVER_SAN_Email_0"; print "SSL_SERVER_SAN_Email_1"; print "SSL_SERVER_SAN_DNS_0"; print "SSL_SERVER_SAN_DNS_1" }
  $0 == "SSL_CLIENT_CERT" { print "SSL_CLIENT_CERT_CHAIN_0"; print "SSL_CLIENT_CERT_CHAIN_1"; print "SSL_CLIENT_SAN_Email_0"; print "SSL_CLIENT_SAN_Email_1"; print "SSL_CLIENT_SAN_DNS_0"; print "SSL_CLIENT_SAN_DNS_1" }
' <<EOF > "$T/want.names"
$(for n in $NAMES; do echo "$n"; done)
EOF
cmp -s "$T/want.names" "$T/p.names"
ok $? "sslprint prints ucspi-ssl's list in its order, nothing more"
diff "$T/want.names" "$T/p.names" | head -5 | sed 's/^/# /'
P6=TCP6; [ "$H" = ::1 ] || P6=TCP
is "$(head -n 2 "$T/p.txt" | tr '\n' '|')" "sslprint|PROTO=$P6|" "sslprint: the banner, then the list (as ucspi-ssl's, from its empty line)"
is "$(v "$T/p.txt" SSL_SERVER_S_DN)" "$DNBASE/CN=loopback" "sslprint -s: SSL_SERVER_S_DN"
is "$(v "$T/p.txt" SSLREMOTEIP)" "$H" "sslprint: SSLREMOTEIP is the client's (ucspi-ssl's says :: for ::1)"
stop_server
done_testing
