#!/bin/sh
# sslserver and sslhandle on a listening socket they did not bind: systemd
# socket activation (under systemd-socket-activate, and LISTEN_PID/LISTEN_FDS
# set by hand for the error cases) and a listening socket on descriptor 0
# (tests/helpers/listenfd.py, as inetd's wait mode gives it). TLS to a real
# client, -1, rules, MAXCONIP, SIGHUP; the program never sees LISTEN_* or the
# listener; bad hand-overs: one line and the documented exit code.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/helpers/sslserver.sh"
plan 46
make_pki
SA=$(command -v systemd-socket-activate)
M=$T/m; mkdir -p "$M"

# prog: keeps its environment and descriptors in $M, then echoes
cat > "$T/prog.sh" <<X
#!/bin/sh
env > "$M/env.\$\$"
python3 "$PROGS/fds.py" > "$M/fds.\$\$"
exec cat
X
chmod +x "$T/prog.sh"
listen_vars() { cat "$M"/env.* 2>/dev/null | grep -c '^LISTEN_'; }
fds_seen() { cat "$M"/fds.* 2>/dev/null | sort -u | tr '\n' ' '; }
progs_run() { count_entries "$M"; }
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# activate NAME PROG ARGS...: PROG under systemd-socket-activate on
# 127.0.0.1:PORT (a port free a moment ago; tried again if somebody took it
# meanwhile). It passes only the variables named with -E: CERTFILE, KEYFILE
# and $SA_ENV's. SPID: systemd-socket-activate, which becomes PROG (exec, same
# pid: LISTEN_PID) at the first connection. Output in $T/NAME.out, .log.
SA_ENV=""
activate() {
  _name=$1; shift
  _try=0
  while [ $_try -lt 5 ]; do
    PORT=$(free_port)
    # shellcheck disable=SC2086
    python3 "$HELPERS/closefds.py" "$SA" -E CERTFILE -E KEYFILE $SA_ENV -l "127.0.0.1:$PORT" "$@" \
      > "$T/$_name.out" 2> "$T/$_name.log" &
    SPID=$!; track "$SPID"
    _i=0
    while ! grep -q '^Listening on' "$T/$_name.log" && running "$SPID" && [ $_i -lt 100 ]; do
      sleep 0.1; _i=$((_i + 1))
    done
    if grep -q '^Listening on' "$T/$_name.log"; then SA_ENV=""; return 0; fi
    stop_server "$SPID"
    grep -qi 'in use' "$T/$_name.log" || break
    diag "port $PORT was taken meanwhile; another"
    _try=$((_try + 1))
  done
  diag "systemd-socket-activate did not start:"; sed 's/^/#   /' "$T/$_name.log"
  SA_ENV=""; PORT=""; return 1
}

# fd0 NAME [listenfd.py options] -- PROG ARGS...: PROG -1 ARGS with a listening
# socket on descriptor 0; SPID, LPORT (the socket's port), PORT (what -1 printed)
fd0() {
  _name=$1; shift
  _lo=""
  while [ "$1" != "--" ]; do _lo="$_lo $1"; shift; done
  shift
  _prog=$1; shift
  rm -f "$T/$_name.port"
  # shellcheck disable=SC2086
  python3 "$HELPERS/listenfd.py" --portfile "$T/$_name.port" $_lo "$_prog" -1 "$@" \
    > "$T/$_name.out" 2> "$T/$_name.log" &
  SPID=$!; track "$SPID"
  wait_file "$T/$_name.out" 150
  LPORT=$(cat "$T/$_name.port" 2>/dev/null); PORT=$(head -n 1 "$T/$_name.out")
}

# the descriptor of SPID's listening socket on PORT, and its open flags
listen_fd_flags() {
  _ino=$(awk -v p="$(printf '%04X' "$1")" '$2 ~ ":"p"$" && $4 == "0A" { print $10 }' /proc/net/tcp | head -n 1)
  for _f in /proc/"$SPID"/fd/*; do
    if [ "$(readlink "$_f")" = "socket:[$_ino]" ]; then
      sed -n 's/^flags:[[:space:]]*//p' "/proc/$SPID/fdinfo/${_f##*/}"; return
    fi
  done
}

mkrules "$T/r.cdb" <<'EOF'
127.0.0.2:deny
127.0.0.1:allow,MAXCONIP="1"
:allow
EOF

