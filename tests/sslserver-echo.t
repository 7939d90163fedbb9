#!/bin/sh
# sslserver: echo through /bin/cat with real clients (python3 ssl, openssl
# s_client, gnutls-cli, curl) on 127.0.0.1 and ::1; -1 prints the port alone;
# exit status of prog in the "ended by" line; SIGTERM stops the listener.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/helpers/sslserver.sh"
plan 29
make_pki

# feed LINE then keep stdin open until FILE holds it back (bounded), so that a
# client which quits at end of input still sees the echo.
feed() { printf '%s\n' "$1"; wait_grep "$2" "$1" 100; }

start_server v4 -v $NODNS 127.0.0.1 0 cat
like "$(cat "$T/v4.out")" '^[0-9]+$' "-1 prints the bound port number alone"
is "$(wc -l < "$T/v4.out" | tr -d ' ')" 1 "-1 prints one line"

out=$(tlsc 127.0.0.1 "$PORT" --cafile "$PKI/ca.pem" --send 'hello python\n' --expect 'hello python\n')
is "$out" "hello python" "python3 ssl (verifying the CA and 127.0.0.1) echoes through cat"

feed "hello s_client" "$T/sc.out" | timeout 20 openssl s_client -connect "127.0.0.1:$PORT" \
  -CAfile "$PKI/ca.pem" -verify_return_error -quiet -no_ign_eof > "$T/sc.out" 2>"$T/sc.err"
ok $? "openssl s_client handshakes with verification and ends cleanly"
like "$(cat "$T/sc.out")" '^hello s_client$' "openssl s_client gets its line back"

feed "hello gnutls" "$T/gc.out" | timeout 20 gnutls-cli --x509cafile="$PKI/ca.pem" \
  --logfile="$T/gc.err" -p "$PORT" 127.0.0.1 > "$T/gc.out" 2>>"$T/gc.err"
ok $? "gnutls-cli handshakes with verification and ends cleanly"
like "$(grep -v '^- ' "$T/gc.out")" '^hello gnutls$' "gnutls-cli gets its line back"

# a bulk transfer both ways at once: the relay must neither lose nor stall data
head -c 1500000 /dev/urandom > "$T/big.bin"
like "$(tlsc 127.0.0.1 "$PORT" --echo-file "$T/big.bin" --timeout 25)" '^echo same 1500000$' \
  "1.5 MB echoed back byte for byte"

# every connection so far ended by its own pid with cat's status 0
wait_grep "$T/v4.log" '^sslserver: ended by ' 50
pids=$(log_pids "$T/v4.log" | sort -n | tr '\n' ' ')
ended=$(sed -n 's/^sslserver: ended by \([0-9]*\) status 0$/\1/p' "$T/v4.log" | sort -n | tr '\n' ' ')
_i=0
while [ "$pids" != "$ended" ] && [ $_i -lt 50 ]; do
  sleep 0.1; _i=$((_i + 1))
  ended=$(sed -n 's/^sslserver: ended by \([0-9]*\) status 0$/\1/p' "$T/v4.log" | sort -n | tr '\n' ' ')
done
is "$ended" "$pids" "each connection's pid is logged as 'ended by PID status 0'"
is "$(log_pids "$T/v4.log" | wc -l | tr -d ' ')" 4 "four connections logged"
stop_server

# curl through a tiny HTTP program
start_server http $NODNS 127.0.0.1 0 "$PROGS/http.sh"
out=$(timeout 20 curl -sS --cacert "$PKI/ca.pem" "https://127.0.0.1:$PORT/some/path" 2>&1)
like "$out" '^hello /some/path from 127\.0\.0\.1 over TLSv1\.[23]$' "curl over 127.0.0.1 gets the page"
tlsc 127.0.0.1 "$PORT" --send 'GET /x HTTP/1.0\r\n\r\n' --require-close-notify > "$T/cn.out" 2>"$T/cn.err"
is "$?" 0 "when prog exits, the server ends the session with close_notify"
stop_server

# IPv6 loopback
start_server v6 -v $NODNS ::1 0 cat
like "$(cat "$T/v6.out")" '^[0-9]+$' "-1 prints the port on ::1"
out=$(tlsc ::1 "$PORT" --cafile "$PKI/ca.pem" --send 'hello six\n' --expect 'hello six\n')
is "$out" "hello six" "python3 ssl over ::1 echoes"
feed "hello s_client six" "$T/sc6.out" | timeout 20 openssl s_client -connect "[::1]:$PORT" \
  -CAfile "$PKI/ca.pem" -verify_return_error -quiet -no_ign_eof > "$T/sc6.out" 2>"$T/sc6.err"
