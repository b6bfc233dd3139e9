#!/usr/bin/env bash
# Runs every test: the systemd unit check, the Linux hardware layer against a real kernel
# in a VM (scripts/vm-test.sh), then the unit, simulation and whole-daemon tests (no root,
# no hardware), whose summary is printed last.
set -euo pipefail
cd "$(dirname "$0")/.."

swift build --build-tests
# The systemd unit: verify prints nothing, exposure at most 2.0.
bash scripts/check-systemd.sh
# The VM test uses the test bundle just built.
bash scripts/vm-test.sh
swift test --skip-build
