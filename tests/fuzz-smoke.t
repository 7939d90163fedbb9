#!/bin/sh
# The libFuzzer targets (make fuzz), briefly: each runs every input of its
# seed corpus tests/fuzz/corpus/NAME (the findings' inputs among them, as
# regression cases) and then fuzzes for FUZZ_SMOKE_SECONDS (default 2) in a
# temp corpus. The targets are built by `make check` (FUZZ_BIN: where).
. "$(dirname "$0")/lib.sh"
FUZZ_BIN=${FUZZ_BIN:-$TOP/build/fuzz}
secs=${FUZZ_SMOKE_SECONDS:-2}
targets=$(cd "$TOP/tests/fuzz" && ls ./*.c | sed 's|^\./||; s|\.c$||')
n=0
for t in $targets; do n=$((n + 1)); done
plan $((n * 2))
for t in $targets; do
  if [ ! -x "$FUZZ_BIN/$t" ]; then
    fail "$t: built (make $FUZZ_BIN/$t)"
    fail "$t: fuzzed"
    continue
  fi
  seeds=$TOP/tests/fuzz/corpus/$t
  [ -d "$seeds" ] || seeds=
  mkdir -p "$T/$t" "$T/$t.art"
  # the seeds alone: -runs=0 runs each input once and fuzzes nothing
  if [ -n "$seeds" ]; then
    (cd "$T/$t.art" && timeout -k 5 60 "$FUZZ_BIN/$t" -runs=0 "$seeds") > "$T/$t.seeds" 2>&1
    st=$?
  else
    st=0
  fi
  ok $st "$t: every seed input passes ($(ls "$seeds" 2>/dev/null | wc -l | tr -d ' ') files)"
  [ $st -eq 0 ] || grep -E 'ERROR|SUMMARY' "$T/$t.seeds" | head -n 3 | sed 's/^/# /'
  (cd "$T/$t.art" && timeout -k 5 60 "$FUZZ_BIN/$t" -max_total_time="$secs" -timeout=25 \
    -artifact_prefix="$T/$t.art/" "$T/$t" ${seeds:+$seeds}) > "$T/$t.log" 2>&1
  st=$?
  ok $st "$t: fuzzed ${secs}s, $(sed -n 's/^Done \([0-9]*\) runs.*/\1/p' "$T/$t.log") runs, no crash"
  [ $st -eq 0 ] || grep -E 'ERROR|SUMMARY' "$T/$t.log" | head -n 3 | sed 's/^/# /'
done
done_testing
