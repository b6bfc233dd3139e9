#!/usr/bin/env bash
# Runs every test: the unit and simulation tests (no root, no hardware), then the Linux
# hardware layer against a real kernel in a VM (scripts/vm-test.sh), then prints the
# swift test summary last.
set -euo pipefail
cd "$(dirname "$0")/.."

swift build --build-tests
# The VM test uses the test bundle just built.
bash scripts/vm-test.sh
swift test --skip-build
