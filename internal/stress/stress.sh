#!/usr/bin/env bash
# `make stress`: the cmd/gssh and mux tests ROUNDS times in a row (default
# 10) with a CPU hog busy on one core beside them, the way a loaded
# two-core CI machine runs them. Prints one line per round and a tally;
# fails unless every round passed. Logs of failed rounds are kept in
# bin/stress/.
set -uo pipefail
rounds=${STRESS_ROUNDS:-10}
out=bin/stress
mkdir -p "$out"
rm -f "$out"/round-*.log

# The hog: one busy shell loop, ended on every exit path.
( while :; do :; done ) &
hog=$!
trap 'kill $hog 2>/dev/null' EXIT

passed=0
for i in $(seq "$rounds"); do
  start=$(date +%s)
  if go test -count=1 -p 1 ./cmd/gssh/ ./mux/ > "$out/round-$i.log" 2>&1; then
    passed=$((passed + 1))
    echo "round $i: ok ($(( $(date +%s) - start )) s)"
    rm -f "$out/round-$i.log"
  else
    echo "round $i: FAILED ($(( $(date +%s) - start )) s): $(grep -m3 -E '^(--- FAIL|FAIL|panic)' "$out/round-$i.log" | tr '\n' ' ')"
  fi
done
echo "stress: $passed of $rounds rounds passed with a CPU hog on one core"
[ "$passed" = "$rounds" ]
