#!/bin/sh
# Renders the report of a steady and a fatigue synthetic run in headless Chromium and
# keeps the screenshots in docs/ (docs/report-steady.png, docs/report-fatigue.png).
# Needs Debian's chromium package: apt-get install -y chromium
set -eu
cd "$(dirname "$0")/.."
out=$(mktemp -d)
STRIDEGUARD_REPORT_DOCS="$out" swift test --filter ReportChromiumTests
cp "$out/report-steady.png" "$out/report-fatigue.png" docs/
echo "docs/report-steady.png docs/report-fatigue.png (HTML pages in $out)"
