#!/bin/sh
# Whole-process figures of the daemon on the virtual runner (docs/PERFORMANCE.md):
#   1. `simulate` throughput in multiples of real time (release build), with and without
#      raw samples in the run record;
#   2. a long simulated run (default 6 hours, an ultramarathon): resident memory sampled
#      at every live line (one per simulated minute), its peak, and its slope after warm-up
#      (least squares over the samples after the first 30 simulated minutes);
#   2b. the same for the daemon alone, without `simulate`'s list of every detected event
#      (kept there to score the run): the DaemonSteadyState benchmark's RSS mode;
#   3. CPU share of `simulate --realtime` (two ADXL375 shanks at 800 Hz, the README's
#      wiring), with and without raw samples: user+system CPU seconds of all threads per
#      wall second from /proc/PID/stat, from 20 s after start to 10 s before the end.
#
# Usage: scripts/measure-daemon.sh [--hours H] [--realtime-minutes M] [--skip-build]
#   STRIDEGUARD_BIN=path  use this binary instead of building .build/release/strideguard
#   DAEMON_STEADY_STATE_BIN=path  the same for Benchmarks/.build/release/DaemonSteadyState
#   KEEP=1                keep the work folder (RSS samples as rss.tsv, run records)
# The benchmarks (per-sample cost, allocations, latency) are in Benchmarks/: `make bench`.
set -eu

cd "$(dirname "$0")/.."
hours=6
realtime_minutes=3
build=1
while [ $# -gt 0 ]; do
    case "$1" in
        --hours) hours="$2"; shift 2 ;;
        --realtime-minutes) realtime_minutes="$2"; shift 2 ;;
        --skip-build) build=0; shift ;;
        *) echo "usage: $0 [--hours H] [--realtime-minutes M] [--skip-build]" >&2; exit 64 ;;
    esac
done

bin="${STRIDEGUARD_BIN:-.build/release/strideguard}"
daemon_alone="${DAEMON_STEADY_STATE_BIN:-Benchmarks/.build/release/DaemonSteadyState}"
if [ "$build" = 1 ]; then
    # Shared work trees serialise builds on this lock (see the README's helpers' rules).
    [ -n "${STRIDEGUARD_BIN:-}" ] || flock /tmp/swift-build.lock swift build -c release --product strideguard >&2
    [ -n "${DAEMON_STEADY_STATE_BIN:-}" ] || (cd Benchmarks && flock /tmp/swift-build.lock swift build -c release --product DaemonSteadyState >&2)
fi
[ -x "$bin" ] || { echo "measure-daemon: no $bin (build it, or set STRIDEGUARD_BIN)" >&2; exit 66; }
[ -x "$daemon_alone" ] || { echo "measure-daemon: no $daemon_alone (build it, or set DAEMON_STEADY_STATE_BIN)" >&2; exit 66; }

work=$(mktemp -d /tmp/strideguard-measure.XXXXXX)
if [ "${KEEP:-0}" = 1 ]; then echo "work folder: $work"; else trap 'rm -rf "$work"' EXIT; fi
ticks=$(getconf CLK_TCK)

echo "machine: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) CPUs, $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)"
echo "binary: $bin ($(git rev-parse --short HEAD 2>/dev/null || echo '?')$(git diff --quiet 2>/dev/null || echo ', uncommitted changes'))"

# 1. Throughput: the whole fatigue-ramp scenario (35 simulated minutes), as fast as possible.
for samples in with without; do
    flag=""; [ "$samples" = without ] && flag="--no-samples"
    line=$("$bin" simulate --scenario config/scenarios/fatigue-ramp-left.yaml --run-dir "$work/throughput-$samples" $flag \
        2>/dev/null | grep '^simulated ')
    echo "throughput ($samples raw samples): $line"
done

# 2. The long run. A wrapper shell records its PID and execs the daemon, so /usr/bin/time
#    reports the daemon's own peak RSS and /proc/PID is the daemon's.
minutes=$(awk -v h="$hours" 'BEGIN { print h * 60 }')
mkfifo "$work/live"
/usr/bin/time -f '%M %e %U %S' -o "$work/long.time" \
    sh -c 'echo $$ > "$1"; shift; exec "$@"' sh "$work/long.pid" \
    "$bin" simulate --scenario config/scenarios/long-symmetric-8h.yaml --minutes "$minutes" \
    --run-dir "$work/long" --status-every 60 > "$work/live" &
