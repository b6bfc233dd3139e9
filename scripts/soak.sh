#!/usr/bin/env bash
# Soak test: the daemon (release build) on the virtual runner for a long simulated run with
# random faults (sensor loss and return, FIFO overruns from acquisition stalls, bus error
# bursts, a full disk for a while) while SIGHUP reloads swap the configuration among good
# variants and a bad one. Then it checks, and exits non-zero on any failure:
#   - simulate exited 0 at the end of the scenario;
#   - every stride and gait event the daemon detected is in the run record, none dropped;
#   - the buzzer line is off at the end and was never on longer than the longest on-step
#     of the patterns in force;
#   - every injected fault shows in the record's faults;
#   - every bad reload was refused and every good one taken.
# It prints how long it took (wall time) and the peak RSS.
#
# Usage: scripts/soak.sh [MINUTES [SEED]]   (default 360 simulated minutes, a random seed)
#   MINUTES=20 is a quick version. A failure names the seed: run again with it to reproduce
#   the same fault schedule (the reload times are wall-clock random and are logged).
set -euo pipefail
cd "$(dirname "$0")/.."

MINUTES=${1:-360}
SEED=${2:-$(( (RANDOM << 15 | RANDOM) % 999999 + 1 ))}
SCENARIO=config/scenarios/long-symmetric-8h.yaml
BINARY=.build/release/strideguard
# A pulse may end up to one FIFO drain late in simulate (the buzzer is served between
# drains on the one thread), a few ms; the whole-daemon tests allow the same 10 ms.
PULSE_TOLERANCE_MS=10

for tool in sqlite3 jq /usr/bin/time; do
    command -v "$tool" >/dev/null || { echo "soak: needs $tool (apt-get install sqlite3 jq time)" >&2; exit 2; }
done

# SKIP_BUILD=1 uses the release binary as it is (when it was just built).
if [ "${SKIP_BUILD:-0}" != 1 ]; then
    echo "soak: building release (swift build -c release)"
    flock /tmp/swift-build.lock swift build -c release --product strideguard >/dev/null
fi

WORK=$(mktemp -d /tmp/strideguard-soak.XXXXXX)
echo "soak: $MINUTES simulated minutes of $SCENARIO, fault seed $SEED, work folder $WORK"

# Configuration variants: the commented default and two with other patterns (good), and one
# that fails validation (bad). Swapped in with mv, so the daemon never reads half a file.
cp config/strideguard.yaml "$WORK/good-0.yaml"
sed 's/sensor-fault: \[1500\]/sensor-fault: [900, 100, 900]/' config/strideguard.yaml > "$WORK/good-1.yaml"
sed 's/right: \[500, 200, 500\]/right: [600, 200, 600]/' config/strideguard.yaml > "$WORK/good-2.yaml"
sed 's/address: 0x53/address: 0x54/' config/strideguard.yaml > "$WORK/bad.yaml"
for variant in good-1 good-2 bad; do
    cmp -s "$WORK/$variant.yaml" config/strideguard.yaml && { echo "soak: $variant.yaml is unchanged; fix the sed" >&2; exit 2; }
done
cp "$WORK/good-0.yaml" "$WORK/strideguard.yaml"

start_wall=$(date +%s.%N)
/usr/bin/time -v -o "$WORK/time.txt" "$BINARY" simulate --scenario "$SCENARIO" --minutes "$MINUTES" \
    --config "$WORK/strideguard.yaml" --run-dir "$WORK/runs" --faults random --fault-seed "$SEED" --json \
    > "$WORK/summary.json" 2> "$WORK/stderr.txt" &
pid=$!

