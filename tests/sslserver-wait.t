#!/bin/sh
# sslserver's wait set: a connection costs no process and no -c slot until
# its ClientHello is there, so idle and slow clients cannot take the server
# off the air; MAXWAIT and MAXWAITIP bound the set (the oldest goes); -n,
# where the program speaks first, does not wait.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/helpers/sslserver.sh"
plan 16
make_pki
M=$T/started; mkdir -p "$M"
started() { count_entries "$M"; }
. "$HELPERS/slowclients.sh"

# --- -c 2 and 200 silent plus 200 slow-drip sockets from 127.0.0.2
start_server w -v -c 2 $NODNS 127.0.0.1 0 "$PROGS/marker.sh" "$M" cat
slow a --bind 127.0.0.2 --silent 200 --drip 200 --interval 2
is "$(tlsc 127.0.0.1 "$PORT" --bind 127.0.0.1 --send 'hi\n' --expect 'hi\n' --timeout 25)" "hi" \
  "-c 2, 400 idle and slow sockets held: a client from 127.0.0.1 is served"
is "$(started)" 1 "-c 2: one program ran, for it alone"
like "$(grep '^sslserver: waiting ' "$T/w.log" | tail -n 1)" '^sslserver: waiting [0-9]+/4096/512 ready [0-9]+$' \
  "-vv: the companion line counts the waiting connections"
unslow a
like "$(cat "$T/a.out")" '^open 400 closed 0$' "none of the 400 was closed early (default MAXWAIT and MAXWAITIP)"
stop_server

# --- MAXWAIT 3: the fourth waiting connection closes the oldest
before=$(started)
SRV_ENV="MAXWAIT=3 MAXWAITIP=0"
start_server e -c 2 $NODNS 127.0.0.1 0 "$PROGS/marker.sh" "$M" cat
slow e --bind 127.0.0.2 --drip 4 --interval 60
wait_grep "$T/e.log" 'too many connections waiting \(MAXWAIT 3\), closed the oldest, from: 127\.0\.0\.2$' 100
ok $? "MAXWAIT 3: a warning line for the oldest connection closed"
is "$(tlsc 127.0.0.1 "$PORT" --send 'e\n' --expect 'e\n' --timeout 25)" "e" "MAXWAIT 3: a client is still served"
unslow e
like "$(cat "$T/e.out")" '^open [0-9] closed [12]$' "MAXWAIT 3: the slow client saw its oldest connections closed"
is "$(started)" $((before + 1)) "MAXWAIT 3: no program for a waiting connection"
stop_server

# --- MAXWAITIP 2: one address cannot hold more, another is not disturbed
SRV_ENV="MAXWAITIP=2"
start_server i -c 2 $NODNS 127.0.0.1 0 "$PROGS/marker.sh" "$M" cat
slow o --bind 127.0.0.3 --drip 2 --interval 60
slow i --bind 127.0.0.2 --drip 5 --interval 60
wait_grep "$T/i.log" 'from one address \(MAXWAITIP 2\), closed the oldest, from: 127\.0\.0\.2$' 100
ok $? "MAXWAITIP 2: a warning line for the address over it"
unslow i
unslow o
like "$(cat "$T/i.out")" '^open 2 closed 3$' "MAXWAITIP 2: 127.0.0.2 kept two of its five"
like "$(cat "$T/o.out")" '^open 2 closed 0$' "MAXWAITIP 2: 127.0.0.3's two stayed"
is "$(count_lines "$T/i.log" '127\.0\.0\.3$')" 0 "MAXWAITIP 2: no line about 127.0.0.3"
stop_server

# --- a ClientHello one byte at a time, within -T, is served
start_server d $NODNS 127.0.0.1 0 cat
is "$(timeout 60 python3 "$SLOW" 127.0.0.1 "$PORT" --drip-hello --delay 0.002 --send 'drip\n' --expect 'drip\n' --timeout 40)" \
  "drip" "a ClientHello sent one byte at a time is served"
stop_server

# --- -n: the program greets in clear text before the client says anything
start_server n -n -c 1 $NODNS 127.0.0.1 0 sh -c 'echo greeting'
is "$(tlsc 127.0.0.1 "$PORT" --mode raw --timeout 10)" "greeting" \
  "-n: the program's greeting comes before the client sends a byte"
slow n --bind 127.0.0.2 --silent 1
is "$(tlsc 127.0.0.1 "$PORT" --mode raw --timeout 10)" "greeting" \
  "-n -c 1: a client that never sends a byte gets its greeting too"
unslow n
stop_server

# --- not TLS at all: handed to a child at once, which logs as it always has
start_server p $NODNS 127.0.0.1 0 cat
tlsc 127.0.0.1 "$PORT" --mode raw --send 'GET / HTTP/1.0\r\n\r\n' --timeout 10 > /dev/null 2>&1
wait_grep "$T/p.log" '^sslserver: error: \(111\) unable to accept TLS from: 127\.0\.0\.1' 100
ok $? "plain text: the usual handshake error line, at once"
stop_server
