#!/bin/sh
# sslhandle: -c workers forked at start-up, each accepting and serving one
# connection after another. Echo, the workers serve many connections each,
# the environment of one connection never reaches the next, descriptors,
# log lines, a failed handshake leaves the worker serving, session
# resumption across workers, -n, and SIGTERM (idle workers leave, a busy
# one finishes its connection).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/helpers/sslserver.sh"
plan 40
make_pki
sh "$HELPERS/pki-clients.sh" "$PKI" || diag "pki-clients.sh failed"
SSLSERVER=$BIN/sslhandle

v() { envval "$T/$1.env" "$2"; }
# workers: the PIDs of the processes whose parent is the server
workers() { ps -o pid= --ppid "$SPID" 2>/dev/null | tr -d ' ' | sort -n; }
handle_pids() { sed -n 's/^sslhandle: pid \([0-9][0-9]*\) from .*/\1/p' "$1"; }

# ---- echo, three workers
start_server e -v -c 3 $NODNS 127.0.0.1 0 cat
_i=0; while [ "$(workers | wc -l)" -lt 3 ] && [ $_i -lt 50 ]; do sleep 0.1; _i=$((_i + 1)); done
is "$(workers | wc -l | tr -d ' ')" 3 "-c 3: three workers forked at start-up"
workers > "$T/w.before"
is "$(tlsc 127.0.0.1 "$PORT" --send 'hello\n' --expect 'hello\n')" "hello" "echo through a worker"
for i in 1 2 3 4 5 6; do tlsc 127.0.0.1 "$PORT" --send "n$i\n" --expect "n$i\n" > "$T/n$i.out" 2>&1; done
is "$(cat "$T"/n[1-6].out | tr -d '\n')" "n1n2n3n4n5n6" "six more connections, one after the other, all served"
workers > "$T/w.after"
cmp -s "$T/w.before" "$T/w.after"
ok $? "the same three workers afterwards: no process per connection"
wait_grep "$T/e.log" '^sslhandle: ended by' 50
handle_pids "$T/e.log" | sort -un > "$T/served.pids"
is "$(comm -23 "$T/served.pids" "$T/w.before" | wc -l | tr -d ' ')" 0 \
  "every 'pid N from' names one of the workers"
ok "$([ "$(handle_pids "$T/e.log" | wc -l)" -gt "$(wc -l < "$T/served.pids")" ]; echo $?)" \
  "a worker serves more than one connection"
like "$(head -n 1 "$T/e.log")" '^sslhandle: status 0/3/0$' "-v: the start-up status line 0/3/0"
grep -q '^sslhandle: status 1/3/0$' "$T/e.log"
ok $? "-v: status 1/3/0 while a connection is served"
like "$(cat "$T/e.log")" "sslhandle: ok [0-9]+ localhost:127\\.0\\.0\\.1:$PORT :127\\.0\\.0\\.1::[0-9]+" "-v: the ok line"
like "$(cat "$T/e.log")" 'sslhandle: ended by [0-9]+ status 0' "-v: 'ended by PID status 0'"
stop_server
_i=0; while [ -n "$(workers)" ] && [ $_i -lt 50 ]; do sleep 0.1; _i=$((_i + 1)); done

# ---- the environment: one connection's variables are not the next one's
mkrules "$T/r.cdb" <<'EOF'
127.0.0.2:allow,FROMRULE="two"
:allow
EOF
SRV_ENV="CCAFILE=$PKI/ca.pem SERVER_VAR=kept"
start_server env -c 1 -s -x "$T/r.cdb" $NODNS 127.0.0.1 0 "$PROGS/env.sh"
tlsc 127.0.0.1 "$PORT" --bind 127.0.0.2 --cert "$PKI/client.pem" --key "$PKI/client.key" \
  --info "$T/a.info" > "$T/a.env" 2>"$T/a.err"
tlsc 127.0.0.1 "$PORT" --info "$T/b.info" > "$T/b.env" 2>"$T/b.err"
is "$(v a FROMRULE)" "two" "a rule's variable for its client"
is "$(v a SSLREMOTEIP)" "127.0.0.2" "SSLREMOTEIP"
is "$(v a SSLLOCALPORT)" "$PORT" "SSLLOCALPORT"
is "$(v a SSL_CLIENT_S_DN_CN)" "client.test" "-s: the client certificate's variables"
is "$(v a SERVER_VAR)" "kept" "the server's own environment is passed on"
is "$(v b FROMRULE)" "<unset>" "the same worker (-c 1), next client: the rule's variable is gone"
is "$(v b SSLREMOTEIP)" "127.0.0.1" "the next client: its own SSLREMOTEIP"
is "$(v b SSL_CLIENT_S_DN_CN)" "<unset>" "the next client, no certificate: no SSL_CLIENT_S_DN_CN left over"
is "$(v b SSL_CLIENT_VERIFY)" "NONE" "the next client: SSL_CLIENT_VERIFY=NONE"
is "$(v b SERVER_VAR)" "kept" "the server's own environment is still there"
ok "$([ "$(v a SSL_SESSION_ID)" != "$(v b SSL_SESSION_ID)" ]; echo $?)" "each connection its own SSL_SESSION_ID"
stop_server