waiter=$!
: > "$work/rss.tsv"
pid=""
while IFS= read -r line; do
    [ -n "$pid" ] || pid=$(cat "$work/long.pid")
    case "$line" in
        [0-9]*:[0-9][0-9]\ *)
            clock=${line%% *}
            seconds=$(( ${clock%%:*} * 60 + ${clock##*:} ))
            rss=$(awk '/^VmRSS/ { print $2 }' "/proc/$pid/status" 2>/dev/null || true)
            [ -n "$rss" ] && printf '%s\t%s\n' "$seconds" "$rss" >> "$work/rss.tsv" ;;
        simulated\ *) echo "long run: $line" ;;
    esac
done < "$work/live"
wait "$waiter"
read -r peak_kb wall user sys < "$work/long.time"
echo "long run: ${hours} simulated hours, peak RSS $(awk -v k="$peak_kb" 'BEGIN { printf "%.1f MB", k / 1024 }'), CPU ${user} s user + ${sys} s system in ${wall} s"
echo "long run: run record $(du -m "$work"/long/*.sqlite | awk '{ s += $1 } END { print s }') MB"
# RSS samples (simulated s, kB) after 30 simulated minutes: first, last, range, least-squares slope.
rss_slope() {
awk -F '\t' -v who="$1" '
    $1 >= 1800 { n++; sx += $1; sy += $2; sxx += $1 * $1; sxy += $1 * $2
                 if (n == 1) { first_t = $1; first = $2 } last_t = $1; last = $2
                 if ($2 > max) max = $2; if (min == "" || $2 < min) min = $2 }
    END {
        if (n < 3) { print who ": too few RSS samples after warm-up"; exit }
        slope = (n * sxy - sx * sy) / (n * sxx - sx * sx)   # kB per simulated second
        printf "%s: RSS after 30 min warm-up: %d samples, %.1f MB at %d min, %.1f MB at %d min, range %.1f-%.1f MB\n",
            who, n, first / 1024, first_t / 60, last / 1024, last_t / 60, min / 1024, max / 1024
        printf "%s: RSS slope after warm-up %.1f kB per simulated hour (least squares)\n", who, slope * 3600
    }' "$2"
}
rss_slope "long run" "$work/rss.tsv"

# 2b. The daemon alone, same scenario and length, raw samples recorded.
DAEMON_STEADY_STATE_RSS_HOURS="$hours" /usr/bin/time -f '%M' -o "$work/alone.time" "$daemon_alone" > "$work/alone.tsv"
echo "daemon alone: ${hours} simulated hours, peak RSS $(awk '{ printf "%.1f MB", $1 / 1024 }' "$work/alone.time")"
rss_slope "daemon alone" "$work/alone.tsv"

# 3. CPU share at real time: what the daemon (and here also the simulated chips and the
#    virtual runner it reads) costs when it keeps to the wall clock, as on the board.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
for samples in with without; do
    flag=""; [ "$samples" = without ] && flag="--no-samples"
    "$bin" simulate --scenario config/scenarios/steady-symmetric.yaml --realtime --minutes "$realtime_minutes" \
        --run-dir "$work/realtime-$samples" --status-every 60 $flag > /dev/null 2>&1 &
    rt=$!
    sleep 20
    t0=$(cut -d' ' -f1 /proc/uptime); c0=$(cpu_ticks "$rt")
    sleep $(( realtime_minutes * 60 - 30 ))
    t1=$(cut -d' ' -f1 /proc/uptime); c1=$(cpu_ticks "$rt")
    wait "$rt"
    awk -v c0="$c0" -v c1="$c1" -v t0="$t0" -v t1="$t1" -v hz="$ticks" -v s="$samples" 'BEGIN {
        printf "realtime (%s raw samples): %.2f CPU s in %.1f wall s = %.2f %% of one core (user+system, all threads)\n",
            s, (c1 - c0) / hz, t1 - t0, 100 * (c1 - c0) / hz / (t1 - t0) }'
done
