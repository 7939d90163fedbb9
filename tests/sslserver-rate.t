#!/bin/sh
# sslserver and sslhandle: MAXRATEIP and MAXRATENET. Windows are an hour
# long, so the counts never depend on timing: n connections are served,
# the next ones are closed with no handshake and no program. From the
# environment (listener), from -x rules decided by the listener (-H -l),
# from an -x rule on a looked-up name (the connection child decides, on the
# shared table), a rule's "0" lifting the limit, malformed values in the
# environment (exit 100) and in a rule (connection dropped, server goes
# on), and sslhandle counting across its workers.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/helpers/sslserver.sh"
plan 38
make_pki
M=$T/started; mkdir -p "$M"
started() { count_entries "$M"; }

# once NAME SRCIP: one echo; prints what came back (nothing when refused)
once() { tlsc 127.0.0.1 "$PORT" --bind "$2" --send "$1\n" --expect "$1\n" --timeout 10 2>>"$T/clients.err"; }
# served SRCIP N: how many of N clients in a row got their echo
served() {
  _k=0; _j=0
  while [ $_j -lt "$2" ]; do
    _j=$((_j + 1))
    [ "$(once "s$_j" "$1")" = "s$_j" ] && _k=$((_k + 1))
  done
  echo $_k
}
# answered SRCIP: did the server answer a ClientHello with anything? (yes/no)
answered() {
  tlsc 127.0.0.1 "$PORT" --bind "$1" --mode hello --timeout 10 2>&1 | grep -q 'answered [1-9]' \
    && echo yes || echo no
}
pids() { count_lines "$1" "^$2: pid [0-9]+ from "; }

# ---- MAXRATEIP from the environment: the listener counts
SRV_ENV="MAXRATEIP=3/3600"
start_server e -v $NODNS 127.0.0.1 0 "$PROGS/marker.sh" "$M" cat
is "$(served 127.0.0.1 3)" 3 "env MAXRATEIP=3/3600: three clients served"
is "$(answered 127.0.0.1)" no "env MAXRATEIP=3/3600: the fourth gets no handshake"
is "$(served 127.0.0.1 2)" 0 "env MAXRATEIP=3/3600: nor do later ones"
is "$(started)" 3 "env MAXRATEIP=3/3600: no program for them"
is "$(pids "$T/e.log" sslserver)" 3 "env MAXRATEIP=3/3600: no connection child for them either"
wait_grep "$T/e.log" 'rate limit' 50
like "$(grep 'rate limit' "$T/e.log" | head -n 1)" \
  '^sslserver: WARNING ip connection rate limit of 3/3600 exceeded for: 127\.0\.0\.1$' \
  "env MAXRATEIP: the warning line"
is "$(grep -c 'rate limit' "$T/e.log")" 3 "env MAXRATEIP: one line per refused connection"
is "$(served 127.0.0.2 2)" 2 "env MAXRATEIP: another address is served meanwhile"
stop_server

# ---- MAXRATENET: 127.0.0.0/24 shares one count, 127.0.1.0/24 has its own
SRV_ENV="MAXRATENET=2/3600"
start_server n -v $NODNS 127.0.0.1 0 "$PROGS/marker.sh" "$M" cat
is "$(served 127.0.0.1 1)$(served 127.0.0.2 1)" 11 "MAXRATENET=2/3600: 127.0.0.1 and 127.0.0.2 served"
is "$(served 127.0.0.3 1)" 0 "MAXRATENET=2/3600: 127.0.0.3 refused, same /24"
is "$(served 127.0.0.1 1)" 0 "MAXRATENET=2/3600: 127.0.0.1 too"
is "$(served 127.0.1.1 2)" 2 "MAXRATENET=2/3600: 127.0.1.1 is another /24"
wait_grep "$T/n.log" 'rate limit' 50
like "$(grep 'rate limit' "$T/n.log" | head -n 1)" \
  '^sslserver: WARNING network connection rate limit of 2/3600 exceeded for: 127\.0\.0\.0/24$' \
  "MAXRATENET: the warning line names the network"
stop_server

# ---- -x rules decided by the listener (-H -l): rule limits replace the environment's
mkrules "$T/x.cdb" <<'EOF'
127.0.0.2:allow,MAXRATEIP="0"
127.0.0.3:allow,MAXRATEIP="2/3600"
127.0.0.4:allow,MAXRATEIP="2/3600x"
127.0.0.5:allow,MAXRATEIP="0",MAXRATENET="1/3600"
:allow
EOF
before=$(started)
SRV_ENV="MAXRATEIP=1/3600"
start_server x -v $NODNS -x "$T/x.cdb" 127.0.0.1 0 "$PROGS/marker.sh" "$M" cat
is "$(served 127.0.0.1 3)" 1 "-x, env MAXRATEIP=1/3600: the default rule keeps the environment's limit"
is "$(served 127.0.0.2 3)" 3 "-x: a rule's MAXRATEIP=\"0\" lifts it"
is "$(served 127.0.0.3 3)" 2 "-x: a rule's MAXRATEIP=\"2/3600\" replaces it"
like "$(grep 'deny .*127\.0\.0\.3:' "$T/x.log" | head -n 1)" \
  "^sslserver: deny $SPID localhost:127\\.0\\.0\\.1:$PORT :127\\.0\\.0\\.3::[0-9]+ ip connection rate limit:2/3600 exceeded\$" \
  "-x in the listener: the deny line, with the listener's pid"
