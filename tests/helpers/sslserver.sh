# Shared helpers for the sslserver black-box tests; source after tests/lib.sh.
#   make_pki                    test PKI in $PKI, CERTFILE/KEYFILE exported (ECDSA)
#   start_server NAME ARGS...   runs `sslserver -1 ARGS...` in the background with
#                               $SRV_ENV (env(1) arguments: NAME=value, -u NAME)
#                               applied to its environment, in directory $SRV_DIR;
#                               sets SPID and PORT (empty if it did not start);
#                               stdout in $T/NAME.out, stderr in $T/NAME.log
#   stop_server [PID]           SIGTERM, bounded wait, then SIGKILL
#   tlsc ARGS...                tests/helpers/tlsclient.py under timeout
#   wait_grep FILE ERE [TENTHS] wait until a line of FILE matches (bounded)
#   wait_count DIR N [TENTHS]   wait until DIR holds at least N entries (bounded)
#   mkrules FILE.cdb            compiles tcprules text on stdin into FILE.cdb
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
  while [ ! -s "$T/$_name.out" ] && [ $_i -lt 150 ] && kill -0 "$SPID" 2>/dev/null; do
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

stop_server() {
  _p=${1:-$SPID}
  [ -n "$_p" ] || return 0
  kill "$_p" 2>/dev/null
  _i=0
  while kill -0 "$_p" 2>/dev/null && [ $_i -lt 50 ]; do sleep 0.1; _i=$((_i + 1)); done
  kill -9 "$_p" 2>/dev/null
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
