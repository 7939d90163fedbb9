#!/bin/sh
# sslhandle: idle and slow clients hold no worker. The parent keeps them in
# its wait set and hands a worker only a connection whose ClientHello is
# there; MAXWAIT bounds the set as under sslserver.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/helpers/sslserver.sh"
plan 7
make_pki
SSLSERVER=$BIN/sslhandle
M=$T/started; mkdir -p "$M"
started() { count_entries "$M"; }
. "$HELPERS/slowclients.sh"

# --- two workers, 200 silent and 200 slow-drip sockets from 127.0.0.2
start_server w -v -c 2 $NODNS 127.0.0.1 0 "$PROGS/marker.sh" "$M" cat
slow a --bind 127.0.0.2 --silent 200 --drip 200 --interval 2
is "$(tlsc 127.0.0.1 "$PORT" --bind 127.0.0.1 --send 'hi\n' --expect 'hi\n' --timeout 25)" "hi" \
  "-c 2, 400 idle and slow sockets held: a client from 127.0.0.1 is served"
is "$(tlsc 127.0.0.1 "$PORT" --bind 127.0.0.1 --send 'again\n' --expect 'again\n' --timeout 25)" "again" \
  "-c 2: and the next one"
is "$(started)" 2 "-c 2: the programs ran for those two alone"
like "$(grep '^sslhandle: waiting ' "$T/w.log" | tail -n 1)" '^sslhandle: waiting [0-9]+/4096/512 ready [0-9]+$' \
  "-vv: the parent's line counts the waiting connections"
unslow a
like "$(cat "$T/a.out")" '^open 400 closed 0$' "none of the 400 was closed early"
stop_server

# --- MAXWAIT 3: the fourth waiting connection closes the oldest
SRV_ENV="MAXWAIT=3 MAXWAITIP=0"
start_server e -c 1 $NODNS 127.0.0.1 0 cat
slow e --bind 127.0.0.2 --drip 4 --interval 60
wait_grep "$T/e.log" 'too many connections waiting \(MAXWAIT 3\), closed the oldest, from: 127\.0\.0\.2$' 100
ok $? "MAXWAIT 3: a warning line for the oldest connection closed"
is "$(tlsc 127.0.0.1 "$PORT" --send 'e\n' --expect 'e\n' --timeout 25)" "e" "MAXWAIT 3, one worker: a client is still served"
unslow e
stop_server
