#!/bin/sh
# PROXY protocol (HAProxy's v1 and v2 headers): PROXYPROTOCOL=1 from the
# environment or from an allow rule for the balancer's address. The client
# the header names is the one the rules, MAXCONIP and the environment see;
# the balancer goes to SSLPROXYIP/SSLPROXYPORT. Bad, truncated, slow and
# missing headers: one log line each, no program, the server goes on. A
# header from a source not allowed to send one fails the handshake.
# sslhandle and sslwrap (under tcpserver) honour the setting too.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/helpers/sslserver.sh"
plan 63
make_pki

pc() { timeout -k 2 30 python3 "$HELPERS/proxyclient.py" "$@"; }
# envof NAME ARGS...: the env.sh listing a proxy client gets, in $T/NAME.env
envof() { _nm=$1; shift; pc 127.0.0.1 "$PORT" "$@" > "$T/$_nm.env" 2>"$T/$_nm.err"; }
v() { envval "$T/$1.env" "$2"; }
pids() { count_lines "$1" '^sslserver: pid '; }

# ---- PROXYPROTOCOL=1 from the environment: every connection sends a header
SRV_ENV="PROXYPROTOCOL=1" start_server env -v -e -T 3 $NODNS 127.0.0.1 0 "$PROGS/env.sh"
envof v1 --v1 TCP4 --src 203.0.113.5 --sport 1234
is "$(v v1 SSLREMOTEIP):$(v v1 SSLREMOTEPORT)" "203.0.113.5:1234" "v1 TCP4: SSLREMOTEIP/PORT are the header's source"
is "$(v v1 TCPREMOTEIP):$(v v1 TCPREMOTEPORT)" "203.0.113.5:1234" "v1 TCP4: TCPREMOTEIP/PORT with -e too"
is "$(v v1 SSLPROXYIP)" "127.0.0.1" "v1 TCP4: SSLPROXYIP is the balancer"
like "$(v v1 SSLPROXYPORT)" '^[0-9]+$' "v1 TCP4: SSLPROXYPORT is the balancer's port"
is "$(v v1 SSLLOCALIP):$(v v1 SSLLOCALPORT)" "127.0.0.1:$PORT" "v1 TCP4: SSLLOCALIP/PORT stay our socket's"
wait_grep "$T/env.log" "^sslserver: pid [0-9]+ from 203\\.0\\.113\\.5 via 127\\.0\\.0\\.1\$" 30
ok $? "-v: the pid line names the client and the balancer"

envof v16 --v1 TCP6 --src 2001:db8::5 --dst 2001:db8::1 --sport 65535
is "$(v v16 SSLREMOTEIP):$(v v16 SSLREMOTEPORT)" "2001:db8::5:65535" "v1 TCP6: the client's address"
is "$(v v16 TCP6REMOTEIP)" "2001:db8::5" "v1 TCP6: TCP6REMOTEIP with -e"
envof v2 --v2 PROXY --src 198.51.100.7 --sport 4321 --tlv 300
is "$(v v2 SSLREMOTEIP):$(v v2 SSLREMOTEPORT)" "198.51.100.7:4321" "v2 TCP4 with 300 bytes of TLVs"
is "$(v v2 SSLPROXYIP)" "127.0.0.1" "v2 TCP4: SSLPROXYIP"
envof v26 --v2 PROXY --src 2001:db8::77 --dst 2001:db8::1 --sport 80
is "$(v v26 SSLREMOTEIP):$(v v26 SSLREMOTEPORT)" "2001:db8::77:80" "v2 TCP6"
envof local --v2 LOCAL
is "$(v local SSLREMOTEIP)" "127.0.0.1" "v2 LOCAL: the connection's own address"
is "$(v local SSLPROXYIP)" "<unset>" "v2 LOCAL: no SSLPROXYIP"
envof unk --v1 UNKNOWN
is "$(v unk SSLREMOTEIP):$(v unk SSLPROXYIP)" "127.0.0.1:<unset>" "v1 UNKNOWN: own addresses, no SSLPROXYIP"
if curl --help all 2>/dev/null | grep -q -- --haproxy-protocol; then
  timeout -k 2 30 curl -sk --http0.9 --haproxy-protocol "https://127.0.0.1:$PORT/" > "$T/curl.env" 2>"$T/curl.err"
  ok "$([ "$(v curl SSLPROXYIP)" = 127.0.0.1 ] && [ "$(v curl SSLREMOTEPORT)" = "$(v curl SSLPROXYPORT)" ]; echo $?)" \
    "curl --haproxy-protocol (v1 naming itself): SSLREMOTEPORT = SSLPROXYPORT"
