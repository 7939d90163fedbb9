#!/bin/sh
# sslserver: connection limits with concurrent clients: MAXCONIP from the
# environment (global) and from a rule, and -c deferring accept.
# Clients hold their connection open until the test writes their release file.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/helpers/sslserver.sh"
plan 24
make_pki
M=$T/started; mkdir -p "$M"
started() { count_entries "$M"; }

# hold NAME SRCIP: a client that echoes one line and then holds until $T/NAME.release
hold() {
  tlsc 127.0.0.1 "$PORT" --bind "$2" --send "$1\n" --expect "$1\n" --hold "$T/$1.release" \
    --timeout 25 > "$T/$1.out" 2>"$T/$1.err" &
  eval "pid_$1=\$!"
  track "$!"
}
release() { : > "$T/$1.release"; eval "wait \$pid_$1"; }
# once NAME SRCIP: a client that echoes one line and leaves; prints what it got
once() { tlsc 127.0.0.1 "$PORT" --bind "$2" --send "$1\n" --expect "$1\n" --timeout 10 2>"$T/$1.err"; }
# wait until LOG has N "ended by" lines
wait_ended() {
  _i=0
  while [ "$(count_lines "$1" '^sslserver: ended by ')" -lt "$2" ] && [ $_i -lt 100 ]; do
    sleep 0.1; _i=$((_i + 1))
  done
}

# --- MAXCONIP=1 from the environment
SRV_ENV="MAXCONIP=1"
start_server g -v $NODNS 127.0.0.1 0 "$PROGS/marker.sh" "$M" cat
SRV_ENV=""
hold a1 127.0.0.1
wait_count "$M" 1
is "$(started)" 1 "global MAXCONIP=1: the first client is served"
out=$(once b1 127.0.0.1)
ok "$([ -z "$out" ]; echo $?)" "global MAXCONIP=1: a second client from the same address gets nothing"
is "$(started)" 1 "global MAXCONIP=1: no prog for it"
wait_grep "$T/g.log" 'ip connection limit' 50
like "$(grep 'ip connection limit' "$T/g.log")" \
  '^sslserver: (warning: |WARNING )ip connection limit of 1 exceeded for: 127\.0\.0\.1$' \
  "global MAXCONIP=1: the warning line"
is "$(once c1 127.0.0.2)" "c1" "global MAXCONIP=1: another address is served meanwhile"
grep -q '^sslserver: status 1/40/1$' "$T/g.log"
ok $? "global MAXCONIP=1: status lines show running/40/1"
release a1
wait_ended "$T/g.log" 2
is "$(once d1 127.0.0.1)" "d1" "global MAXCONIP=1: the address is served again once its connection ended"
stop_server

# --- MAXCONIP=1 from a rule for 127.0.0.1 only
mkrules "$T/r.cdb" <<'EOF'
127.0.0.1:allow,MAXCONIP="1"
:allow
EOF
before=$(started)
start_server r -v $NODNS -x "$T/r.cdb" 127.0.0.1 0 "$PROGS/marker.sh" "$M" cat
hold a2 127.0.0.1
wait_count "$M" $((before + 1))
out=$(once b2 127.0.0.1)
ok "$([ -z "$out" ]; echo $?)" "rule MAXCONIP=1: a second client from 127.0.0.1 gets nothing"
is "$(started)" $((before + 1)) "rule MAXCONIP=1: no prog for it"
wait_grep "$T/r.log" 'ip connection limit' 50
like "$(grep 'ip connection limit' "$T/r.log")" \
  '^sslserver: deny [0-9]+ .*127\.0\.0\.1.* ip connection limit:1 exceeded$' \
  "rule MAXCONIP=1: the deny line names the limit"
hold c2 127.0.0.2
hold e2 127.0.0.2
wait_count "$M" $((before + 3))
is "$(started)" $((before + 3)) "rule MAXCONIP=1: two clients from 127.0.0.2 (no rule limit) run at once"
release a2; release c2; release e2
is "$(grep -c '^sslserver: ok ' "$T/r.log")" 3 "rule MAXCONIP=1: three ok lines"
stop_server

# --- -c 2: the third client waits until one of two ends
before=$(started)
start_server c -v -c 2 $NODNS 127.0.0.1 0 "$PROGS/marker.sh" "$M" cat
like "$(head -n 1 "$T/c.log")" '^sslserver: status 0/2/0$' "-c 2: start-up status line 0/2/0"
hold a3 127.0.0.1
hold b3 127.0.0.2
wait_count "$M" $((before + 2))
is "$(started)" $((before + 2)) "-c 2: two clients served"
wait_grep "$T/c.log" '^sslserver: status 2/2/0$' 50
ok $? "-c 2: status 2/2/0 logged"
tlsc 127.0.0.1 "$PORT" --bind 127.0.0.3 --send 'c3\n' --expect 'c3\n' --timeout 25 \
  > "$T/c3.out" 2>"$T/c3.err" &
pid_c3=$!; track $pid_c3
sleep 1.5   # give a wrong server every chance to accept the third client
is "$(started)" $((before + 2)) "-c 2: the third client is not accepted while two run"
ok "$([ ! -s "$T/c3.out" ]; echo $?)" "-c 2: the third client has no answer yet"
is "$(log_pids "$T/c.log" | wc -l | tr -d ' ')" 2 "-c 2: only two 'pid' lines so far"
release a3
wait "$pid_c3"
is "$(cat "$T/c3.out")" "c3" "-c 2: the third client is served once one ended"
is "$(started)" $((before + 3)) "-c 2: its prog ran"
release b3
wait_ended "$T/c.log" 3
_i=0   # the status line follows the last "ended by"
last_status() { grep '^sslserver: status ' "$T/c.log" | tail -n 1; }
while ! last_status | grep -q '^sslserver: status 0/2/0$' && [ $_i -lt 50 ]; do sleep 0.1; _i=$((_i + 1)); done
like "$(last_status)" '^sslserver: status 0/2/0$' "-c 2: back to status 0/2/0"
stop_server

# --- -c 1 with many clients: all get served in turn, none lost
start_server c1 -c 1 $NODNS 127.0.0.1 0 cat
for i in 1 2 3 4 5 6; do
  tlsc 127.0.0.1 "$PORT" --send "n$i\n" --expect "n$i\n" --timeout 25 > "$T/n$i.out" 2>&1 &
  eval "pid_n$i=\$!"; track $!
done
for i in 1 2 3 4 5 6; do eval "wait \$pid_n$i"; done
got=$(for i in 1 2 3 4 5 6; do head -n 1 "$T/n$i.out"; done | tr '\n' ' ')
is "$got" "n1 n2 n3 n4 n5 n6 " "-c 1: six concurrent clients are all served in turn"
stop_server

# --- no zombies: every connection child is reaped
start_server z $NODNS 127.0.0.1 0 cat
for i in 1 2 3 4; do once z$i 127.0.0.1 > /dev/null; done
_i=0
while [ -n "$(ps -o pid= --ppid "$SPID")" ] && [ $_i -lt 50 ]; do sleep 0.1; _i=$((_i + 1)); done
is "$(ps -o stat= --ppid "$SPID" | grep -c Z)" 0 "no zombie children left behind"
is "$(ps -o pid= --ppid "$SPID" | wc -l | tr -d ' ')" 0 "no children at all once clients left"
stop_server
done_testing
