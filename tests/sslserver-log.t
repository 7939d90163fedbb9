#!/bin/sh
# sslserver: log lines on stderr with -v and -V in the shapes of the manual page
#   sslserver: status n/c/maxconip
#   sslserver: pid N from IP
#   sslserver: ok N localhost:localip:localport remotehost:remoteip:info:remoteport
#   sslserver: tls N accept                          (-v, as ucspi-ssl's)
#   sslserver: tls N accept PROTOCOL:CIPHER          (-V)
#   sslserver: ended by N status WSTAT
# nothing for a good connection by default, nothing at all with -q.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/helpers/sslserver.sh"
plan 26
make_pki

# line NUMBER-OF-FIRST-MATCH for an ERE in LOG (0 when absent)
lineno() { grep -En -- "$2" "$1" | head -n 1 | cut -d: -f1 | grep . || echo 0; }
# wait_n LOG ERE N: wait (bounded) until N lines of LOG match
wait_n() {
  _i=0
  while [ "$(count_lines "$1" "$2")" -lt "$3" ] && [ $_i -lt 100 ]; do sleep 0.1; _i=$((_i + 1)); done
}
wait_ended() {
  _i=0
  while [ "$(count_lines "$1" '^sslserver: ended by ')" -lt "$2" ] && [ $_i -lt 100 ]; do
    sleep 0.1; _i=$((_i + 1))
  done
}

# --- -v
start_server v -v -l localhost -H 127.0.0.1 0 cat
L=$T/v.log
is "$(head -n 1 "$L")" "sslserver: status 0/40/0" "-v: start-up status line 0/40/0"
out=$(tlsc 127.0.0.1 "$PORT" --send 'hi\n' --expect 'hi\n' --info "$T/v.info")
is "$out" "hi" "-v: the connection works"
cport=$(cut -d' ' -f3 "$T/v.info" 2>/dev/null)
wait_ended "$L" 1
wait_n "$L" '^sslserver: status 0/40/0$' 2   # the status line that follows "ended by"
pid=$(log_pids "$L" | head -n 1)
like "$pid" '^[0-9]+$' "-v: a 'pid N from 127.0.0.1' line"
grep -q "^sslserver: status 1/40/0\$" "$L"; ok $? "-v: status 1/40/0 when the connection began"
okline=$(grep '^sslserver: ok ' "$L")
like "$okline" "^sslserver: ok $pid localhost:127\\.0\\.0\\.1:$PORT :127\\.0\\.0\\.1:(:)?$cport\$" \
  "-v: the ok line: pid, localhost:127.0.0.1:port, :127.0.0.1:[info:]client port"
like "$(grep '^sslserver: ended by ' "$L")" "^sslserver: ended by $pid status 0\$" \
  "-v: 'ended by PID status 0'"
like "$(tail -n 1 "$L")" '^sslserver: status 0/40/0$' "-v: status back to 0/40/0 at the end"
a=$(lineno "$L" '^sslserver: status 1/40/0$'); b=$(lineno "$L" '^sslserver: pid ')
c=$(lineno "$L" '^sslserver: ok '); d=$(lineno "$L" '^sslserver: ended by ')
ok "$([ "$a" -gt 0 ] && [ "$a" -lt "$b" ] && [ "$b" -lt "$c" ] && [ "$c" -lt "$d" ]; echo $?)" \
  "-v: order status, pid, ok, ended by (lines $a $b $c $d)"
like "$(grep '^sslserver: tls ' "$L")" "^sslserver: tls $pid accept\$" "-v: 'tls PID accept', without protocol and cipher"
is "$(grep -vc '^sslserver: ' "$L")" 0 "-v: every line starts with 'sslserver: '"
is "$(grep -c '' "$L")" 7 "-v: seven lines for one connection (status, status, pid, ok, tls, ended, status)"
stop_server

# --- -V: also the tls line with protocol and cipher, for 1.3 and 1.2
start_server V -V -l localhost -H 127.0.0.1 0 cat
L=$T/V.log
tlsc 127.0.0.1 "$PORT" --send 'a\n' --expect 'a\n' --info "$T/V13.info" > /dev/null
wait_ended "$L" 1
read -r proto cipher cport < "$T/V13.info"
pid=$(log_pids "$L" | head -n 1)
like "$(grep '^sslserver: tls ' "$L")" "^sslserver: tls $pid accept $proto:$cipher\$" \
  "-V: 'tls PID accept $proto:$cipher'"