else
  pass "# SKIP curl has no --haproxy-protocol"
fi

# bad headers: one line each, no program, and the server goes on
before=$(pids "$T/env.log")
bad() {  # bad NAME REASON-ERE CLIENT-ARGS...
  _nm=$1 _re=$2; shift 2
  _lines=$(count_lines "$T/env.log" '^sslserver: WARNING PROXY header refused')
  pc 127.0.0.1 "$PORT" "$@" > "$T/bad.out" 2>/dev/null
  wait_grep "$T/env.log" "^sslserver: WARNING PROXY header refused from: 127\\.0\\.0\\.1: $_re\$" 50
  ok $? "$_nm: the log line"
  is "$(count_lines "$T/env.log" '^sslserver: WARNING PROXY header refused')" $((_lines + 1)) "$_nm: one line"
}
bad "plain TLS, no header" 'bad signature'
bad "v1 port out of range" 'v1 port out of range' --raw "$(printf 'PROXY TCP4 1.2.3.4 5.6.7.8 65536 1\r\n' | od -An -v -tx1 | tr -d ' \n')"
bad "v1 line too long" 'v1 line too long' --no-tls --raw "$(printf 'PROXY TCP4 %0120d\r\n' 1 | od -An -v -tx1 | tr -d ' \n')"
bad "v2 bad family" 'v2 bad family' --raw 0d0a0d0a000d0a515549540a2141000c0102030405060708000100 --no-tls
bad "v2 length over the bound" 'v2 header too long' --raw 0d0a0d0a000d0a515549540a2111ffff --no-tls
bad "v2 addresses too short" 'v2 addresses shorter than the family needs' --raw 0d0a0d0a000d0a515549540a2111000401020304 --no-tls
bad "truncated (EOF inside)" 'truncated header' --raw "$(printf 'PROXY TCP4 1.2.3.4' | od -An -v -tx1 | tr -d ' \n')" --no-tls --shut
bad "a header held past -T" 'timed out' --v1 TCP4 --slow 0.5 --timeout 15
# a balancer's TCP check: connect and close, logged only at -v
pc 127.0.0.1 "$PORT" --no-tls --shut --timeout 5 >/dev/null 2>&1
wait_grep "$T/env.log" '^sslserver: PROXY header not sent, closed at once by: 127\.0\.0\.1$' 30
ok $? "connect and close: a -v line"
is "$(pids "$T/env.log")" "$before" "no program for a bad or missing header"
envof after --v1 TCP4 --src 203.0.113.99
is "$(v after SSLREMOTEIP)" "203.0.113.99" "the server still serves after the bad headers"
stop_server

# ---- at default verbosity the check connection leaves no line
SRV_ENV="PROXYPROTOCOL=1" start_server quiet -T 3 $NODNS 127.0.0.1 0 "$PROGS/env.sh"
pc 127.0.0.1 "$PORT" --no-tls --shut --timeout 5 >/dev/null 2>&1
envof q --v2 PROXY --src 203.0.113.1
is "$(v q SSLREMOTEIP)" "203.0.113.1" "default verbosity: served"
is "$(grep -c . "$T/quiet.log")" 0 "default verbosity: nothing logged for a connect-and-close"
stop_server

# ---- no PROXYPROTOCOL: a header is bad TLS input, and named as such
start_server plain -T 3 $NODNS 127.0.0.1 0 "$PROGS/env.sh"
envof nohdr --v1 TCP4 --src 203.0.113.5
is "$(grep -c . "$T/nohdr.env")" 0 "without the setting: no program for a header"
wait_grep "$T/plain.log" 'PROXY header from a source not allowed to send one: 127\.0\.0\.1' 30
ok $? "without the setting: the log line names it"
envof direct
is "$(v direct SSLREMOTEIP):$(v direct SSLPROXYIP)" "127.0.0.1:<unset>" "without the setting: a direct client, no SSLPROXYIP"
stop_server

