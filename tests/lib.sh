# Shared helpers for shell tests: TAP output, a private temp dir, and
# processes that the test started, killed by PID at exit.
# Use: . "$(dirname "$0")/lib.sh"
set -u
BIN=${UCSPI_BIN:-$(cd "$(dirname "$0")/.." && pwd)/build/bin}
TOP=${UCSPI_TOP:-$(cd "$(dirname "$0")/.." && pwd)}
T=$(mktemp -d "${TMPDIR:-/tmp}/ucspi-tls-test.XXXXXX")
_pids=""
_n=0
_failed=0
# A tracked PID is signalled only while it is still our own child: a PID that
# ended long ago may have been reused by someone else's process.
ours() { [ "$(ps -o ppid= -p "$1" 2>/dev/null | tr -d ' ')" = "$$" ]; }
_cleanup() {
  for p in $_pids; do ours "$p" && kill "$p" 2>/dev/null; done
  for p in $_pids; do wait "$p" 2>/dev/null; done
  rm -rf "$T"
}
trap _cleanup EXIT
trap 'exit 1' INT TERM HUP

plan() { echo "1..$1"; }
ok() {  # ok COND-EXIT-STATUS NAME
  _n=$((_n + 1))
  if [ "$1" -eq 0 ]; then echo "ok $_n - $2"; else echo "not ok $_n - $2"; _failed=$((_failed + 1)); fi
}
pass() { ok 0 "$1"; }
fail() { ok 1 "$1"; }
is() {  # is GOT EXPECTED NAME
  if [ "$1" = "$2" ]; then ok 0 "$3"; else
    ok 1 "$3"; printf '# got:      %s\n# expected: %s\n' "$1" "$2" | sed 's/^/# /' ; fi
}
like() {  # like GOT EXTENDED-REGEX NAME
  if printf '%s\n' "$1" | grep -Eq -- "$2"; then ok 0 "$3"; else
    ok 1 "$3"; printf '%s\n' "$1" | head -5 | sed 's/^/#   got: /'; echo "#   want: /$2/"; fi
}
diag() { echo "# $*"; }
track() { _pids="$_pids $1"; }   # remember a PID to kill at exit
done_testing() { exit $((_failed > 0)); }

# wait_file FILE [TENTHS]: wait until FILE is non-empty (bounded).
wait_file() {
  _i=0; _max=${2:-100}
  while [ ! -s "$1" ] && [ $_i -lt "$_max" ]; do sleep 0.1; _i=$((_i + 1)); done
  [ -s "$1" ]
}
