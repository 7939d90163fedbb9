#!/bin/sh
# sslprint: sslserver's options, no program; each client gets an empty line
# and the connection's variables as NAME=value lines in ucspi-ssl's order,
# "unset" for missing ones. -e, -s, SNI, client certificates, rules, -B,
# the log lines, and usage errors.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/helpers/sslserver.sh"
plan 37
make_pki
sh "$HELPERS/pki-clients.sh" "$PKI" || diag "pki-clients.sh failed"
SSLSERVER=$BIN/sslprint

# pr NAME CLIENT-ARGS...: the client's output in $T/NAME.txt
pr() { _nm=$1; shift; tlsc 127.0.0.1 "$PORT" "$@" > "$T/$_nm.txt" 2>"$T/$_nm.err"; }
# v NAME VAR: the value printed for VAR (first line of it)
v() { sed -n "s/^$2=//p" "$T/$1.txt" | head -n 1; }
# names NAME: the variable names, in order, one a line (PEM lines left out)
names() { sed -n 's/^\([A-Za-z0-9_]*\)=.*/\1/p' "$T/$1.txt"; }

DN='C ST L O OU CN T I G S D UID Email'
expected_names() {
  for n in PROTO SSLLOCALHOST SSLLOCALIP SSLLOCALPORT SSLREMOTEHOST SSLREMOTEIP \
    SSLREMOTEPORT SSLREMOTEINFO TCPLOCALHOST TCPLOCALIP TCPLOCALPORT TCPREMOTEHOST \
    TCPREMOTEIP TCPREMOTEPORT TCPREMOTEINFO TCP6REMOTEHOST TCP6REMOTEIP TCP6REMOTEPORT \
    SSL_PROTOCOL SSL_SESSION_ID SSL_CIPHER SSL_CIPHER_EXPORT SSL_CIPHER_USEKEYSIZE \
    SSL_CIPHER_ALGKEYSIZE SSL_VERSION_INTERFACE SSL_VERSION_LIBRARY SSL_TLS_SNI; do echo $n; done
  for p in SERVER CLIENT; do
    echo SSL_${p}_M_VERSION; echo SSL_${p}_M_SERIAL
    echo SSL_${p}_S_DN; for c in $DN; do echo SSL_${p}_S_DN_$c; done
    if [ $p = SERVER ]; then
      echo SSL_SERVER_SAN_Email_0; echo SSL_SERVER_SAN_Email_1
      echo SSL_SERVER_SAN_DNS_0; echo SSL_SERVER_SAN_DNS_1
    fi
    echo SSL_${p}_I_DN; for c in $DN; do echo SSL_${p}_I_DN_$c; done
    for n in V_START V_END A_SIG A_KEY CERT; do echo SSL_${p}_$n; done
  done
  echo SSL_CLIENT_CERT_CHAIN_0; echo SSL_CLIENT_CERT_CHAIN_1
  echo SSL_CLIENT_SAN_Email_0; echo SSL_CLIENT_SAN_Email_1
  echo SSL_CLIENT_SAN_DNS_0; echo SSL_CLIENT_SAN_DNS_1
}
expected_names > "$T/expected.names"