# ---- the setting from a -x rule for the balancer only; the rules of the
# client it names decide, not the balancer's
mkrules "$T/x.cdb" <<'R'
127.0.0.1:allow,PROXYPROTOCOL="1",BALVAR="b"
198.51.100.66:deny
203.0.113.8:allow,CLIENTVAR="c"
R
start_server rx -v -T 3 -H -R -l0 -x "$T/x.cdb" 127.0.0.1 0 "$PROGS/env.sh"
envof ra --v2 PROXY --src 203.0.113.8
is "$(v ra SSLREMOTEIP):$(v ra CLIENTVAR)" "203.0.113.8:c" "-x: the client's rule applies"
is "$(v ra BALVAR)" "<unset>" "-x: the balancer's rule variables do not"
before=$(pids "$T/rx.log")
envof rd --v1 TCP4 --src 198.51.100.66
is "$(grep -c . "$T/rd.env")" 0 "-x: a header naming a denied client is refused (balancer allowed)"
wait_grep "$T/rx.log" "^sslserver: deny [0-9]+ 0:127\\.0\\.0\\.1:$PORT :198\\.51\\.100\\.66::40000\$" 30
ok $? "-x: the deny line names the client"
envof r2 --source 127.0.0.2 --v1 TCP4 --src 203.0.113.8
is "$(grep -c . "$T/r2.env")" 0 "-x: a header from 127.0.0.2 (no rule for it) is not honoured"
wait_grep "$T/rx.log" 'PROXY header from a source not allowed to send one: 127\.0\.0\.2' 30
ok $? "-x: ... and the log line names the source"
envof r2d --source 127.0.0.2
is "$(v r2d SSLREMOTEIP):$(v r2d SSLPROXYIP)" "127.0.0.2:<unset>" "-x: 127.0.0.2 connects directly"
stop_server

# ---- a -y rule exempts an address from the environment's setting
mkrules "$T/y.cdb" <<'R'
127.0.0.2:allow,PROXYPROTOCOL="0"
R
SRV_ENV="PROXYPROTOCOL=1" start_server ry -T 3 $NODNS -y "$T/y.cdb" 127.0.0.1 0 "$PROGS/env.sh"
envof y1 --v1 TCP4 --src 203.0.113.30
is "$(v y1 SSLREMOTEIP)" "203.0.113.30" "-y, PROXYPROTOCOL=1 in the environment: 127.0.0.1 sends a header"
envof y2 --source 127.0.0.2
is "$(v y2 SSLREMOTEIP):$(v y2 SSLPROXYIP)" "127.0.0.2:<unset>" "-y rule PROXYPROTOCOL=0: 127.0.0.2 connects directly"
stop_server

# ---- MAXCONIP counts the client the header names
SRV_ENV="PROXYPROTOCOL=1 MAXCONIP=1" start_server mx -T 3 $NODNS 127.0.0.1 0 sh -c 'echo hello; exec cat'
# not through pc: $! must be timeout's pid, which passes a kill on
timeout -k 2 30 python3 "$HELPERS/proxyclient.py" 127.0.0.1 "$PORT" --v1 TCP4 --src 203.0.113.9 --timeout 20 > "$T/hold.out" 2>&1 &
hold=$!
track "$hold"
wait_grep "$T/hold.out" hello 100
ok $? "MAXCONIP=1: a connection from 203.0.113.9 held open"
pc 127.0.0.1 "$PORT" --v1 TCP4 --src 203.0.113.9 --timeout 10 > "$T/second.out" 2>/dev/null
is "$(grep -c hello "$T/second.out")" 0 "MAXCONIP=1: a second one naming 203.0.113.9 is refused"
wait_grep "$T/mx.log" '^sslserver: WARNING ip connection limit of 1 exceeded for: 203\.0\.113\.9$' 30
ok $? "MAXCONIP=1: the warning names the client"
pc 127.0.0.1 "$PORT" --v1 TCP4 --src 203.0.113.10 --timeout 10 > "$T/third.out" 2>/dev/null
is "$(grep -c hello "$T/third.out")" 1 "MAXCONIP=1: another client through the same balancer is served"
ours "$hold" && kill "$hold" 2>/dev/null
wait "$hold" 2>/dev/null
stop_server