is "$(served 127.0.0.4 1)" 0 "-x: a malformed rule value drops the connection"
wait_grep "$T/x.log" 'not n/secs' 50
like "$(grep 'not n/secs' "$T/x.log")" \
  '^sslserver: warning: dropping connection, rule value is not n/secs or 0: MAXRATEIP=2/3600x for: 127\.0\.0\.4$' \
  "-x: one warning line names the value"
is "$(served 127.0.0.2 1)" 1 "-x: the server goes on serving others"
is "$(served 127.0.0.5 2)" 1 "-x: a rule's MAXRATENET=\"1/3600\" applies (with its MAXRATEIP=\"0\")"
is "$(started)" $((before + 1 + 3 + 2 + 1 + 1)) "-x: programs only for the admitted connections"
stop_server

# ---- -x on a looked-up name: the connection child decides, on the shared table
python3 "$HELPERS/dnsd.py" "$T/dns.ip" --log "$T/dns.log" --lifetime 280 \
  --ptr 127.0.0.7=rated.example --a rated.example=127.0.0.7 \
  --ptr 127.0.0.8=other.example --a other.example=127.0.0.8 \
  --ptr 127.0.0.1=local.example --a local.example=127.0.0.1 \
  2> "$T/dnsd.err" &
track $!
wait_file "$T/dns.ip" 100
DNS=$(cat "$T/dns.ip" 2>/dev/null)
mkrules "$T/h.cdb" <<'EOF'
=rated.example:allow,MAXRATEIP="2/3600"
:allow
EOF
# ---- -y: decided by the listener before any lookup, even with -h
mkrules "$T/y.cdb" <<'EOF2'
127.0.0.1:allow,MAXRATEIP="1/3600"
EOF2
SRV_ENV="DNSCACHEIP=$DNS"
start_server y -v -h -l srv -y "$T/y.cdb" 127.0.0.1 0 cat
is "$(served 127.0.0.1 2)" 1 "-y rule MAXRATEIP=1/3600: one served, the next refused"
like "$(grep 'deny ' "$T/y.log")" "^sslserver: deny $SPID srv:127\\.0\\.0\\.1:$PORT :127\\.0\\.0\\.1::[0-9]+ ip connection rate limit:1/3600 exceeded\$" \
  "-y: the listener refused it (its pid)"
stop_server
is "$(grep -c '1.0.0.127.in-addr.arpa' "$T/dns.log")" 1 "-y: one DNS question, for the admitted connection only"

before=$(started)
SRV_ENV="DNSCACHEIP=$DNS"
start_server h -v -l srv -x "$T/h.cdb" 127.0.0.1 0 "$PROGS/marker.sh" "$M" cat
is "$(served 127.0.0.7 4)" 2 "-x =name with MAXRATEIP=2/3600: two served, counted by two children"
is "$(served 127.0.0.8 3)" 3 "-x =name: another name has no limit"
is "$(started)" $((before + 5)) "-x =name: no program for the refused ones"
d=$(grep 'deny .*127\.0\.0\.7:' "$T/h.log" | head -n 1)
like "$d" '^sslserver: deny [0-9]+ srv:127\.0\.0\.1:[0-9]+ rated\.example:127\.0\.0\.7::[0-9]+ ip connection rate limit:2/3600 exceeded$' \
  "-x =name: the deny line carries the name"
dp=$(echo "$d" | sed 's/^sslserver: deny \([0-9]*\) .*/\1/')
ok "$([ -n "$dp" ] && [ "$dp" != "$SPID" ]; echo $?)" "-x =name: decided by a connection child, not the listener"
stop_server

# ---- malformed values in the environment: one line, exit 100
for v in "MAXRATEIP=5" "MAXRATEIP=5/0" "MAXRATENET=x/60"; do
  env "$v" "$SSLSERVER" -1 $NODNS 127.0.0.1 0 cat > "$T/bad.out" 2> "$T/bad.err" < /dev/null
  rc=$?
  is "$rc:$(grep -c '' "$T/bad.err")" "100:1" "env $v: exit 100 with one line"
done
like "$(cat "$T/bad.err")" '^sslserver: fatal: \(1[01][01]\) MAXRATENET is not n/secs .*: x/60$' "env: the line names the variable and value"

# ---- sslhandle: the workers share one table
SSLSERVER=$BIN/sslhandle
hold() {
  tlsc 127.0.0.1 "$PORT" --bind "$2" --send "$1\n" --expect "$1\n" --hold "$T/$1.release" \
    --timeout 25 > "$T/$1.out" 2>"$T/$1.err" &
  eval "pid_$1=\$!"
  track "$!"
}
release() { : > "$T/$1.release"; eval "wait \$pid_$1"; }
before=$(started)
SRV_ENV="MAXRATEIP=2/3600"
start_server sh -v -c 3 $NODNS 127.0.0.1 0 "$PROGS/marker.sh" "$M" cat
hold k1 127.0.0.1
wait_count "$M" $((before + 1))
is "$(served 127.0.0.1 3)" 1 "sslhandle MAXRATEIP=2/3600: one more served by another worker, then refused"
release k1
is "$(cat "$T/k1.out")" "k1" "sslhandle: the held client was served"
wait_grep "$T/sh.log" 'rate limit' 50
like "$(grep 'rate limit' "$T/sh.log" | head -n 1)" \
  '^sslhandle: WARNING ip connection rate limit of 2/3600 exceeded for: 127\.0\.0\.1$' "sslhandle: the warning line"
is "$(started)" $((before + 2)) "sslhandle: two programs in all"
stop_server
done_testing