# SIGHUP at random times (0.5-3 s of wall time apart, a few simulated minutes at release
# speed) after swapping the file: the first two are one bad and one good (in random
# order), then about one in three is bad.
good_sent=0; bad_sent=0; sent=0; unanswered=0; at_exit=0
first_bad=$((RANDOM % 2))
: > "$WORK/reloads.txt"
sleep 1  # past start-up
while kill -0 "$pid" 2>/dev/null; do
    # The child of /usr/bin/time is the daemon.
    daemon=$(pgrep -P "$pid" -x strideguard || true)
    [ -n "$daemon" ] || break
    pick=$((RANDOM % 3))
    if [ "$sent" -lt 2 ]; then
        if [ "$sent" -eq "$first_bad" ]; then variant=bad; else variant=good-$((1 + RANDOM % 2)); fi
    elif [ $((RANDOM % 3)) -eq 0 ]; then variant=bad; else variant=good-$pick; fi
    sent=$((sent + 1))
    cp "$WORK/$variant.yaml" "$WORK/next.yaml" && mv "$WORK/next.yaml" "$WORK/strideguard.yaml"
    outcomes_before=$(grep -cE "configuration reloaded|configuration reload refused" "$WORK/stderr.txt" || true)
    kill -HUP "$daemon" 2>/dev/null || break
    if [ "$variant" = bad ]; then bad_sent=$((bad_sent + 1)); else good_sent=$((good_sent + 1)); fi
    echo "$(date +%T.%N | cut -c1-12) SIGHUP with $variant" >> "$WORK/reloads.txt"
    # Wait for its outcome in the log before the next swap: two SIGHUPs that arrive
    # before the daemon looks are one reload (signals coalesce), and the simulator's loop
    # can be held up to a second or so by the run record's writer (it waits for the
    # writer instead of dropping samples), so without waiting a reload could be missed.
    for _ in $(seq 100); do
        [ "$(grep -cE "configuration reloaded|configuration reload refused" "$WORK/stderr.txt" || true)" -gt "$outcomes_before" ] && break
        kill -0 "$daemon" 2>/dev/null || break
        sleep 0.1
    done
    if [ "$(grep -cE "configuration reloaded|configuration reload refused" "$WORK/stderr.txt" || true)" -le "$outcomes_before" ]; then
        if kill -0 "$daemon" 2>/dev/null; then
            unanswered=$((unanswered + 1))  # still running 10 s later and no outcome logged
        else
            at_exit=$((at_exit + 1))  # came as the run ended (after its loop): not handled, allowed once
        fi
    fi
    sleep "$((RANDOM % 3)).$((5 + RANDOM % 5))"
done
set +e
wait "$pid"
status=$?
set -e
end_wall=$(date +%s.%N)

failures=0
fail() { echo "soak FAIL: $*" >&2; failures=$((failures + 1)); }

