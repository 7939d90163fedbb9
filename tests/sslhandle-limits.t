#!/bin/sh
# sslhandle: limits across workers (-c: a client waits while every worker is
# busy; MAXCONIP from the environment and from a rule counts the connections
# of all workers) and -f lockfile (workers take turns to accept: while the
# lock is held elsewhere, nobody accepts).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/helpers/sslserver.sh"
plan 21
make_pki
SSLSERVER=$BIN/sslhandle
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
once() { tlsc 127.0.0.1 "$PORT" --bind "$2" --send "$1\n" --expect "$1\n" --timeout 10 2>"$T/$1.err"; }
wait_ended() {
  _i=0
  while [ "$(count_lines "$1" '^sslhandle: ended by ')" -lt "$2" ] && [ $_i -lt 100 ]; do
    sleep 0.1; _i=$((_i + 1))
  done
}

# ---- -c 2: two workers busy, the third client waits for one of them
start_server c -v -c 2 $NODNS 127.0.0.1 0 "$PROGS/marker.sh" "$M" cat
hold a1 127.0.0.1
hold b1 127.0.0.1
wait_count "$M" 2
is "$(started)" 2 "-c 2: two clients served at once"
grep -q '^sslhandle: status 2/2/0$' "$T/c.log"
ok $? "-c 2: status 2/2/0 with both workers busy"
hold c1 127.0.0.1
wait_file "$T/c1.out" 20
is "$(started)" 2 "-c 2: the third client is not served while both workers are busy"
release a1
wait_count "$M" 3
is "$(started)" 3 "-c 2: it is served once a worker is free"
wait_file "$T/c1.out" 50
is "$(cat "$T/c1.out")" "c1" "-c 2: the third client gets its echo"
release b1; release c1
stop_server

# ---- MAXCONIP=1 from the environment, counted across workers
before=$(started)
SRV_ENV="MAXCONIP=1" start_server g -v -c 4 $NODNS 127.0.0.1 0 "$PROGS/marker.sh" "$M" cat
hold a2 127.0.0.1
wait_count "$M" $((before + 1))
out=$(once b2 127.0.0.1)
ok "$([ -z "$out" ]; echo $?)" "global MAXCONIP=1: a second client from the same address gets nothing"
is "$(started)" $((before + 1)) "global MAXCONIP=1: no prog for it"
wait_grep "$T/g.log" 'ip connection limit' 50
like "$(grep 'ip connection limit' "$T/g.log")" \
  '^sslhandle: WARNING ip connection limit of 1 exceeded for: 127\.0\.0\.1$' \
  "global MAXCONIP=1: the warning line"
is "$(once c2 127.0.0.2)" "c2" "global MAXCONIP=1: another address is served meanwhile"
release a2
wait_ended "$T/g.log" 2
is "$(once d2 127.0.0.1)" "d2" "global MAXCONIP=1: the address is served again once its connection ended"
stop_server

# ---- MAXCONIP=1 from a rule
mkrules "$T/r.cdb" <<'EOF'
127.0.0.1:allow,MAXCONIP="1"
:allow
EOF
before=$(started)
start_server r -v -c 4 -x "$T/r.cdb" $NODNS 127.0.0.1 0 "$PROGS/marker.sh" "$M" cat
hold a3 127.0.0.1
wait_count "$M" $((before + 1))
out=$(once b3 127.0.0.1)
ok "$([ -z "$out" ]; echo $?)" "rule MAXCONIP=1: a second client from 127.0.0.1 gets nothing"
wait_grep "$T/r.log" 'ip connection limit' 50
like "$(grep 'ip connection limit' "$T/r.log")" \
  '^sslhandle: deny [0-9]+ .*127\.0\.0\.1.* ip connection limit:1 exceeded$' \
  "rule MAXCONIP=1: the deny line names the limit"
hold c3 127.0.0.2
hold e3 127.0.0.2
wait_count "$M" $((before + 3))
is "$(started)" $((before + 3)) "rule MAXCONIP=1: two clients from 127.0.0.2 (no rule limit) at once"
release a3; release c3; release e3
stop_server

# ---- -f lockfile
timeout 10 "$SSLSERVER" -f "$T/no/such/dir/lock" $NODNS 127.0.0.1 0 cat > /dev/null 2>"$T/nolock.err"
is "$?" 111 "-f with a lock file that cannot be made: exit 111"
like "$(cat "$T/nolock.err")" "^sslhandle: fatal: \\(1[01][01]\\) unable to open: $T/no/such/dir/lock" \
  "-f: the fatal line names the file"
before=$(started)
start_server f -v -c 3 -f "$T/lock" $NODNS 127.0.0.1 0 "$PROGS/marker.sh" "$M" cat
ok "$([ -e "$T/lock" ]; echo $?)" "-f: the lock file is made"
hold a4 127.0.0.1
hold b4 127.0.0.1
wait_count "$M" $((before + 2))
is "$(once c4 127.0.0.1)" "c4" "-f: three clients at once with three workers (the lock is not held while serving)"
release a4; release b4
stop_server
# one worker: it holds the lock while it waits in accept. Our locker waits
# for the lock, gets it when the worker has accepted a client, and then the
# worker cannot accept the next client until we let go.
before=$(started)
start_server f1 -v -c 1 -f "$T/lock" $NODNS 127.0.0.1 0 "$PROGS/marker.sh" "$M" cat
timeout -k 2 30 python3 -c '
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_WRONLY | os.O_APPEND)
fcntl.lockf(fd, fcntl.LOCK_EX)
open(sys.argv[2], "w").close()
while not os.path.exists(sys.argv[3]):
    time.sleep(0.05)
' "$T/lock" "$T/locked" "$T/unlock" &
lk=$!; track "$lk"
# wait until the locker is queued for the lock (a "->" line in /proc/locks)
ino=$(stat -c %i "$T/lock")
_i=0; while ! grep -Eq -- "-> .*:$ino " /proc/locks && [ $_i -lt 100 ]; do sleep 0.1; _i=$((_i + 1)); done
is "$(once x4 127.0.0.1)" "x4" "-f, one worker: a client is served"
wait_exists "$T/locked" 100
ok $? "-f: the worker lets go of the lock once it has accepted"
n0=$(started)
hold y4 127.0.0.1
wait_file "$T/y4.out" 20
is "$(started)" "$n0" "-f: while the lock is held elsewhere, the worker does not accept"
: > "$T/unlock"; wait "$lk"
wait_count "$M" $((n0 + 1))
is "$(started)" $((n0 + 1)) "-f: once the lock is free, the waiting client is served"
release y4
stop_server
done_testing