# ---- -c 1: a header that comes while the one connection runs waits for it
SRV_ENV="PROXYPROTOCOL=1" start_server c1 -c 1 -T 20 $NODNS 127.0.0.1 0 sh -c 'echo hello; exec cat'
timeout -k 2 30 python3 "$HELPERS/proxyclient.py" 127.0.0.1 "$PORT" --v1 TCP4 --src 203.0.113.11 --timeout 30 > "$T/c1a.out" 2>&1 &
c1a=$!
track "$c1a"
wait_grep "$T/c1a.out" hello 100
timeout -k 2 30 python3 "$HELPERS/proxyclient.py" 127.0.0.1 "$PORT" --v2 PROXY --src 203.0.113.12 --timeout 30 > "$T/c1b.out" 2>&1 &
c1b=$!
track "$c1b"
ours "$c1a" && kill "$c1a" 2>/dev/null
wait "$c1a" 2>/dev/null
wait_grep "$T/c1b.out" hello 150
ok $? "-c 1: the second connection is served once the first ended"
is "$(grep -c 'PROXY header refused' "$T/c1.log")" 0 "-c 1: its header was not refused meanwhile"
ours "$c1b" && kill "$c1b" 2>/dev/null
wait "$c1b" 2>/dev/null
stop_server

# ---- sslhandle: the workers read the header
SSLSERVER=$BIN/sslhandle
SRV_ENV="PROXYPROTOCOL=1" start_server h -v -c 2 -T 3 $NODNS 127.0.0.1 0 "$PROGS/env.sh"
envof h1 --v2 PROXY --src 203.0.113.21 --sport 2121
is "$(v h1 SSLREMOTEIP):$(v h1 SSLREMOTEPORT):$(v h1 SSLPROXYIP)" "203.0.113.21:2121:127.0.0.1" "sslhandle: v2 header"
pc 127.0.0.1 "$PORT" --raw 50524f585920 --no-tls --shut >/dev/null 2>&1
wait_grep "$T/h.log" '^sslhandle: WARNING PROXY header refused from: 127\.0\.0\.1: truncated header$' 30
ok $? "sslhandle: a truncated header, one line"
envof h2 --v1 TCP4 --src 203.0.113.22
envof h3
is "$(v h2 SSLREMOTEIP):$(v h3 SSLREMOTEIP)" "203.0.113.22:<unset>" "sslhandle: goes on; a client without a header is refused"
envof h4 --v2 LOCAL
is "$(v h4 SSLPROXYIP)" "<unset>" "sslhandle: SSLPROXYIP does not outlive its connection"
stop_server

# ---- sslprint: the balancer's lines only behind one
SSLSERVER=$BIN/sslprint
SRV_ENV="PROXYPROTOCOL=1" start_server p -T 3 $NODNS 127.0.0.1 0
envof p1 --v1 TCP4 --src 203.0.113.31 --sport 3131
is "$(v p1 SSLREMOTEIP):$(v p1 SSLPROXYIP)" "203.0.113.31:127.0.0.1" "sslprint: prints the client, and the balancer in SSLPROXYIP"
like "$(v p1 SSLPROXYPORT)" '^[0-9]+$' "sslprint: and its port in SSLPROXYPORT"
stop_server

# ---- sslwrap under tcpserver
SSLSERVER=$TOP/.deps/ucspi-tcp/usr/bin/tcpserver
SRV_ENV="PROXYPROTOCOL=1" start_server w -HRl0 127.0.0.1 0 "$BIN/sslwrap" -HRl0 -e -T 3 "$PROGS/env.sh"
envof w1 --v1 TCP6 --src 2001:db8::99 --dst ::1 --sport 999
is "$(v w1 SSLREMOTEIP):$(v w1 SSLREMOTEPORT):$(v w1 SSLPROXYIP)" "2001:db8::99:999:127.0.0.1" "sslwrap: v1 header"
is "$(v w1 TCPREMOTEIP)" "2001:db8::99" "sslwrap -e: TCPREMOTEIP is the client, not tcpserver's peer"
pc 127.0.0.1 "$PORT" --raw 0d0a0d0a000d0a515549540a3111000c --no-tls >/dev/null 2>&1
wait_grep "$T/w.log" '^sslwrap: WARNING PROXY header refused from: 127\.0\.0\.1: v2 bad version$' 30
ok $? "sslwrap: a bad header, one line"
stop_server
done_testing
