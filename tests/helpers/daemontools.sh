# Helpers for the daemontools tests; source after lib.sh and sslserver.sh.
# Skips the test unless root with daemontools; puts $BIN first on PATH for
# the run scripts.
#   free_port                 a TCP port on 127.0.0.1 nobody listens on now
#   svc_env DIR NAME VALUE... writes DIR/env/NAME files (envdir)
#   svc_start DIR             supervise DIR and DIR/log, joined by a pipe as
#                             svscan joins them; both PIDs tracked
#   svc_pid DIR               the service's PID as svstat reports it
#   wait_up PORT / refused PORT / wait_down DIR   bounded waits and checks
#   wait_n FILE ERE N         until FILE has N lines matching ERE (bounded)
#   held_start NAME PORT      a TLS connection to PORT that waits for
#                             held_finish NAME to send its request; it writes
#                             "serial=HEX STATUS" to $T/NAME.out
#   serial                    the serial number of the certificate a new
#                             connection to $PORT gets ("serial=HEX")
#   hup N                     svc -h $S, then waits for the Nth reload line
#                             (either kind) in $LOG
#   svc_stop DIR              svc -dx for DIR and DIR/log, bounded, then
#                             the supervise PIDs killed if still ours
if [ "$(id -u)" != 0 ] || ! command -v supervise >/dev/null; then
  echo "1..0 # SKIP needs root and daemontools (supervise, svc, svstat, multilog)"
  exit 0
fi
PATH=$BIN:$PATH
export PATH

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

svc_env() {
  _d=$1; shift
  mkdir -p "$_d/env"
  while [ $# -ge 2 ]; do printf '%s\n' "$2" > "$_d/env/$1"; shift 2; done
}

serial() {
  timeout -k 2 20 openssl s_client -connect "127.0.0.1:$PORT" -CAfile "$PKI/ca.pem" </dev/null 2>/dev/null |
    openssl x509 -noout -serial 2>/dev/null
}

hup() {
  svc -h "$S"
  wait_n "$LOG" 'TLS settings reloaded|reload failed' "$1"
}

SVC_DIRS=""
svc_start() {
  mkfifo "$T/pipe.$$"
  supervise "$1/log" < "$T/pipe.$$" &
  SUP_LOG=$!
  track "$SUP_LOG"
  supervise "$1" > "$T/pipe.$$" &
  SUP=$!
  track "$SUP"
  SVC_DIRS="$SVC_DIRS $1"
}

svc_pid() { svstat "$1" | sed -n 's/.*: up (pid \([0-9]*\)).*/\1/p'; }

_connects() {
  python3 -c 'import socket, sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5).close()' \
    "$1" 2>/dev/null
}
wait_up() {
  _i=0
  while ! _connects "$1" && [ $_i -lt 100 ]; do sleep 0.1; _i=$((_i + 1)); done
  _connects "$1"
}
refused() { ! _connects "$1"; }
wait_down() { wait_grep_cmd "svstat $1" ': down '; }
wait_grep_cmd() {
  _i=0
  while ! $1 2>/dev/null | grep -q -- "$2" && [ $_i -lt 100 ]; do sleep 0.1; _i=$((_i + 1)); done
  $1 2>/dev/null | grep -q -- "$2"
}

wait_n() {
  _i=0
  while [ "$(count_lines "$1" "$2")" -lt "$3" ] && [ $_i -lt 100 ]; do sleep 0.1; _i=$((_i + 1)); done
}

held_start() {
  timeout -k 2 60 python3 -c '
import os, socket, ssl, sys, time
c = ssl.create_default_context(cafile=sys.argv[1])
s = c.wrap_socket(socket.create_connection(("127.0.0.1", int(sys.argv[2])), timeout=30),
                  server_hostname="localhost")
serial = s.getpeercert()["serialNumber"]
open(sys.argv[3] + ".ready", "w").close()
for _ in range(400):
    if os.path.exists(sys.argv[3] + ".go"): break
    time.sleep(0.1)
s.sendall(b"GET / HTTP/1.0\r\n\r\n")
got = b""
while True:
    b = s.recv(4096)
    if not b: break
    got += b
print("serial=" + serial, got.split(b" ")[1].decode() if got else "nothing")
' "$PKI/ca.pem" "$2" "$T/$1" > "$T/$1.out" 2>"$T/$1.err" &
  eval "HELD_$1=\$!"
  track "$!"
}

held_finish() {
  touch "$T/$1.go"
  eval "_p=\$HELD_$1"
  _i=0; while ours "$_p" && [ $_i -lt 100 ]; do sleep 0.1; _i=$((_i + 1)); done
}

svc_stop() {
  svc -dx "$1" "$1/log" 2>/dev/null
  for _p in $SUP $SUP_LOG; do
    _i=0
    while running "$_p" && [ $_i -lt 100 ]; do sleep 0.1; _i=$((_i + 1)); done
    signal_ours KILL "$_p"
  done
}

# at exit: nothing supervised left behind
_svc_cleanup() {
  for _d in $SVC_DIRS; do svc_stop "$_d"; done
  _safe_cleanup
}
trap _svc_cleanup EXIT
