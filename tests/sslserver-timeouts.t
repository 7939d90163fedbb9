#!/bin/sh
# sslserver: -T bounds the handshake (a client that never sends a ClientHello,
# one that stops in the middle of it), but not an established session; -w
# closes an idle connection and ends prog.
# The clients' own limits (15 s) are far above the server's (1 s): a client
# that runs into its own limit means the server did not give up.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/helpers/sslserver.sh"
plan 20
make_pki
M=$T/started; mkdir -p "$M"
started() { count_entries "$M"; }

start_server T -v -T 1 $NODNS 127.0.0.1 0 "$PROGS/marker.sh" "$M" cat

tlsc 127.0.0.1 "$PORT" --mode raw --timeout 15 > /dev/null 2>"$T/silent.err"
st=$?
ok "$([ $st -eq 0 ] || [ $st -eq 4 ]; echo $?)" \
  "-T 1: a client that never sends a ClientHello is disconnected (client status $st)"
is "$(started)" 0 "-T 1: no prog for it"

tlsc 127.0.0.1 "$PORT" --mode partial --timeout 15 > /dev/null 2>"$T/partial.err"
st=$?
ok "$([ $st -eq 0 ] || [ $st -eq 4 ]; echo $?)" \
  "-T 1: a client that stops mid-ClientHello is disconnected (client status $st)"
is "$(started)" 0 "-T 1: no prog for it"

# both waited in the listener's wait set (no child) and were closed at -T
wait_grep "$T/T.log" 'no TLS ClientHello within -T, closed: 127\.0\.0\.1$' 100
is "$(count_lines "$T/T.log" '^sslserver: warning: no TLS ClientHello within -T, closed: 127\.0\.0\.1$')" 2 \
  "-T 1: both closed by the listener with a warning line"
is "$(count_lines "$T/T.log" '^sslserver: ended by ')" 0 "-T 1: no connection child for either"
# a whole ClientHello, then silence: the child's handshake is bounded by -T
tlsc 127.0.0.1 "$PORT" --mode stall --timeout 15 > /dev/null 2>"$T/stall.err"
st=$?
ok "$([ $st -eq 0 ] || [ $st -eq 4 ]; echo $?)" \
  "-T 1: a client that stalls after its ClientHello is disconnected (client status $st)"
wait_grep "$T/T.log" '^sslserver: ended by [0-9]+ status 28416$' 100
ok $? "-T 1: its connection child exited 111 (status 28416)"
is "$(tlsc 127.0.0.1 "$PORT" --send 'after\n' --expect 'after\n')" "after" \
  "-T 1: the server still serves a good client"
stop_server

# -T does not limit a session once the handshake is done
start_server T2 -T 1 $NODNS 127.0.0.1 0 sh -c 'sleep 2; echo late'
is "$(tlsc 127.0.0.1 "$PORT" --timeout 15)" "late" "-T 1: a session longer than 1 s is not cut"
stop_server

# -w 1: an idle client (after the handshake) is disconnected, prog ends
start_server w -v -w 1 $NODNS 127.0.0.1 0 "$PROGS/marker.sh" "$M" cat
before=$(started)
out=$(tlsc 127.0.0.1 "$PORT" --send 'one\n' --timeout 15 2>"$T/w1.err")
st=$?
is "$out" "one" "-w 1: data before the idle time is echoed"
ok "$([ $st -ne 3 ]; echo $?)" "-w 1: the idle connection is closed by the server (client status $st)"
is "$(started)" $((before + 1)) "-w 1: prog had started"
wait_grep "$T/w.log" '^sslserver: ended by ' 100
ok $? "-w 1: the connection child ended"
stop_server

# -w 1 with a prog that never writes and never reads: both are ended
start_server w2 -v -w 1 $NODNS 127.0.0.1 0 sh -c 'echo $$ > "$0"; exec sleep 20' "$T/w2.pid"
tlsc 127.0.0.1 "$PORT" --timeout 15 > /dev/null 2>"$T/w2.err"
st=$?
ok "$([ $st -ne 3 ]; echo $?)" "-w 1: a silent prog and a silent client: the server closes (client status $st)"
wait_grep "$T/w2.log" '^sslserver: ended by ' 100
ok $? "-w 1: the connection child ended before prog's 20 s"
# prog (still "sleep 20" under its PID?) must have been ended as well
pp=$(cat "$T/w2.pid" 2>/dev/null)
_i=0
while [ -n "$pp" ] && tr '\0' ' ' 2>/dev/null < "/proc/$pp/cmdline" | grep -q '^sleep 20' && [ $_i -lt 50 ]; do
  sleep 0.1; _i=$((_i + 1))
done
ok "$([ -n "$pp" ] && ! tr '\0' ' ' 2>/dev/null < "/proc/$pp/cmdline" | grep -q '^sleep 20'; echo $?)" \
  "-w 1: the idle prog is ended too"
stop_server

# -w counts idle time, not total time: a chatty session lasts longer than -w
start_server w3 -w 1 $NODNS 127.0.0.1 0 sh -c 'for i in 1 2 3 4; do sleep 0.3; echo tick $i; done'
out=$(tlsc 127.0.0.1 "$PORT" --timeout 15 | tr '\n' ' ')
is "$out" "tick 1 tick 2 tick 3 tick 4 " "-w 1: a prog writing every 0.3 s for 1.2 s is not cut"
stop_server

# -B: the banner comes inside TLS, before prog's output
start_server b $NODNS -B 'hello banner
' 127.0.0.1 0 cat
out=$(tlsc 127.0.0.1 "$PORT" --send 'line\n' --expect 'line\n' | tr '\n' '|')
is "$out" "hello banner|line|" "-B: the client reads the banner, then the echo"
out=$(tlsc 127.0.0.1 "$PORT" --mode raw --send 'GET / HTTP/1.0\r\n\r\n' --timeout 10 2>/dev/null)
ok "$(printf '%s' "$out" | grep -q 'hello banner'; [ $? -ne 0 ]; echo $?)" \
  "-B: the banner is never sent in clear"
stop_server
done_testing