[ "$status" -eq 0 ] || fail "simulate exited $status (stderr: $WORK/stderr.txt)"
jq -e .daemon "$WORK/summary.json" >/dev/null 2>&1 || { fail "no JSON summary in $WORK/summary.json"; exit 1; }
record=$(ls "$WORK"/runs/*.sqlite 2>/dev/null | head -n 1)
[ -n "$record" ] || { fail "no run record in $WORK/runs"; exit 1; }
q() { sqlite3 -batch -noheader "$record" "$1"; }
d() { jq -r ".daemon.$1" "$WORK/summary.json"; }

# The run record opens, is intact and was closed normally.
[ "$(q 'PRAGMA integrity_check')" = ok ] || fail "integrity_check of $record failed"
[ "$(q 'SELECT complete FROM run')" = 1 ] || fail "the run record is not marked complete (stop_reason $(q 'SELECT stop_reason FROM run'))"

# Every stride and event the daemon detected is in the record.
strides_detected=$(d stridesDetected); strides_recorded=$(q 'SELECT COUNT(*) FROM strides')
events_detected=$(d eventsDetected); events_recorded=$(q 'SELECT COUNT(*) FROM events')
[ "$strides_detected" -gt 0 ] || fail "no strides detected"
[ "$strides_recorded" = "$strides_detected" ] || fail "strides: detected $strides_detected, recorded $strides_recorded"
[ "$events_recorded" = "$events_detected" ] || fail "events: detected $events_detected, recorded $events_recorded"
[ "$(d recordDroppedRecords)" = 0 ] || fail "$(d recordDroppedRecords) records dropped on the way to the record"
[ "$(q 'SELECT dropped_records FROM run')" = 0 ] || fail "run.dropped_records is $(q 'SELECT dropped_records FROM run')"

# The buzzer: off at the end, never on longer than the longest on-step in force.
[ "$(d buzzerOnAtEnd)" = false ] || fail "the buzzer line was on at the end"
longest_on=$(d buzzerLongestOnMs); longest_step=$(d longestPatternOnMs)
awk -v on="$longest_on" -v step="$longest_step" -v tol="$PULSE_TOLERANCE_MS" 'BEGIN { exit !(on <= step + tol) }' \
    || fail "the buzzer was on for $longest_on ms in one go; the longest on-step is $longest_step ms"

# Every injected fault shows in the record's faults (times on the run clock, ns).
faults_injected=$(jq '.daemon.injectedFaults | length' "$WORK/summary.json")
[ "$faults_injected" -gt 0 ] || fail "no faults were injected"
second=1000000000
while IFS=$'\t' read -r kind applied ended address; do
    [ "$applied" != null ] || { fail "$kind at (never applied): the run ended first"; continue; }
    case "$kind" in
        sensor-loss)
            found=$(q "SELECT COUNT(*) FROM faults f JOIN sensors s ON s.id = f.sensor_id
                       WHERE f.kind = 'sensor-lost' AND s.address = $address
                       AND f.start_ns BETWEEN $applied AND $ended + 2 * $second") ;;
        stall)
            found=$(q "SELECT COUNT(*) FROM faults WHERE kind = 'fifo-overrun'
                       AND start_ns BETWEEN $applied AND $ended + $second") ;;
        bus-errors)
            found=$(q "SELECT COUNT(*) FROM faults WHERE kind = 'bus-error'
                       AND start_ns BETWEEN $applied AND $ended + $second") ;;
        disk-full)
            found=$(q "SELECT COUNT(*) FROM faults WHERE kind = 'disk-full'
                       AND start_ns <= $ended AND end_ns >= $applied") ;;
        *) found=0 ;;
    esac
    [ "$found" -gt 0 ] || fail "injected $kind at $applied ns (to $ended) has no matching fault in the record"
done < <(jq -r '.daemon.injectedFaults[] | [.kind, (.appliedAtNs // "null"), (.endedAtNs // "null"), (.address // 0)] | @tsv' "$WORK/summary.json")

# Reloads: every bad one refused, every good one taken. The last SIGHUP may have come after
# the run loop ended (the process exited without an outcome): that one is not counted.
applied=$(d reloadsApplied); refused=$(d reloadsRefused)
late=$at_exit
[ "$at_exit" -le 1 ] || fail "$at_exit SIGHUPs unanswered at the exit (at most the last one can be)"
refusal_lines=$(grep -c "configuration reload refused" "$WORK/stderr.txt" || true)
[ "$refusal_lines" = "$refused" ] || fail "$refused reloads refused but $refusal_lines refusal lines"
reload_lines=$(grep -c "configuration reloaded" "$WORK/stderr.txt" || true)
[ "$reload_lines" = "$applied" ] || fail "$applied reloads applied but $reload_lines reload lines"
[ "$unanswered" = 0 ] || fail "$unanswered SIGHUP(s) got no outcome within 10 s while the daemon ran"
missing=$(( good_sent - applied + bad_sent - refused ))
if [ "$applied" -gt "$good_sent" ] || [ "$refused" -gt "$bad_sent" ] || [ "$missing" -gt "$late" ] || [ "$missing" -lt 0 ]; then
    fail "reloads: sent $good_sent good and $bad_sent bad; applied $applied, refused $refused"
fi
[ "$bad_sent" -gt 0 ] && [ "$good_sent" -gt 0 ] || fail "the run was too short for both good and bad reloads ($good_sent good, $bad_sent bad)"

wall=$(awk -v a="$start_wall" -v b="$end_wall" 'BEGIN { printf "%.1f", b - a }')
rss_kb=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$WORK/time.txt")
per_kind=$(jq -r '[.daemon.injectedFaults[].kind] | group_by(.) | map("\(.[0]) \(length)") | join(", ")' "$WORK/summary.json")
echo "soak: $MINUTES simulated minutes in $wall s wall ($(jq -r '.speedFactor | floor' "$WORK/summary.json") x real time), peak RSS $((rss_kb / 1024)) MB"
echo "soak: seed $SEED, $faults_injected faults injected ($per_kind); the record's faults: $(q "SELECT group_concat(kind || ' ' || n, ', ') FROM (SELECT kind, COUNT(*) n FROM faults GROUP BY kind)")"
echo "soak: $strides_detected strides and $events_detected events detected, all in the record; disk-full pauses $(d recordDiskFullPauses)"
echo "soak: buzzer longest on $longest_on ms (longest on-step $longest_step ms), off at the end"
echo "soak: reloads sent $good_sent good / $bad_sent bad; applied $applied, refused $refused"
if [ "$failures" -gt 0 ]; then
    echo "soak: $failures check(s) FAILED; everything is in $WORK (reproduce the faults with seed $SEED)" >&2
    exit 1
fi
echo "soak: all checks passed"
rm -rf "$WORK"
