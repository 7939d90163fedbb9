#!/bin/sh
# sslwrap under Debian's tcpserver (ucspi-tcp): one accepted connection on
# fds 0/1, TLS, the program behind it. Echo and a MiB both ways, the
# environment against sslserver's for the same options, names taken from
# tcpserver's variables (or looked up by sslwrap's own options when there
# are none), -e, client certificates, rules, -n UCSPI-TLS, descriptors, the
# log lines, exit codes, and a descriptor 0 that is no socket.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/helpers/sslserver.sh"
plan 42
make_pki
sh "$HELPERS/pki-clients.sh" "$PKI" || diag "pki-clients.sh failed"
TCPSERVER=$TOP/.deps/ucspi-tcp/usr/bin/tcpserver
WRAP=$BIN/sslwrap
SSLSERVER=$TCPSERVER

v() { envval "$T/$1.env" "$2"; }
# envof NAME CLIENT-ARGS...: the env.sh listing a client gets, in $T/NAME.env
envof() { _nm=$1; shift; tlsc 127.0.0.1 "$PORT" "$@" --info "$T/$_nm.info" > "$T/$_nm.env" 2>"$T/$_nm.err"; }

# ---- echo
start_server echo -HRl0 127.0.0.1 0 "$WRAP" -HRl0 cat
is "$(tlsc 127.0.0.1 "$PORT" --send 'hello\n' --expect 'hello\n')" "hello" "tcpserver + sslwrap: echo"
head -c 1048576 /dev/urandom > "$T/mib"
like "$(tlsc 127.0.0.1 "$PORT" --echo-file "$T/mib" --timeout 30)" '^echo same 1048576$' \
  "a MiB both ways, unchanged"
stop_server

# ---- the environment, as sslserver -HRl0 gives it
# as the README has it: no options for sslwrap, tcpserver's names
SRV_ENV="OUTER=kept" start_server env -HRl0 127.0.0.1 0 "$WRAP" "$PROGS/env.sh"
wport=$PORT
envof w
cport=$(cut -d' ' -f3 "$T/w.info" 2>/dev/null)
is "$(v w PROTO)" "TLS" "PROTO=TLS"
is "$(v w SSLLOCALIP)" "127.0.0.1" "SSLLOCALIP"
is "$(v w SSLLOCALPORT)" "$PORT" "SSLLOCALPORT is tcpserver's port"
is "$(v w SSLLOCALHOST)" "0" "SSLLOCALHOST from -l0"
is "$(v w SSLREMOTEIP)" "127.0.0.1" "SSLREMOTEIP"
is "$(v w SSLREMOTEPORT)" "$cport" "SSLREMOTEPORT is the client's port"
is "$(grep -Ec '^TCP' "$T/w.env")" 0 "no TCP* variables left from tcpserver (-E)"
like "$(v w SSL_PROTOCOL)" '^TLSv1\.[23]$' "SSL_PROTOCOL"
is "$(v w OUTER)" "kept" "the environment tcpserver passed on is kept"
stop_server
SSLSERVER=$BIN/sslserver
SRV_ENV="OUTER=kept" start_server ref -HRl0 127.0.0.1 0 "$PROGS/env.sh"
envof s
SSLSERVER=$TCPSERVER
names() { sed -n 's/^\([A-Za-z0-9_]*\)=.*/\1/p' "$T/$1.env" | grep -v '^_$'; }
is "$(names w | tr '\n' ' ')" "$(names s | tr '\n' ' ')" \
  "the same variable names as under sslserver -HRl0"
same() { for n in PROTO SSLLOCALIP SSLLOCALHOST SSLREMOTEIP SSLREMOTEHOST SSLREMOTEINFO SSL_PROTOCOL \
  SSL_CIPHER SSL_VERSION_LIBRARY OUTER; do echo "$n=$(v "$1" $n)"; done; }
is "$(same w)" "$(same s)" "the same values but for ports and the session"
stop_server

# ---- -e, names from tcpserver's variables
start_server e -Rl tcphost.example 127.0.0.1 0 env TCPREMOTEHOST=client.example TCPREMOTEINFO=alice \
  "$WRAP" -e "$PROGS/env.sh"
envof e
is "$(v e PROTO)" "TCP" "-e: PROTO=TCP"
is "$(v e TCPLOCALHOST)" "tcphost.example" "-e: TCPLOCALHOST from tcpserver's -l"
is "$(v e SSLLOCALHOST)" "tcphost.example" "SSLLOCALHOST from tcpserver's TCPLOCALHOST"
is "$(v e SSLREMOTEHOST)" "client.example" "SSLREMOTEHOST from TCPREMOTEHOST, no lookup of its own"
is "$(v e SSLREMOTEINFO)" "alice" "SSLREMOTEINFO from TCPREMOTEINFO"
is "$(v e TCPREMOTEPORT)" "$(cut -d' ' -f3 "$T/e.info")" "-e: TCPREMOTEPORT"
stop_server
start_server e2 -Rl tcphost.example 127.0.0.1 0 env TCPREMOTEHOST=client.example \
  "$WRAP" -H -l own.example "$PROGS/env.sh"
