#!/usr/bin/env bash
# Installs what StrideGuard needs on a Debian 12 (bookworm) machine or Raspberry Pi OS.
#
#   scripts/setup.sh          build and run: C libraries for I2C, GPIO, systemd, SQLite
#   scripts/setup.sh --test   also what the tests need: the kernel VM test's QEMU,
#                             kernel image, headers and sources (for gpio-sim), tools
#
# Installs only what is missing, as root or through sudo. The Swift toolchain (6.1 or
# newer) is expected on PATH: Debian does not package it (see README, "Building").
set -euo pipefail

runtime=(libi2c-dev libgpiod-dev libsystemd-dev libsqlite3-dev pkg-config i2c-tools gpiod)
# Kernel VM test (shared/notes/kernel-sim.md): QEMU in software emulation boots Debian's
# kernel with i2c-stub and an out-of-tree gpio-sim built from linux-source.
vmtest=(qemu-system-x86 qemu-utils linux-image-amd64 linux-headers-amd64 linux-source
        busybox-static kmod cpio xz-utils make gcc python3-venv
        systemd    # systemd-analyze, for scripts/check-systemd.sh
        chromium   # headless, to load the HTML report in a test
        sqlite3 jq time)  # scripts/soak.sh and scripts/power-loss.sh read the run record and the summary

packages=("${runtime[@]}")
if [[ ${1:-} == --test ]]; then
    packages+=("${vmtest[@]}")
elif [[ -n ${1:-} ]]; then
    echo "setup.sh: unknown option '$1' (use --test or nothing)" >&2
    exit 2
fi

if ! command -v swift >/dev/null; then
    echo "setup.sh: no 'swift' on PATH: install the Swift 6.1+ toolchain for Debian 12 first (README, Building)" >&2
    exit 1
fi

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]} == 0)); then
    exit 0
fi

sudo=()
[[ $(id -u) -eq 0 ]] || sudo=(sudo)
echo "setup.sh: installing ${missing[*]}"
"${sudo[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
