# Idle and slow-drip clients for the wait-set tests (sourced after lib.sh
# and helpers/sslserver.sh, which set $T, $HELPERS, $PORT and track).

SLOW=$HELPERS/slowclients.py

# slow NAME ARGS...: slowclients.py in the background until $T/NAME.hold
slow() {
  _sn=$1; shift
  timeout 120 python3 "$SLOW" 127.0.0.1 "$PORT" --ready "$T/$_sn.ready" \
    --hold "$T/$_sn.hold" --timeout 100 "$@" > "$T/$_sn.out" 2>"$T/$_sn.err" &
  track $!
  eval "slow_$_sn=\$!"
  wait_exists "$T/$_sn.ready" 600
}
# unslow NAME: lets them go; their "open K closed C" is in $T/NAME.out
unslow() {
  touch "$T/$1.hold"
  eval "wait \$slow_$1"
}
