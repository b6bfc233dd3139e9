#!/usr/bin/env bash
# Checks systemd/strideguard.service:
#   1. `systemd-analyze verify` must print nothing,
#   2. `systemd-analyze security --offline=yes` must rate it 2.0 or lower.
# Prints only the exposure figure on success (-v: also the settings that cost exposure).
# The unit is checked as `make install` writes it, installed with PREFIX in a temporary
# folder and a stand-in executable, so no build and no root are needed.
#
#   scripts/check-systemd.sh [-v]
set -euo pipefail

max_exposure=2.0
verbose=0
[[ ${1:-} == -v ]] && verbose=1

cd "$(dirname "$0")/.."

if ! command -v systemd-analyze >/dev/null; then
    if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
        echo "check-systemd: installing systemd for systemd-analyze" >&2
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends systemd >/dev/null
    else
        echo "check-systemd: systemd-analyze is missing (apt-get install systemd)" >&2
        exit 2
    fi
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/build"
printf '#!/bin/sh\nexit 0\n' > "$tmp/build/strideguard"
chmod 0755 "$tmp/build/strideguard"
if ! make -s install BINARY="$tmp/build/strideguard" DESTDIR= PREFIX="$tmp/usr" SYSCONFDIR="$tmp/etc" >"$tmp/install.log" 2>&1; then
    echo "check-systemd: make install into $tmp failed:" >&2
    cat "$tmp/install.log" >&2
    exit 1
fi
unit="$tmp/usr/lib/systemd/system/strideguard.service"

status=0
verify=$(SYSTEMD_LOG_COLOR=0 systemd-analyze verify "$unit" 2>&1) || true
if [[ -n $verify ]]; then
    echo "check-systemd: systemd-analyze verify is not silent:" >&2
    echo "$verify" >&2
    status=1
fi

security=$(SYSTEMD_LOG_COLOR=0 systemd-analyze security --offline=yes --no-pager "$unit" 2>&1) || true
figure=$(sed -n 's/.*Overall exposure level for strideguard.service: \([0-9.]*\).*/\1/p' <<<"$security")
if [[ -z $figure ]]; then
    echo "check-systemd: no exposure figure from systemd-analyze security:" >&2
    echo "$security" >&2
    exit 1
fi
if ((verbose)); then
    grep -v '^✓' <<<"$security" | sed '/Overall exposure/d'
fi
echo "strideguard.service: exposure $figure (systemd-analyze security --offline=yes; at most $max_exposure)"
if awk -v f="$figure" -v m="$max_exposure" 'BEGIN { exit !(f > m) }'; then
    echo "check-systemd: exposure $figure is above $max_exposure" >&2
    status=1
fi
exit $status
