#!/bin/sh
# Runs the daemon on the virtual runner for the steady and the left-fatigue scenarios,
# turns each run record into its HTML report and screenshots it with headless Chromium
# into docs/report-steady.png and docs/report-fatigue.png (the README shows them).
# Needs a debug build (swift build) and Debian's chromium package.
set -eu
cd "$(dirname "$0")/.."
sg=.build/debug/strideguard
out=$(mktemp -d)
for run in steady:steady-symmetric:3400 fatigue:fatigue-ramp-left:4600; do
    name=${run%%:*}; rest=${run#*:}; scenario=${rest%%:*}; height=${rest#*:}
    "$sg" simulate --scenario "config/scenarios/$scenario.yaml" --run-dir "$out/$name" --no-samples \
        --tag "scenario=$scenario" > "$out/$name.log"
    "$sg" report latest --dir "$out/$name" --html "$out/$name.html" --quiet
    chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size="1200,$height" \
        --screenshot="docs/report-$name.png" "file://$out/$name.html" 2>/dev/null
done
echo "docs/report-steady.png docs/report-fatigue.png (run records and pages in $out)"