like "$(cat "$T/sc6.out")" '^hello s_client six$' "openssl s_client over ::1 echoes"
feed "hello gnutls six" "$T/gc6.out" | timeout 20 gnutls-cli --x509cafile="$PKI/ca.pem" \
  --logfile="$T/gc6.err" -p "$PORT" ::1 > "$T/gc6.out" 2>>"$T/gc6.err"
like "$(grep -v '^- ' "$T/gc6.out")" '^hello gnutls six$' "gnutls-cli over ::1 echoes"
like "$(grep '^sslserver: pid ' "$T/v6.log" | head -n 1)" '^sslserver: pid [0-9]+ from ::1$' \
  "the log names the IPv6 client as ::1"
stop_server
start_server http6 $NODNS ::1 0 "$PROGS/http.sh"
out=$(timeout 20 curl -sS --cacert "$PKI/ca.pem" "https://[::1]:$PORT/six" 2>&1)
like "$out" '^hello /six from ::1 over TLSv1\.[23]$' "curl over ::1 gets the page"
stop_server

# half-close, client to server: gnutls-cli sends close_notify at the end of its
# input and goes on reading; prog sees EOF and its later output still arrives
start_server hc $NODNS 127.0.0.1 0 sh -c 'sha256sum; sleep 0.3; echo after-eof'
head -c 300000 /dev/urandom > "$T/hc.bin"
want=$(sha256sum < "$T/hc.bin")
timeout 20 gnutls-cli --insecure --logfile="$T/hc.err" -p "$PORT" 127.0.0.1 < "$T/hc.bin" \
  2>>"$T/hc.err" | grep -v '^- ' > "$T/hc.out"
is "$(head -n 1 "$T/hc.out")" "$want" "half-close: prog got all 300 kB and then EOF (client's close_notify)"
is "$(sed -n 2p "$T/hc.out")" "after-eof" "half-close: prog's output after EOF reaches the client"
stop_server

# half-close, server to client: prog closes its stdout but still reads;
# the client gets close_notify and can still send
start_server hs $NODNS 127.0.0.1 0 sh -c 'echo ready; exec 1>&-; IFS= read -r x; echo "$x" > "$0"' "$T/hs.mark"
out=$(tlsc 127.0.0.1 "$PORT" --require-close-notify --then-send 'late line\n' --hold "$T/hs.mark" 2>"$T/hs.err")
st=$?
is "$out" "ready" "half-close: the client reads prog's output up to its close"
is "$st" 0 "half-close: prog's closed stdout becomes a TLS close_notify"
wait_file "$T/hs.mark" 50
is "$(cat "$T/hs.mark" 2>/dev/null)" "late line" "half-close: what the client sends afterwards still reaches prog"
stop_server

# prog's exit status: raw wait status in the "ended by" line
start_server ex -v $NODNS 127.0.0.1 0 "$PROGS/exit.sh" 3
out=$(tlsc 127.0.0.1 "$PORT" --send 'x\n')
is "$out" "got x" "prog that exits 3 answered"
wait_grep "$T/ex.log" '^sslserver: ended by ' 100
pid=$(log_pids "$T/ex.log" | head -n 1)
like "$(grep '^sslserver: ended by ' "$T/ex.log")" "^sslserver: ended by $pid status 768\$" \
  "exit 3 is logged as 'ended by PID status 768' (wait status)"

# SIGTERM stops the listener (and only then is the port free)
signal_ours TERM "$SPID"
_i=0
while running "$SPID" && [ $_i -lt 100 ]; do sleep 0.1; _i=$((_i + 1)); done
if running "$SPID"; then fail "SIGTERM stops the listener"; else pass "SIGTERM stops the listener"; fi
wait "$SPID"; st=$?
is "$st" 0 "the listener exits 0 on SIGTERM"
tlsc 127.0.0.1 "$PORT" --timeout 3 >/dev/null 2>&1
is "$?" 4 "nothing listens on the port after SIGTERM"

# SIGTERM ends the listener only: a running connection goes on
start_server term $NODNS 127.0.0.1 0 sh -c 'IFS= read -r x; : > "$0.read"; i=0
  while [ ! -e "$0.go" ] && [ $i -lt 150 ]; do sleep 0.1; i=$((i + 1)); done; echo "late $x"' "$T/term"
tlsc 127.0.0.1 "$PORT" --send 'a\n' --expect 'late a\n' --timeout 25 > "$T/term.out" 2>&1 &
cpid=$!; track $cpid
wait_exists "$T/term.read"
stop_server
: > "$T/term.go"
wait "$cpid"
is "$(cat "$T/term.out")" "late a" "a connection running at SIGTERM is served to its end"
done_testing
