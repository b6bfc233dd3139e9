#!/usr/bin/env bash
# Power-loss test: again and again, start the daemon recording (`strideguard simulate
# --realtime`, the release build), SIGKILL it at a random moment, and check that the run
# record it leaves opens (integrity check, `strideguard report`) and that its last stored
# data is within a second of the kill. Prints each run's loss and the worst.
#
# SIGKILL is the hard case a process can be given: nothing of the daemon runs after it,
# as after a power cut, except that the kernel still writes what SQLite had handed it (a
# real power cut also loses what was not fsynced: the record fsyncs every commit,
# RunStoreDurabilityTests cover the torn WAL).
#
# Usage: scripts/power-loss.sh [COUNT]   (default 30)
set -euo pipefail
cd "$(dirname "$0")/.."

COUNT=${1:-30}
SCENARIO=config/scenarios/steady-symmetric.yaml
BINARY=.build/release/strideguard
# The record commits every half second; what the kill can lose is that interval plus the
# age of the newest sample at the commit (a FIFO fill, 20 ms) and the commit itself. The
# run time at the kill is estimated from the live lines (one a second, time-stamped here),
# which adds a few ms. Issue 4 and 6 allow the last second: a loss above 1.0 s fails.
MAX_LOSS_SECONDS=1.0

for tool in sqlite3; do
    command -v "$tool" >/dev/null || { echo "power-loss: needs $tool (apt-get install sqlite3)" >&2; exit 2; }
done
# SKIP_BUILD=1 uses the release binary as it is (when it was just built).
if [ "${SKIP_BUILD:-0}" != 1 ]; then
    echo "power-loss: building release (swift build -c release)"
    flock /tmp/swift-build.lock swift build -c release --product strideguard >/dev/null
fi

WORK=$(mktemp -d /tmp/strideguard-power-loss.XXXXXX)
worst=0; worst_run=0; failures=0; total=0
fail() { echo "power-loss FAIL (run $i): $*" >&2; failures=$((failures + 1)); }

# Time-stamps each line it reads with the wall clock (s).
stamp() { while IFS= read -r line; do printf '%s %s\n' "$EPOCHREALTIME" "$line"; done; }

for i in $(seq 1 "$COUNT"); do
    dir="$WORK/run-$i"
    mkdir -p "$dir"
    "$BINARY" simulate --scenario "$SCENARIO" --realtime --run-dir "$dir/runs" > >(stamp > "$dir/stdout.txt") 2> "$dir/stderr.txt" &
    pid=$!
    # Wait for the first live line ("0:01 running ..."), at most 30 s.
    for _ in $(seq 300); do
        grep -qE '^[0-9.]+ [0-9]+:[0-9]{2} ' "$dir/stdout.txt" 2>/dev/null && break
        sleep 0.1
    done
    grep -qE '^[0-9.]+ [0-9]+:[0-9]{2} ' "$dir/stdout.txt" || { fail "no live line within 30 s"; kill -KILL "$pid" 2>/dev/null; continue; }
    # A random moment 2-15 s later.
    sleep "$((2 + RANDOM % 13)).$((RANDOM % 1000))"
    kill -KILL "$pid"
    killed_at=$EPOCHREALTIME
    wait "$pid" 2>/dev/null || true
    sleep 0.05  # the time-stamping reader drains the pipe
    # The run time at the kill: the last live line's M:SS plus the wall time since it came.
    at_kill=$(awk -v k="$killed_at" '$2 ~ /^[0-9]+:[0-9][0-9]$/ { split($2, c, ":"); t = c[1] * 60 + c[2]; w = $1 }
                                      END { printf "%.3f", t + (k - w) }' "$dir/stdout.txt")
    record=$(ls "$dir"/runs/*.sqlite 2>/dev/null | head -n 1)
    [ -n "$record" ] || { fail "no run record"; continue; }
    # Opens: SQLite's integrity check (it folds the WAL in) and the report command.
    [ "$(sqlite3 -batch -noheader "$record" 'PRAGMA integrity_check' 2>&1)" = ok ] || { fail "integrity_check failed on $record"; continue; }
    # `report` exits 3 when it made the report of a cut-off record: what a killed run leaves.
    report_status=0
    "$BINARY" report "$record" > "$dir/report.txt" 2>&1 || report_status=$?
    [ "$report_status" = 3 ] || { fail "strideguard report exited $report_status on $record (3 = cut-off record reported)"; continue; }
    [ "$(sqlite3 -batch -noheader "$record" 'SELECT complete FROM run')" = 0 ] || fail "a killed run is marked complete"
    recorded=$(sqlite3 -batch -noheader "$record" 'SELECT (last_data_ns - start_ns) / 1e9 FROM run')
    samples=$(sqlite3 -batch -noheader "$record" 'SELECT COALESCE(SUM(sample_count), 0) FROM sample_chunks')
    loss=$(awk -v a="$at_kill" -v r="$recorded" 'BEGIN { printf "%.3f", a - r }')
    printf 'run %2d: killed at %7.3f s of run, record holds data to %7.3f s (%d samples): lost %.3f s\n' \
        "$i" "$at_kill" "$recorded" "$samples" "$loss"
    [ "$samples" -gt 0 ] || fail "no samples recorded"
    awk -v l="$loss" -v m="$MAX_LOSS_SECONDS" 'BEGIN { exit !(l <= m) }' || fail "lost $loss s (more than $MAX_LOSS_SECONDS s)"
    awk -v l="$loss" 'BEGIN { exit !(l >= -0.1) }' || fail "the record holds data $loss s after the kill: the run-time estimate is wrong"
    if awk -v l="$loss" -v w="$worst" 'BEGIN { exit !(l > w) }'; then worst=$loss; worst_run=$i; fi
    total=$((total + 1))
done

echo "power-loss: $total of $COUNT killed runs checked; every record opened; worst loss $worst s (run $worst_run)"
if [ "$failures" -gt 0 ]; then
    echo "power-loss: $failures check(s) FAILED; records and logs in $WORK" >&2
    exit 1
fi
rm -rf "$WORK"
