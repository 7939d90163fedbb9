#!/bin/sh
# sslserver: the socket and lookup options not covered elsewhere:
# -D/-d (TCP_NODELAY), -O/-o (IP options), -b (backlog), -4/-6 with a host
# name (and LOCALDOMAIN), -r/-R and -t (ident).
# Socket options are read from the connection child's own socket with
# pidfd_getfd(2) (helpers/sockopts.py; root, Linux >= 5.6).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/helpers/sslserver.sh"
plan 20
make_pki

# PIDPROG prints its pid, then echoes: its parent is the connection child (relay)
PIDPROG='echo $$; exec cat'
# relay_opts [CLIENT-ARGS...]: sockopts.py output for the relay of one connection
relay_opts() {
  rm -f "$T/rel.go" "$T/rel.out"
  tlsc 127.0.0.1 "$PORT" --expect '\n' --hold "$T/rel.go" "$@" > "$T/rel.out" 2>"$T/rel.err" &
  _c=$!
  wait_file "$T/rel.out" 100
  _pp=$(head -n 1 "$T/rel.out")
  _relay=$(awk '/^PPid:/ {print $2}' "/proc/$_pp/status" 2>/dev/null)
  [ -n "$_relay" ] && python3 "$HELPERS/sockopts.py" "$_relay" 2>&1
  : > "$T/rel.go"; wait "$_c"
}

start_server D -D $NODNS 127.0.0.1 0 sh -c "$PIDPROG"
like "$(relay_opts)" "^127\\.0\\.0\\.1 $PORT 127\\.0\\.0\\.1 [0-9]+ nodelay=1 " "-D: TCP_NODELAY is set on the connection"
stop_server
start_server d -d $NODNS 127.0.0.1 0 sh -c "$PIDPROG"
like "$(relay_opts)" "^127\\.0\\.0\\.1 $PORT 127\\.0\\.0\\.1 [0-9]+ nodelay=0 " "-d: TCP_NODELAY is not set"
stop_server

# IP options: the client asks for Record Route; -o keeps the echoed option, -O clears it
RR=0707040000000001
start_server o -o $NODNS 127.0.0.1 0 sh -c "$PIDPROG"
like "$(relay_opts --ipoptions "$RR")" ' ipoptions=07' "-o: the client's IP options are left alone"
stop_server
start_server O -O $NODNS 127.0.0.1 0 sh -c "$PIDPROG"
like "$(relay_opts --ipoptions "$RR")" ' ipoptions=-$' "-O: IP options are removed"
stop_server
start_server O2 $NODNS 127.0.0.1 0 sh -c "$PIDPROG"
like "$(relay_opts --ipoptions "$RR")" ' ipoptions=-$' "IP options are removed by default"
stop_server

# -b: the listen backlog (ss shows it as Send-Q of a listening socket)
start_server b -b 7 $NODNS 127.0.0.1 0 cat
is "$(ss -Hltn "sport = :$PORT" | awk '{print $3}')" 7 "-b 7: backlog 7"
stop_server

# host names, qualified through DNS; -4 and -6 choose the address family
python3 "$HELPERS/dnsd.py" "$T/dns.ip" --lifetime 200 \
  --a srv.example=127.0.0.1 --aaaa srv.example=::1 2>"$T/dnsd.err" &
track $!
wait_file "$T/dns.ip" 100
DNS=$(cat "$T/dns.ip" 2>/dev/null)
listening() { ss -Hltn "sport = :$PORT" | awk '{print $4}'; }
SRV_ENV="DNSCACHEIP=$DNS" start_server n4 -4 $NODNS srv.example 0 cat
is "$(listening)" "127.0.0.1:$PORT" "-4 with a name: bound to its IPv4 address"
is "$(tlsc 127.0.0.1 "$PORT" --send 'n4\n' --expect 'n4\n')" "n4" "-4 with a name: serves"
stop_server
SRV_ENV="DNSCACHEIP=$DNS" start_server n6 -6 $NODNS srv.example 0 cat
is "$(listening)" "[::1]:$PORT" "-6 with a name: bound to its IPv6 address"
is "$(tlsc ::1 "$PORT" --send 'n6\n' --expect 'n6\n')" "n6" "-6 with a name: serves"
stop_server
SRV_ENV="DNSCACHEIP=$DNS LOCALDOMAIN=example" start_server nq -4 $NODNS srv 0 cat
is "$(listening)" "127.0.0.1:$PORT" "a short name is qualified with LOCALDOMAIN"
stop_server
SRV_ENV="DNSCACHEIP=$DNS" start_server nx $NODNS no-such-name.example 0 cat
ok "$([ -z "$PORT" ] && grep -q '^sslserver: fatal: ' "$T/nx.log"; echo $?)" \
  "a host name without addresses is a fatal error"

# ident: -r asks the client's port 113; -t bounds the wait; -R (default) does not ask
python3 "$HELPERS/identd.py" 127.0.0.2 "$T/identd.ready" --user alice --lifetime 200 2>"$T/identd.log" &
track $!
python3 "$HELPERS/identd.py" 127.0.0.3 "$T/identd3.ready" --silent --lifetime 200 2>"$T/identd3.log" &
track $!
wait_file "$T/identd.ready" 100; wait_file "$T/identd3.ready" 100
mkrules "$T/r.cdb" <<'EOF'
alice@127.0.0.2:allow,WHO="alice by rule"
:allow
EOF
start_server r -v -r -x "$T/r.cdb" $NODNS 127.0.0.1 0 "$PROGS/env.sh"
tlsc 127.0.0.1 "$PORT" --bind 127.0.0.2 --info "$T/r.info" > "$T/r.env" 2>/dev/null
cport=$(cut -d' ' -f3 "$T/r.info" 2>/dev/null)
is "$(envval "$T/r.env" SSLREMOTEINFO)" "alice" "-r: SSLREMOTEINFO from the client's ident server"
grep -Eq "query '$cport *, *$PORT'" "$T/identd.log"
ok $? "-r: the ident query named the client's port and ours"
is "$(envval "$T/r.env" WHO)" "alice by rule" "-r: an info@ip rule matches"
wait_grep "$T/r.log" '^sslserver: ok ' 50
# the page's ok line has remotehost:remoteip:remoteport; tcpserver's adds the
# ident answer before the port: either shape, with the right client
like "$(grep '^sslserver: ok ' "$T/r.log")" ":127\\.0\\.0\\.2:(alice:)?$cport\$" "-r: the ok line still names the client"
stop_server
start_server t -r -t 1 $NODNS 127.0.0.1 0 "$PROGS/env.sh"
tlsc 127.0.0.1 "$PORT" --bind 127.0.0.3 --timeout 20 > "$T/t.env" 2>/dev/null
is "$(envval "$T/t.env" PROTO)" "TLS" "-t 1: a silent ident server does not keep the client out"
is "$(envval "$T/t.env" SSLREMOTEINFO)" "<unset>" "-t 1: no SSLREMOTEINFO when ident does not answer"
stop_server
: > "$T/identd.log"
start_server R $NODNS 127.0.0.1 0 "$PROGS/env.sh"
tlsc 127.0.0.1 "$PORT" --bind 127.0.0.2 > "$T/R.env" 2>/dev/null
is "$(envval "$T/R.env" SSLREMOTEINFO)" "<unset>" "default -R: no SSLREMOTEINFO"
is "$(grep -c query "$T/identd.log")" 0 "default -R: the ident server is not asked"
stop_server
done_testing