# ---- sslserver under systemd-socket-activate
activate sa --fdname=tls "$SSLSERVER" -v -1 $NODNS -x "$T/r.cdb" 192.0.2.1 1 "$T/prog.sh"
ok $? "systemd-socket-activate listens on 127.0.0.1:$PORT"
is "$(tlsc 127.0.0.1 "$PORT" --send 'one\n' --expect 'one\n' --timeout 20)" "one" \
  "systemd: the first connection (the one that started it) is served over TLS"
is "$(tlsc 127.0.0.1 "$PORT" --send 'two\n' --expect 'two\n')" "two" "systemd: and the next one"
is "$(head -n 1 "$T/sa.out")" "$PORT" "systemd: -1 prints the inherited socket's port"
grep -q "^sslserver: listening socket from LISTEN_FDS, descriptor 3: 127\\.0\\.0\\.1 port $PORT\$" "$T/sa.log"
ok $? "systemd: -v names the inherited socket (host and port arguments unused)"
is "$(listen_vars)" 0 "systemd: the program sees no LISTEN_PID, LISTEN_FDS, LISTEN_FDNAMES"
is "$(fds_seen)" "fds: 0 1 2 " "systemd: the program does not hold descriptor 3"
out=$(tlsc 127.0.0.1 "$PORT" --bind 127.0.0.2 --send 'no\n' --expect 'no\n' --timeout 10 2>/dev/null)
is "$out" "" "systemd: -x rules apply: 127.0.0.2 denied"
wait_grep "$T/sa.log" '^sslserver: deny [0-9]+ .*127\.0\.0\.2' 50
ok $? "systemd: the deny line"
_i=0   # 'one' and 'two' ended, or MAXCONIP would count them
while [ "$(count_lines "$T/sa.log" '^sslserver: ended by ')" -lt 2 ] && [ $_i -lt 100 ]; do sleep 0.1; _i=$((_i + 1)); done
tlsc 127.0.0.1 "$PORT" --send 'a\n' --expect 'a\n' --hold "$T/a.release" --timeout 25 > "$T/a.out" 2>&1 &
HOLD=$!; track $HOLD
wait_file "$T/a.out" 100
out=$(tlsc 127.0.0.1 "$PORT" --send 'b\n' --expect 'b\n' --timeout 10 2>/dev/null)
is "$out" "" "systemd: MAXCONIP=1 from the rule: a second connection from 127.0.0.1 gets nothing"
wait_grep "$T/sa.log" 'ip connection limit:1 exceeded' 50
ok $? "systemd: MAXCONIP: the deny line names the limit"
is "$(tlsc 127.0.0.1 "$PORT" --bind 127.0.0.3 --send 'c\n' --expect 'c\n')" "c" \
  "systemd: another address is served meanwhile"
: > "$T/a.release"; wait $HOLD
signal_ours HUP "$SPID"
wait_grep "$T/sa.log" '^sslserver: TLS settings reloaded$' 100
ok $? "systemd: SIGHUP reloads the TLS settings"
is "$(tlsc 127.0.0.1 "$PORT" --send 'd\n' --expect 'd\n')" "d" "systemd: served after the reload"
stop_server

# ---- LISTEN_* that do not apply, or a bad hand-over
# bad NAME SHELL-SETUP ARGS...: sslserver started by sh after SHELL-SETUP (with
# LISTEN_PID=$$ available); exit code and stderr in $T/NAME.rc, .log
bad() {
  _name=$1; _setup=$2; shift 2
  timeout -k 2 20 sh -c "$_setup"' exec "$0" "$@"' "$SSLSERVER" "$@" > /dev/null 2> "$T/$_name.log"
  echo $? > "$T/$_name.rc"
}
bad nl 'exec 3</dev/null; export LISTEN_PID=$$ LISTEN_FDS=1;' $NODNS 127.0.0.1 0 cat
is "$(cat "$T/nl.rc")" 111 "LISTEN_FDS names /dev/null: exit 111"
like "$(cat "$T/nl.log")" '^sslserver: fatal: \(1[01][01]\) LISTEN_FDS: descriptor 3 is not a listening TCP socket: not a socket$' \
  "... with one line"
bad cl 'exec 3<&-; export LISTEN_PID=$$ LISTEN_FDS=1;' $NODNS 127.0.0.1 0 cat
like "$(cat "$T/cl.rc") $(cat "$T/cl.log")" '^111 sslserver: fatal: \(111\) LISTEN_FDS: descriptor 3 is not a listening TCP socket: not open$' \
  "LISTEN_FDS=1 with descriptor 3 closed: exit 111, one line"