# ---- defaults (-E -S), -v
start_server p -v $NODNS 127.0.0.1 0
pr a
is "$?" 0 "the client reads the variables to the end"
is "$(head -n 1 "$T/a.txt")" "" "the first line is empty (as in ucspi-ssl)"
is "$(sed -n 2p "$T/a.txt")" "PROTO=TLS" "then PROTO=TLS"
names a > "$T/a.names"
cmp -s "$T/a.names" "$T/expected.names"
ok $? "exactly ucspi-ssl's list, in its order"
diff "$T/expected.names" "$T/a.names" | head -5 | sed 's/^/# /'
is "$(v a SSLLOCALIP)" "127.0.0.1" "SSLLOCALIP"
is "$(v a SSLLOCALPORT)" "$PORT" "SSLLOCALPORT"
is "$(v a SSLLOCALHOST)" "localhost" "SSLLOCALHOST from -l"
is "$(v a SSLREMOTEIP)" "127.0.0.1" "SSLREMOTEIP"
like "$(v a SSLREMOTEPORT)" '^[0-9]+$' "SSLREMOTEPORT"
is "$(v a SSLREMOTEHOST)" "unset" "-H: SSLREMOTEHOST=unset"
is "$(v a TCPREMOTEIP)" "unset" "-E: TCPREMOTEIP=unset"
like "$(v a SSL_PROTOCOL)" '^TLSv1\.[23]$' "SSL_PROTOCOL"
like "$(v a SSL_SESSION_ID)" '^[0-9a-fA-F]+$' "SSL_SESSION_ID"
is "$(v a SSL_SERVER_S_DN_CN)" "unset" "-S: no certificate variables"
is "$(v a SSL_CIPHER_EXPORT)" "false" "SSL_CIPHER_EXPORT=false"
is "$(v a SSL_TLS_SNI)" "unset" "no SNI sent: SSL_TLS_SNI=unset"
pr sni --servername print.example
is "$(v sni SSL_TLS_SNI)" "print.example" "SSL_TLS_SNI is the name the client sent"
wait_grep "$T/p.log" '^sslprint: ended by [0-9]+ status 0$' 50
ok $? "-v: 'ended by PID status 0' for a connection that printed"
like "$(cat "$T/p.log")" 'sslprint: ok [0-9]+ localhost:127\.0\.0\.1:'"$PORT"' :127\.0\.0\.1::[0-9]+' \
  "-v: the ok line, prefixed sslprint:"
like "$(head -n 1 "$T/p.log")" '^sslprint: status 0/40/0$' "-v: the start-up status line"
stop_server

# ---- -e -s and a banner
start_server es -e -s -B 'hello banner
' $NODNS 127.0.0.1 0
pr b
is "$(head -n 1 "$T/b.txt")" "hello banner" "-B: the banner comes first"
is "$(sed -n 2p "$T/b.txt")" "" "-B: then the empty line"
is "$(v b PROTO)" "TCP" "-e: PROTO=TCP"
is "$(v b TCPLOCALPORT)" "$PORT" "-e: TCPLOCALPORT"
is "$(v b TCPREMOTEIP)" "127.0.0.1" "-e: TCPREMOTEIP"
is "$(v b TCP6REMOTEIP)" "unset" "-e, IPv4 client: TCP6REMOTEIP=unset"
is "$(v b SSL_SERVER_S_DN_CN)" "localhost" "-s: SSL_SERVER_S_DN_CN"
is "$(v b SSL_SERVER_CERT)" "-----BEGIN CERTIFICATE-----" "-s: SSL_SERVER_CERT, PEM over several lines"
is "$(v b SSL_SERVER_I_DN)" "/CN=ucspi-tls test CA" "-s: SSL_SERVER_I_DN in OpenSSL's one-line form"
stop_server

# ---- client certificate required (-m)
SRV_ENV="CCAFILE=$PKI/ca.pem" start_server m -s -m $NODNS 127.0.0.1 0
pr c --cert "$PKI/client.pem" --key "$PKI/client.key"
is "$(v c SSL_CLIENT_M_SERIAL)" "703489" "-m -s: SSL_CLIENT_M_SERIAL in decimal (0x0ABC01)"
is "$(v c SSL_CLIENT_S_DN_CN)" "client.test" "-m -s: SSL_CLIENT_S_DN_CN"
pr d
is "$(cat "$T/d.txt")" "" "-m, no client certificate: nothing printed"
stop_server

# ---- rules: a deny prints nothing
mkrules "$T/r.cdb" <<'EOF'
127.0.0.2:deny
:allow,RULEVAR="x"
EOF
start_server r -v -x "$T/r.cdb" $NODNS 127.0.0.1 0
pr e --bind 127.0.0.2
is "$(cat "$T/e.txt")" "" "a denied client gets nothing"
wait_grep "$T/r.log" '^sslprint: deny [0-9]+ ' 50
ok $? "the deny line"
pr f
is "$(v f PROTO)" "TLS" "an allowed client gets the variables"
stop_server

# ---- usage
timeout 10 "$BIN/sslprint" -n $NODNS 127.0.0.1 0 > /dev/null 2>"$T/n.err"
is "$?" 100 "-n is no sslprint option: exit 100"
timeout 10 "$BIN/sslprint" $NODNS 127.0.0.1 > /dev/null 2>"$T/u.err"
is "$?" 100 "no port: exit 100"
done_testing