grep -q "^sslserver: ok $pid " "$L"; ok $? "-V: includes the -v lines"
tlsc 127.0.0.1 "$PORT" --send 'b\n' --expect 'b\n' --max 1.2 --ciphers ECDHE-ECDSA-AES256-GCM-SHA384 \
  --info "$T/V12.info" > /dev/null
wait_ended "$L" 2
pid=$(log_pids "$L" | sed -n 2p)
like "$(grep '^sslserver: tls ' "$L" | sed -n 2p)" \
  "^sslserver: tls $pid accept TLSv1\\.2:ECDHE-ECDSA-AES256-GCM-SHA384\$" \
  "-V: 'tls PID accept TLSv1.2:ECDHE-ECDSA-AES256-GCM-SHA384'"
c=$(lineno "$L" '^sslserver: tls '); d=$(lineno "$L" '^sslserver: ended by ')
ok "$([ "$c" -gt 0 ] && [ "$c" -lt "$d" ]; echo $?)" "-V: the tls line comes before ended by"
stop_server

# --- -l 0 and -v: the local name in the ok line
start_server l0 -v -l 0 -H 127.0.0.1 0 cat
tlsc 127.0.0.1 "$PORT" --send 'x\n' --expect 'x\n' > /dev/null
wait_ended "$T/l0.log" 1
like "$(grep '^sslserver: ok ' "$T/l0.log")" '^sslserver: ok [0-9]+ 0:127\.0\.0\.1:[0-9]+ :127\.0\.0\.1:' \
  "-l 0: the ok line shows 0 as the local name"
stop_server

# --- IPv6 client lines
start_server v6 -v -l localhost -H ::1 0 cat
tlsc ::1 "$PORT" --send 'x\n' --expect 'x\n' --info "$T/v6.info" > /dev/null
cport=$(cut -d' ' -f3 "$T/v6.info" 2>/dev/null)
wait_ended "$T/v6.log" 1
like "$(grep '^sslserver: pid ' "$T/v6.log")" '^sslserver: pid [0-9]+ from ::1$' "IPv6: pid N from ::1"
like "$(grep '^sslserver: ok ' "$T/v6.log")" "^sslserver: ok [0-9]+ localhost:::1:$PORT :::1:(:)?$cport\$" \
  "IPv6: the ok line with ::1 addresses"
stop_server

# --- default verbosity: a good connection logs nothing; a bad one exactly one line
start_server Q -l localhost -H 127.0.0.1 0 cat
is "$(tlsc 127.0.0.1 "$PORT" --send 'q\n' --expect 'q\n')" "q" "default: the connection works"
tlsc 127.0.0.1 "$PORT" --send 'q\n' --expect 'q\n' > /dev/null
is "$(grep -c '' "$T/Q.log")" 0 "default: nothing logged for good connections"
tlsc 127.0.0.1 "$PORT" --mode raw --send 'GET / HTTP/1.0\r\n\r\n' --timeout 10 > /dev/null 2>&1
wait_grep "$T/Q.log" . 50
sleep 0.3   # a second line, if any, would come right after the first
is "$(grep -c '' "$T/Q.log")" 1 "default: one line for a failed handshake"
like "$(cat "$T/Q.log")" \
  '^sslserver: error: (\(111\) )?unable to accept TLS from: 127\.0\.0\.1 for pid: [0-9]+ .+' \
  "default: 'sslserver: error: unable to accept TLS from: 127.0.0.1 for pid: N reason'"
stop_server

# --- -q: silence, even for a failed handshake and a fatal start-up error
start_server q -q -l localhost -H 127.0.0.1 0 cat
is "$(tlsc 127.0.0.1 "$PORT" --send 'q\n' --expect 'q\n')" "q" "-q: the connection works"
tlsc 127.0.0.1 "$PORT" --mode raw --send 'GET / HTTP/1.0\r\n\r\n' --timeout 10 > /dev/null 2>&1
sleep 0.3   # give a wrong server time to log the failure
is "$(grep -c '' "$T/q.log")" 0 "-q: nothing logged, not even the failed handshake"
stop_server
CERTFILE=$T/nonexistent.pem "$SSLSERVER" -q -H -l 0 127.0.0.1 0 cat > "$T/qf.out" 2> "$T/qf.err"
st=$?
ok "$([ $st -ne 0 ]; echo $?)" "-q: a missing certificate still fails (status $st)"
is "$(grep -c '' "$T/qf.err")" 0 "-q: and prints nothing"
done_testing