envof e2
is "$(v e2 SSLLOCALHOST)" "own.example" "sslwrap's -l overrides TCPLOCALHOST"
is "$(v e2 SSLREMOTEHOST)" "<unset>" "sslwrap's -H drops TCPREMOTEHOST"
stop_server
# not under a UCSPI server (no PROTO): addresses from the socket, names by options
start_server e3 -HRl0 127.0.0.1 0 env -u PROTO -u TCPLOCALHOST -u TCPREMOTEIP \
  "$WRAP" -H -l inetd.example "$PROGS/env.sh"
envof e3
is "$(v e3 SSLLOCALHOST)" "inetd.example" "without PROTO: SSLLOCALHOST from -l"
is "$(v e3 SSLREMOTEIP)" "127.0.0.1" "without PROTO: SSLREMOTEIP from the socket"
is "$(v e3 SSLLOCALPORT)" "$PORT" "without PROTO: SSLLOCALPORT from the socket"
stop_server

# ---- client certificates (-m), logs, exit codes
SRV_ENV="CCAFILE=$PKI/ca.pem" start_server m -v -HRl0 127.0.0.1 0 "$WRAP" -v -V -m -s -HRl0 "$PROGS/env.sh"
envof m --cert "$PKI/client.pem" --key "$PKI/client.key"
is "$(v m SSL_CLIENT_VERIFY)" "SUCCESS" "-m: SSL_CLIENT_VERIFY=SUCCESS"
is "$(v m SSL_CLIENT_S_DN_CN)" "client.test" "-m -s: SSL_CLIENT_S_DN_CN"
envof m2
is "$(cat "$T/m2.env")" "" "-m, no client certificate: no program"
wait_grep "$T/m.log" '^sslwrap: error: \(100\) client certificate refused from: 127\.0\.0\.1 for pid: [0-9]+ no client certificate$' 50
ok $? "-m, no client certificate: the refusal line"
wait_grep "$T/m.log" '^tcpserver: end [0-9]+ status 25600$' 50
ok $? "-m, refused: sslwrap exits 100"
like "$(cat "$T/m.log")" "sslwrap: ok [0-9]+ 0:127\\.0\\.0\\.1:$PORT :127\\.0\\.0\\.1::[0-9]+" "-v: the ok line"
like "$(cat "$T/m.log")" 'sslwrap: tls [0-9]+ accept TLSv1\.[23]:' "-V: the tls line"
stop_server
start_server x -v -HRl0 127.0.0.1 0 "$WRAP" -HRl0 "$PROGS/exit.sh" 3
is "$(tlsc 127.0.0.1 "$PORT" --send 'line\n' --require-close-notify; echo "+$?")" "got line
+0" "a program that exits 3: its answer, then close_notify"
wait_grep "$T/x.log" '^tcpserver: end [0-9]+ status 768$' 50
ok $? "sslwrap exits with the program's status"
stop_server

# ---- rules
mkrules "$T/r.cdb" <<'EOF'
127.0.0.2:deny
:allow,RULED="yes"
EOF
start_server r -HRl0 127.0.0.1 0 "$WRAP" -v -x "$T/r.cdb" -HRl0 "$PROGS/env.sh"
envof r
is "$(v r RULED)" "yes" "-x: a rule's variable"
envof r2 --bind 127.0.0.2
is "$(cat "$T/r2.env")" "" "-x: a denied client gets no program"
wait_grep "$T/r.log" '^sslwrap: deny [0-9]+ ' 50
ok $? "-x: the deny line"
stop_server

# ---- -n: UCSPI-TLS, descriptors
start_server n -HRl0 127.0.0.1 0 "$WRAP" -n -HRl0 "$PROGS/starttls.py" smtp "$T/n.prog"
timeout -k 2 30 python3 "$HELPERS/starttls-client.py" 127.0.0.1 "$PORT" good > "$T/n.out" 2>&1
like "$(cat "$T/n.out")" 'handshake ok' "-n: STARTTLS and a handshake"
like "$(cat "$T/n.prog")" 'tls EHLO after' "-n: prog reads the client over TLS"
like "$(grep '^fds' "$T/n.prog" | head -n 1)" '^fds 0 1 2 3 4 5$' "-n: prog holds 0 1 2 and the UCSPI-TLS descriptors"
stop_server
start_server fd -HRl0 127.0.0.1 0 "$WRAP" -HRl0 "$PROGS/fds.py"
is "$(tlsc 127.0.0.1 "$PORT")" "fds: 0 1 2" "prog holds exactly fds 0, 1, 2"
stop_server

# ---- no socket, usage
echo | timeout 10 "$WRAP" cat > /dev/null 2>"$T/nosock.err"
is "$?" 111 "descriptor 0 is no socket: exit 111"
timeout 10 "$WRAP" -H > /dev/null 2>"$T/usage.err" < /dev/null
is "$?" 100 "no program: exit 100"
done_testing