# sock3 TYPE NAME: sslserver with a socket of TYPE (tcp, udp) on descriptor 3
# that does not listen, and LISTEN_PID, LISTEN_FDS for it; "rc stderr"
sock3() {
  python3 -c '
import os, socket, sys
s = socket.socket(type=socket.SOCK_DGRAM if sys.argv[1] == "udp" else socket.SOCK_STREAM)
if s.fileno() != 3: os.dup2(s.fileno(), 3)
os.set_inheritable(3, True)
os.environ.update(LISTEN_PID=str(os.getpid()), LISTEN_FDS="1")
os.execv(sys.argv[2], sys.argv[2:])' "$1" "$SSLSERVER" $NODNS 127.0.0.1 0 cat > /dev/null 2> "$T/$2.log"
  echo "$? $(cat "$T/$2.log")"
}
like "$(sock3 tcp nls)" '^111 sslserver: fatal: \(111\) LISTEN_FDS: descriptor 3 is not a listening TCP socket: not listening$' \
  "LISTEN_FDS names a TCP socket that does not listen: exit 111, one line"
like "$(sock3 udp udp)" '^111 sslserver: fatal: \(111\) LISTEN_FDS: descriptor 3 is not a listening TCP socket: not a stream socket$' \
  "LISTEN_FDS names a UDP socket: exit 111, one line"
bad nan 'exec 3</dev/null; export LISTEN_PID=$$ LISTEN_FDS=x;' $NODNS 127.0.0.1 0 cat
like "$(cat "$T/nan.rc") $(cat "$T/nan.log")" '^111 sslserver: fatal: \(111\) LISTEN_PID is ours but LISTEN_FDS is not a number$' \
  "LISTEN_FDS not a number: exit 111, one line"
bad two 'exec 3</dev/null 4</dev/null; export LISTEN_PID=$$ LISTEN_FDS=2;' $NODNS 127.0.0.1 0 cat
like "$(cat "$T/two.rc") $(cat "$T/two.log")" '^100 sslserver: fatal: \(100\) LISTEN_FDS passes more than one socket' \
  "LISTEN_FDS=2: refused, exit 100, one line"
is "$(wc -l < "$T/two.log" | tr -d ' ')" 1 "... exactly one line"

# -3 and systemd's socket both want descriptor 3
python3 "$HELPERS/listenfd.py" --systemd "$SSLSERVER" -3 $NODNS 127.0.0.1 0 cat > /dev/null 2> "$T/k3.log"
rc=$?
like "$rc $(cat "$T/k3.log")" '^100 sslserver: fatal: \(100\) -3 reads the key password from descriptor 3, which holds the socket from LISTEN_FDS' \
  "-3 with LISTEN_FDS: refused, exit 100, one line"

# LISTEN_PID of another process: ignored, binds as usual, removed all the same
SRV_ENV="LISTEN_PID=1 LISTEN_FDS=1 LISTEN_FDNAMES=x" start_server op $NODNS 127.0.0.1 0 "$T/prog.sh"
ok "$([ -n "$PORT" ]; echo $?)" "LISTEN_PID of another process: sslserver binds 127.0.0.1 0 itself"
before=$(progs_run)
is "$(tlsc 127.0.0.1 "$PORT" --send 'e\n' --expect 'e\n')" "e" "... and serves"
wait_count "$M" $((before + 2))
is "$(listen_vars)" 0 "... and the program does not see the LISTEN_* it was started with"
stop_server

# ---- descriptor 0 (inetd wait mode, s6-fdholder)
fd0 z0 --nonblock -- "$SSLSERVER" -v $NODNS -x "$T/r.cdb" 192.0.2.1 1 "$T/prog.sh"
ok "$([ -n "$LPORT" ] && [ "$LPORT" = "$PORT" ]; echo $?)" "descriptor 0: -1 prints the socket's port ($LPORT), not the argument's"
is "$(tlsc 127.0.0.1 "$PORT" --send 'f\n' --expect 'f\n')" "f" "descriptor 0: served over TLS"
is "$(readlink "/proc/$SPID/fd/0")" /dev/null "descriptor 0: /dev/null in the socket's place afterwards"
flags=$(listen_fd_flags "$PORT")
ok "$([ -n "$flags" ] && [ $((0$flags & 04000)) -ne 0 ]; echo $?)" \
  "descriptor 0: the listener accepts without blocking, from its wait set (flags $flags)"
