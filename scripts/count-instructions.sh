#!/bin/sh
# Instructions per sample of the stride core, counted by callgrind (docs/PERFORMANCE.md).
#
# Builds Benchmarks' CoreInstructions (release, DWARF 4 debug information: valgrind 3.19
# cannot read the DWARF 5 that Swift emits by default) in Benchmarks/.build-callgrind,
# runs each case (shank, sacrum, twoShanks, pipeline) for 60 s of the virtual runner's data
# after its 90 s warm-up, and counts only the instructions inside `measuredSeconds`.
# Prints one line per case, and with --annotate the functions that cost most (self cost:
# each function's own instructions, its callees not included).
#
# Usage: scripts/count-instructions.sh [--annotate] [--skip-build] [case ...]
#   KEEP=1  keep the callgrind output files (Benchmarks/.build-callgrind/callgrind.*)
set -eu

cd "$(dirname "$0")/.."
annotate=0
build=1
cases=""
while [ $# -gt 0 ]; do
    case "$1" in
        --annotate) annotate=1; shift ;;
        --skip-build) build=0; shift ;;
        shank|sacrum|twoShanks|pipeline) cases="$cases $1"; shift ;;
        *) echo "usage: $0 [--annotate] [--skip-build] [shank|sacrum|twoShanks|pipeline ...]" >&2; exit 64 ;;
    esac
done

if ! command -v valgrind >/dev/null 2>&1; then
    echo "$0: valgrind is not installed (Debian: sudo apt-get install valgrind)" >&2
    exit 69
fi

out=Benchmarks/.build-callgrind
if [ "$build" = 1 ]; then
    # Builds in a shared work tree wait for each other on this lock (two at once do not
    # fit two cores); flock only waits when another build holds it.
    (cd Benchmarks && flock /tmp/swift-build.lock swift build -c release --product CoreInstructions \
        --build-path .build-callgrind -Xswiftc -dwarf-version=4 -Xcc -gdwarf-4 >&2)
fi
bin="$out/release/CoreInstructions"
[ -x "$bin" ] || { echo "$0: $bin is missing; run without --skip-build" >&2; exit 66; }
[ -n "$cases" ] || cases=$("$bin" --list)

printf '%-10s %12s %10s %14s\n' case samples events instr/sample
for c in $cases; do
    file="$out/callgrind.$c"
    log="$out/callgrind.$c.log"
    if ! valgrind --tool=callgrind --toggle-collect='*measuredSeconds*' --callgrind-out-file="$file" \
        "$bin" "$c" >"$log.stdout" 2>"$log"; then
        echo "$0: callgrind failed on case $c (log: $log)" >&2
        cat "$log.stdout" "$log" >&2
        exit 1
    fi
    # "case shank: measured 48000 samples (...), events 412"
    samples=$(sed -n 's/^case [a-zA-Z]*: measured \([0-9]*\) samples.*/\1/p' "$log.stdout")
    events=$(sed -n 's/.*events \([0-9]*\)$/\1/p' "$log.stdout")
    ir=$(sed -n 's/.*Collected : \([0-9]*\).*/\1/p' "$log")
    if [ -z "$samples" ] || [ -z "$ir" ]; then
        echo "$0: could not read the counts for case $c (log: $log)" >&2
        exit 1
    fi
    if [ "$ir" = 0 ]; then
        # --toggle-collect matched nothing: measuredSeconds renamed or inlined away.
        echo "$0: callgrind collected no instructions inside measuredSeconds for case $c (log: $log)" >&2
        exit 1
    fi
    printf '%-10s %12s %10s %14s\n' "$c" "$samples" "$events" "$(awk -v i="$ir" -v s="$samples" 'BEGIN { printf "%.0f", i / s }')"
    if [ "$annotate" = 1 ]; then
        # Self costs, demangled, the fourteen largest (the totals line left out).
        callgrind_annotate --inclusive=no "$file" 2>/dev/null | swift demangle --simplified \
            | grep -E '^ *[0-9,]+ ' | grep -v 'PROGRAM TOTALS' | head -14
    fi
    [ "${KEEP:-0}" = 1 ] || rm -f "$file" "$log" "$log.stdout"
done