# ---- descriptors, a failed handshake, resumption, -V
start_server fd -V -c 2 $NODNS 127.0.0.1 0 "$PROGS/fds.py"
is "$(tlsc 127.0.0.1 "$PORT")" "fds: 0 1 2" "prog holds exactly fds 0, 1, 2"
tlsc 127.0.0.1 "$PORT" --mode raw --send 'GET / HTTP/1.0\r\n\r\n' > /dev/null 2>&1
wait_grep "$T/fd.log" '^sslhandle: error: \(111\) unable to accept TLS from: 127\.0\.0\.1 for pid: [0-9]+ ' 50
ok $? "a client that speaks no TLS: the 'unable to accept TLS' line"
wait_grep "$T/fd.log" '^sslhandle: ended by [0-9]+ status 28416$' 50
ok $? "... and 'ended by PID status 28416' (111)"
is "$(tlsc 127.0.0.1 "$PORT")" "fds: 0 1 2" "the workers still serve"
is "$(tlsc 127.0.0.1 "$PORT" --mode resume --max 1.2)" "resumed" "a TLS 1.2 session resumes in a later connection"
like "$(cat "$T/fd.log")" 'sslhandle: tls [0-9]+ accept TLSv1\.[23]:' "-V: the tls line"
stop_server

# ---- -n: UCSPI-TLS
start_server n -n $NODNS -c 2 127.0.0.1 0 "$PROGS/starttls.py" smtp "$T/n.prog"
timeout -k 2 30 python3 "$HELPERS/starttls-client.py" 127.0.0.1 "$PORT" good > "$T/n.out" 2>&1
like "$(cat "$T/n.out")" 'handshake ok' "-n: STARTTLS and a handshake"
like "$(cat "$T/n.prog")" 'tls EHLO after' "-n: prog reads the client over TLS"
stop_server

# ---- SIGHUP: a new context, new workers; a connection open across it goes on
mkdir "$T/live"
cp "$PKI/ec.pem" "$T/live/cert.pem"; cp "$PKI/ec.key" "$T/live/key.pem"
SRV_ENV="CERTFILE=$T/live/cert.pem KEYFILE=$T/live/key.pem"
start_server h -v -s -c 2 $NODNS 127.0.0.1 0 sh -c 'echo "key=$SSL_SERVER_A_KEY"; IFS= read -r l; echo "got $l"'
tlsc 127.0.0.1 "$PORT" --expect 'key=' > "$T/h1.out" 2>&1
like "$(cat "$T/h1.out")" 'key=id-ecPublicKey' "before SIGHUP: the ECDSA certificate"
tlsc 127.0.0.1 "$PORT" --expect 'key=' --hold "$T/h.release" --timeout 25 > "$T/h2.out" 2>"$T/h2.err" &
hc=$!; track "$hc"
_i=0; while [ "$(count_lines "$T/h.log" '^sslhandle: pid [0-9]+ from')" -lt 2 ] && [ $_i -lt 100 ]; do sleep 0.1; _i=$((_i + 1)); done
cp "$PKI/rsa.pem" "$T/live/cert.pem"; cp "$PKI/rsa.key" "$T/live/key.pem"
signal_ours HUP "$SPID"
wait_grep "$T/h.log" '^sslhandle: TLS settings reloaded$' 50
ok $? "SIGHUP: the 'TLS settings reloaded' line"
_i=0; while [ "$(workers | wc -l)" -lt 2 ] && [ $_i -lt 50 ]; do sleep 0.1; _i=$((_i + 1)); done
tlsc 127.0.0.1 "$PORT" --expect 'key=' > "$T/h3.out" 2>&1
like "$(cat "$T/h3.out")" 'key=rsaEncryption' "after SIGHUP: new connections get the new certificate"
ok "$(running "$SPID"; echo $?)" "SIGHUP: sslhandle goes on"
: > "$T/h.release"
wait "$hc"
is "$?.$(cat "$T/h2.out")" "0.key=id-ecPublicKey" "the connection open across SIGHUP kept its certificate and ended normally"
stop_server

# ---- SIGTERM: idle workers leave at once, a busy one finishes its connection
start_server t -v -c 3 $NODNS 127.0.0.1 0 cat
_i=0; while [ "$(workers | wc -l)" -lt 3 ] && [ $_i -lt 50 ]; do sleep 0.1; _i=$((_i + 1)); done
workers > "$T/t.workers"
tlsc 127.0.0.1 "$PORT" --send 'first\n' --expect 'first\n' --hold "$T/t.release" \
  --timeout 25 > "$T/t1.out" 2>"$T/t1.err" &
c1=$!; track "$c1"
wait_file "$T/t1.out" 100
busy=$(handle_pids "$T/t.log" | head -n 1)
kill -TERM "$SPID"
_i=0; while running "$SPID" && [ $_i -lt 50 ]; do sleep 0.1; _i=$((_i + 1)); done
wait "$SPID"; st=$?
is "$st" 0 "SIGTERM: sslhandle exits 0"
# the other workers are not ours to signal: only watch them go
alive() { for _w in $(cat "$T/t.workers"); do [ -d "/proc/$_w" ] && echo "$_w"; done; }
_i=0; while [ "$(alive | wc -l)" -gt 1 ] && [ $_i -lt 50 ]; do sleep 0.1; _i=$((_i + 1)); done
is "$(alive | tr '\n' ' ')" "$busy " "SIGTERM: the idle workers are gone, the busy one is still there"
tlsc 127.0.0.1 "$PORT" --send 'late\n' --timeout 5 > "$T/late.out" 2>"$T/late.err"
is "$?" 4 "after SIGTERM nobody accepts: the port is closed while the busy worker finishes"
: > "$T/t.release"
wait "$c1"
is "$?" 0 "the busy worker finished its connection"
is "$(cat "$T/t1.out")" "first" "the held client got its echo"
_i=0; while [ -n "$(alive)" ] && [ $_i -lt 50 ]; do sleep 0.1; _i=$((_i + 1)); done
is "$(alive)" "" "then the busy worker is gone too"
done_testing
