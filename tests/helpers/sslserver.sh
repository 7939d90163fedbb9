# Shared helpers for the sslserver black-box tests; source after tests/lib.sh.
#   make_pki                    test PKI in $PKI, CERTFILE/KEYFILE exported (ECDSA)
#   start_server NAME ARGS...   runs `sslserver -1 ARGS...` in the background with
#                               $SRV_ENV (env(1) arguments: NAME=value, -u NAME)
#                               applied to its environment, in directory $SRV_DIR;
#                               sets SPID and PORT (empty if it did not start);
#                               stdout in $T/NAME.out, stderr in $T/NAME.log
#   stop_server [PID]           SIGTERM, bounded wait, then SIGKILL (only if still ours)
#   ours/running/signal_ours    PID checks that are safe against PID reuse
#   tlsc ARGS...                tests/helpers/tlsclient.py under timeout
#   wait_grep FILE ERE [TENTHS] wait until a line of FILE matches (bounded)
#   wait_exists FILE [TENTHS]   wait until FILE exists (bounded)
#   wait_count DIR N [TENTHS]   wait until DIR holds at least N entries (bounded)
#   mkrules FILE.cdb            compiles tcprules text on stdin into FILE.cdb
# ours PID: is PID still a child of this test's shell? A PID that ended may be
# reused at once by anybody's process (pid_max is small, tests fork a lot), so
# nothing is signalled unless it is still ours.
ours() {
  [ -r "/proc/$1/stat" ] && [ "$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f2)" = "$$" ]
}
# signal_ours SIG PID: kill -SIG PID, only if PID is still ours
signal_ours() { ours "$2" && kill "-$1" "$2" 2>/dev/null; }

# Replaces lib.sh's exit trap with one that signals only processes still ours
# (lib.sh's kills every PID ever tracked, and those may have been reused).
_safe_cleanup() {
  for _p in $_pids; do signal_ours TERM "$_p"; done
  for _p in $_pids; do
    _i=0
    while ours "$_p" && ! grep -q '^State:.*Z' "/proc/$_p/status" 2>/dev/null && [ $_i -lt 50 ]; do
      sleep 0.1; _i=$((_i + 1))
    done
    signal_ours KILL "$_p"
  done
  rm -rf "$T"
}
trap _safe_cleanup EXIT

HELPERS=$TOP/tests/helpers
PROGS=$TOP/tests/progs
SSLSERVER=$BIN/sslserver
# Not to wait on a DNS server that is not there, tests pass -H -l NAME
# unless they test DNS; NODNS holds those options.
NODNS="-H -l localhost"

make_pki() {
  PKI=$T/pki
  [ -s "$PKI/ec.pem" ] || sh "$HELPERS/pki.sh" "$PKI" || { diag "pki.sh failed"; return 1; }
  CERTFILE=$PKI/ec.pem KEYFILE=$PKI/ec.key
  export CERTFILE KEYFILE
}

SRV_ENV=""
SRV_DIR=""
# keep file descriptors for the server besides 0, 1, 2 (e.g. "-k 3")
SRV_KEEP=""
start_server() {
  _name=$1; shift
  rm -f "$T/$_name.out" "$T/$_name.log"
  : > "$T/$_name.log"
  # shellcheck disable=SC2086
  ( if [ -n "$SRV_DIR" ]; then cd "$SRV_DIR" || exit 111; fi
    exec env $SRV_ENV python3 "$HELPERS/closefds.py" $SRV_KEEP "$SSLSERVER" -1 "$@" \
    ) >"$T/$_name.out" 2>"$T/$_name.log" &
  SPID=$!
  track "$SPID"
  _i=0
  while [ ! -s "$T/$_name.out" ] && [ $_i -lt 150 ] && running "$SPID"; do
    sleep 0.1; _i=$((_i + 1))
  done
  SRV_ENV="" SRV_DIR="" SRV_KEEP=""   # they apply to one start only
  PORT=$(head -n 1 "$T/$_name.out" 2>/dev/null)
  case $PORT in
    ''|*[!0-9]*)
      diag "sslserver $* did not start (port '$PORT'); its stderr:"
      sed 's/^/#   /' "$T/$_name.log"
      PORT="" ;;
  esac
}

# running PID: PID is ours and not a zombie
running() { ours "$1" && ! grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null; }

stop_server() {
  _p=${1:-$SPID}
  [ -n "$_p" ] || return 0
  signal_ours TERM "$_p"
  _i=0
  while running "$_p" && [ $_i -lt 50 ]; do sleep 0.1; _i=$((_i + 1)); done
  signal_ours KILL "$_p"
  wait "$_p" 2>/dev/null
  return 0
}

tlsc() { timeout -k 2 30 python3 "$HELPERS/tlsclient.py" "$@"; }

wait_grep() {
  _i=0; _max=${3:-100}
  while ! grep -Eq -- "$2" "$1" 2>/dev/null && [ $_i -lt "$_max" ]; do
    sleep 0.1; _i=$((_i + 1))
  done
  grep -Eq -- "$2" "$1" 2>/dev/null
}

# wait_exists FILE [TENTHS]: wait until FILE exists, even empty (bounded)
wait_exists() {
  _i=0; _max=${2:-100}
  while [ ! -e "$1" ] && [ $_i -lt "$_max" ]; do sleep 0.1; _i=$((_i + 1)); done
  [ -e "$1" ]
}

count_entries() { find "$1" -mindepth 1 -maxdepth 1 | wc -l | tr -d ' '; }

wait_count() {
  _i=0; _max=${3:-100}
  while [ "$(count_entries "$1")" -lt "$2" ] && [ $_i -lt "$_max" ]; do
    sleep 0.1; _i=$((_i + 1))
  done
  [ "$(count_entries "$1")" -ge "$2" ]
}

# lines of FILE matching ERE
count_lines() { grep -Ec -- "$2" "$1" 2>/dev/null || true; }

TCPRULES=$BIN/tcprules
[ -x "$TCPRULES" ] || TCPRULES=$TOP/.deps/ucspi-tcp-ipv6/usr/bin/tcprules
mkrules() {
  "$TCPRULES" "$1" "$1.tmp"
}

# prints the value of NAME in an env.sh listing FILE, or "<unset>"
envval() {
  if grep -q "^$2=" "$1"; then sed -n "s/^$2=//p" "$1" | head -n 1; else echo "<unset>"; fi
}

# the pids a -v log names in "pid N from" lines
log_pids() { sed -n 's/^sslserver: pid \([0-9][0-9]*\) from .*/\1/p' "$1"; }
