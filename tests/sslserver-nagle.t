#!/bin/sh
# sslserver -d/-D: TCP_NODELAY at each stage of a connection. With -d
# (Nagle) it is still on during the handshake and until the first record
# has been written, off while data flows, and on again once the program
# has closed its output (close_notify); with -D it is on throughout.
# Read from the relay's socket with pidfd_getfd(2) (helpers/sockopts.py).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/helpers/sslserver.sh"
plan 9
make_pki

# the client: handshake, then steps driven by files in $T (all bounded)
cat > "$T/client.py" <<'PY'
import os, socket, ssl, sys, time
port, d = int(sys.argv[1]), sys.argv[2]
def mark(name):
    open(os.path.join(d, name), "w").close()
def wait(name):
    end = time.time() + 20
    while not os.path.exists(os.path.join(d, name)):
        if time.time() > end:
            sys.exit("client: waited too long for " + name)
        time.sleep(0.05)
ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=20))
mark("hs")
wait("go1")
s.sendall(b"x\n")
got = b""
while not got.endswith(b"hi\n"):
    b = s.recv(100)
    if not b:
        break
    got += b
mark("reply")
wait("go2")
s.sendall(b"bye\n")
while s.recv(100):
    pass
mark("eof")
wait("go3")
s.close()
PY

# PROG writes its pid to a file, answers one line, closes its output after
# the next one and waits for its input to end
PROG='echo $$ > "$0"; read x; echo hi; read y; exec >&-; read z'
# opts: the relay's socket line, found from the program's parent
opts() {
  _pp=$(cat "$T/pp" 2>/dev/null)
  _relay=$(awk '/^PPid:/ {print $2}' "/proc/$_pp/status" 2>/dev/null)
  [ -n "$_relay" ] && python3 "$HELPERS/sockopts.py" "$_relay" 2>&1 | grep " $PORT 127"
}
# opts_now WANT: opts, asked again (bounded) until TCP_NODELAY is WANT, as
# the relay sets it just after its write may have reached the client
opts_now() {
  _i=0
  while _o=$(opts) && ! printf '%s' "$_o" | grep -q "nodelay=$1 " && [ $_i -lt 50 ]; do
    sleep 0.1; _i=$((_i + 1))
  done
  printf '%s\n' "$_o"
}
stage() { : > "$T/$1"; wait_exists "$T/$2" 100; }
LINE="^127\\.0\\.0\\.1 [0-9]+ 127\\.0\\.0\\.1 [0-9]+"

for mode in d D; do
  rm -f "$T"/hs "$T"/go? "$T"/reply "$T"/eof "$T"/pp
  start_server "$mode" "-$mode" $NODNS 127.0.0.1 0 sh -c "$PROG" "$T/pp"
  timeout 60 python3 "$T/client.py" "$PORT" "$T" 2>"$T/client.err" &
  cpid=$!
  wait_exists "$T/hs" 100; wait_file "$T/pp" 100
  like "$(opts)" "$LINE nodelay=1 " "-$mode: TCP_NODELAY on after the handshake, before any data"
  stage go1 reply
  if [ "$mode" = d ]; then want=0; else want=1; fi
  like "$(opts_now $want)" "$LINE nodelay=$want " "-$mode: after the first reply TCP_NODELAY is $want"
  stage go2 eof
  like "$(opts_now 1)" "$LINE nodelay=1 " "-$mode: TCP_NODELAY on again for close_notify"
  : > "$T/go3"
  wait "$cpid"; is "$?" 0 "-$mode: the client saw the reply and the end"
  stop_server
done

# during the handshake: a client that sends its ClientHello and then nothing
# (one that sends nothing waits in the listener, with no child to look at)
start_server h -d -T 5 $NODNS 127.0.0.1 0 cat
timeout -k 2 20 python3 "$HELPERS/tlsclient.py" 127.0.0.1 "$PORT" --mode stall --timeout 20 >/dev/null 2>&1 &
rawc=$!
_i=0; kid=""
while [ -z "$kid" ] && [ $_i -lt 100 ]; do
  kid=$(cat "/proc/$SPID/task/$SPID/children" 2>/dev/null | awk '{print $1}')
  [ -n "$kid" ] || sleep 0.1; _i=$((_i + 1))
done
like "$(python3 "$HELPERS/sockopts.py" "$kid" 2>&1 | grep " $PORT 127")" "$LINE nodelay=1 " \
  "-d: TCP_NODELAY on while the handshake waits"
stop_server
kill "$rawc" 2>/dev/null; wait "$rawc" 2>/dev/null
done_testing
