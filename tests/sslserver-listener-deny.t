#!/bin/sh
# sslserver: rules the listener can decide alone (-y always; -x with -H -R
# and -l or without -v) deny before fork: the log lines name the
# listener's pid; rules that need a name lookup are still decided in a child.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/helpers/sslserver.sh"
plan 10
make_pki

mkrules "$T/x.cdb" <<'R'
127.0.0.2:deny
127.0.0.3:allow,RULEVAR="three"
R
mkrules "$T/y.cdb" <<'R'
127.0.0.2:deny
R
M=$T/started; mkdir -p "$M"
PROG="$PROGS/marker.sh"
started() { count_entries "$M"; }
# denied_pid LOG: the pid of the first deny line, once it is there
denied_pid() { wait_grep "$1" '^sslserver: deny ' 50; sed -n 's/^sslserver: deny \([0-9]*\) .*/\1/p' "$1" | head -n 1; }

start_server lx -v -H -R -l0 -x "$T/x.cdb" 127.0.0.1 0 "$PROG" "$M" "$PROGS/env.sh"
tlsc 127.0.0.1 "$PORT" --bind 127.0.0.2 >/dev/null 2>&1
is "$(denied_pid "$T/lx.log")" "$SPID" "-x with -H -R -l: denied by the listener (its pid in the deny line)"
like "$(tr "\n" " " < "$T/lx.log")" "sslserver: pid $SPID from 127\\.0\\.0\\.2.*sslserver: deny $SPID 0:127\\.0\\.0\\.1:$PORT :127\\.0\\.0\\.2::[0-9]+.*sslserver: ended by $SPID status 25600" \
  "-x in the listener: the pid, deny and ended-by lines of a child"
tlsc 127.0.0.1 "$PORT" --bind 127.0.0.3 > "$T/three.env" 2>/dev/null
is "$(envval "$T/three.env" RULEVAR)" "three" "-x in the listener: an allow rule's variable reaches the program"
is "$(started)" 1 "-x in the listener: only the allowed client started the program"
stop_server

# -r: the rule may name the ident user, so the child decides
start_server rx -v -H -r -t 1 -l0 -x "$T/x.cdb" 127.0.0.1 0 "$PROG" "$M" cat
tlsc 127.0.0.1 "$PORT" --bind 127.0.0.2 >/dev/null 2>&1
dp=$(denied_pid "$T/rx.log")
ok "$([ -n "$dp" ] && [ "$dp" != "$SPID" ]; echo $?)" "-x with -r: denied by a connection child (pid $dp, listener $SPID)"
wait_grep "$T/rx.log" "^sslserver: ended by $dp status 25600" 50; ok $? "-x with -r: the child exits 100"
stop_server

# -y needs no names: the listener decides even with -h -r, and looks nothing up
start_server ly -v -h -r -y "$T/y.cdb" 127.0.0.1 0 "$PROG" "$M" cat
tlsc 127.0.0.1 "$PORT" --bind 127.0.0.2 >/dev/null 2>&1
is "$(denied_pid "$T/ly.log")" "$SPID" "-y with -h -r: denied by the listener"
is "$(started)" 1 "-y: no program for the denied client"
stop_server

# without -l, -v's deny line needs the local name: a child decides
SRV_ENV="DNSCACHEIP=127.0.0.1" start_server lv -v -H -R -T 5 -x "$T/x.cdb" 127.0.0.1 0 "$PROG" "$M" cat
tlsc 127.0.0.1 "$PORT" --bind 127.0.0.2 >/dev/null 2>&1
dp=$(denied_pid "$T/lv.log")
ok "$([ -n "$dp" ] && [ "$dp" != "$SPID" ]; echo $?)" "-x with -v and no -l: denied by a child (pid $dp)"
stop_server
# and without -v, the listener decides (nothing is logged)
start_server lq -H -R -x "$T/x.cdb" 127.0.0.1 0 "$PROG" "$M" cat
tlsc 127.0.0.1 "$PORT" --bind 127.0.0.2 >/dev/null 2>&1
is "$(started)" 1 "-x without -v: the denied client gets no program"
stop_server
done_testing