grep -q "^sslserver: listening socket from descriptor 0: 127\\.0\\.0\\.1 port $PORT\$" "$T/z0.log"
ok $? "descriptor 0: -v names the inherited socket"
out=$(tlsc 127.0.0.1 "$PORT" --bind 127.0.0.2 --send 'no\n' --expect 'no\n' --timeout 10 2>/dev/null)
is "$out" "" "descriptor 0: rules apply"
is "$(fds_seen)" "fds: 0 1 2 " "descriptor 0: the program does not hold the listener"
stop_server

# -3 is fine with the socket on descriptor 0: the password comes from 3
exec 3< "$PKI/enc.pass"
SAVEKEY=$KEYFILE; KEYFILE=$PKI/enc.key
fd0 k0 --keep 3 -- "$SSLSERVER" $NODNS -3 0 0 cat
exec 3<&-
KEYFILE=$SAVEKEY
is "$(tlsc 127.0.0.1 "$PORT" --send 'g\n' --expect 'g\n')" "g" "descriptor 0 with -3: the encrypted key is read, served"
stop_server

# ---- sslhandle
activate ha "$BIN/sslhandle" -v -1 -c 2 $NODNS 0 0 "$T/prog.sh"
ok $? "sslhandle: systemd-socket-activate listens"
before=$(progs_run)
is "$(tlsc 127.0.0.1 "$PORT" --send 'h\n' --expect 'h\n' --timeout 20)" "h" "sslhandle under systemd: served"
is "$(tlsc 127.0.0.1 "$PORT" --send 'i\n' --expect 'i\n')" "i" "sslhandle under systemd: served again"
is "$(head -n 1 "$T/ha.out")" "$PORT" "sslhandle under systemd: -1 prints the port"
wait_count "$M" $((before + 4))
is "$(listen_vars)" 0 "sslhandle under systemd: the program sees no LISTEN_*"
is "$(fds_seen)" "fds: 0 1 2 " "sslhandle under systemd: the program does not hold descriptor 3"
stop_server
fd0 h0 -- "$BIN/sslhandle" -c 2 $NODNS 192.0.2.1 1 "$T/prog.sh"
ok "$([ -n "$LPORT" ] && [ "$LPORT" = "$PORT" ]; echo $?)" "sslhandle on descriptor 0: -1 prints the socket's port"
is "$(tlsc 127.0.0.1 "$PORT" --send 'j\n' --expect 'j\n')" "j" "sslhandle on descriptor 0: served"
stop_server
python3 "$HELPERS/listenfd.py" --systemd "$BIN/sslhandle" -3 $NODNS 127.0.0.1 0 cat > /dev/null 2> "$T/hk3.log"
is "$?" 100 "sslhandle: -3 with LISTEN_FDS: exit 100"

# ---- sslprint: the same start-up
fd0 p0 -- "$BIN/sslprint" $NODNS 192.0.2.1 1
ok "$([ -n "$LPORT" ] && [ "$LPORT" = "$PORT" ]; echo $?)" "sslprint on descriptor 0: -1 prints the socket's port"
like "$(tlsc 127.0.0.1 "$PORT")" "SSLLOCALPORT=$LPORT" "sslprint on descriptor 0: served (prints the environment)"
stop_server

# ---- examples/systemd: systemd-analyze verify, with ExecStart pointing at
# the sslserver just built (verify wants the program to exist)
if command -v systemd-analyze > /dev/null 2>&1; then
  mkdir "$T/units"
  cp "$TOP/examples/systemd/sslserver.socket" "$T/units/"
  sed "s#/usr/bin/sslserver#$SSLSERVER#" "$TOP/examples/systemd/sslserver.service" > "$T/units/sslserver.service"
  timeout -k 2 60 systemd-analyze verify --man=no "$T/units/sslserver.socket" "$T/units/sslserver.service" \
    > "$T/verify.out" 2>&1
  rc=$?
  [ $rc -ne 0 ] && sed 's/^/#   /' "$T/verify.out"
  is "$rc" 0 "examples/systemd: systemd-analyze verify passes"
else
  pass "# SKIP examples/systemd: no systemd-analyze"
fi
done_testing
