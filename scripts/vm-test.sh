#!/usr/bin/env bash
# Kernel VM test: runs the Linux hardware layer (libi2c, libgpiod) against a real kernel's
# i2c-dev + i2c-stub and GPIO character device + gpio-sim, inside a virtme-ng VM under
# software emulation. See ../shared/notes/kernel-sim.md for why it is done this way.
#
# Installs nothing with apt. Needs (Debian): qemu-system-x86 qemu-utils linux-image-amd64
# linux-headers-amd64 linux-source busybox-static kmod cpio i2c-tools gpiod python3-venv,
# plus the build tools for kernel modules (gcc, make) and libi2c-dev libgpiod-dev.
# Creates the Python venv .venv-vm with virtme-ng from PyPI if it is missing.
#
# Environment: VM_TIMEOUT (seconds, default 600) bounds the VM run; KVER overrides the
# kernel version (default: the newest in /lib/modules that has a /boot/vmlinuz);
# LIBGPIOD2_SRC, a libgpiod 2.x source tree, also checks the C shim's libgpiod v2 path
# in the VM (vm/gpiod-v2-check/), which the Swift tests cannot while the system
# libgpiod is 1.x.
# Exit status: 0 when the guest printed "STRIDEGUARD-VM-TEST: PASS", non-zero otherwise.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
OUT=$ROOT/vm/out                      # git-ignored build folder
VM_TIMEOUT=${VM_TIMEOUT:-600}
STARTED=$(date +%s)
mkdir -p "$OUT"

say() { echo "[vm-test] $*"; }
die() { say "ERROR: $*"; exit 1; }
elapsed() { echo $(( $(date +%s) - ${1:-$STARTED} )); }

# --- kernel -----------------------------------------------------------------------
# Derive KVER: Debian bumps the ABI name (6.1.0-NN) with every kernel update.
if [[ -z ${KVER:-} ]]; then
    for candidate in $(ls /lib/modules 2>/dev/null | sort -rV); do
        if [[ -f /boot/vmlinuz-$candidate ]]; then KVER=$candidate; break; fi
    done
fi
[[ -n ${KVER:-} ]] || die "no kernel in /lib/modules with a /boot/vmlinuz (apt-get install linux-image-amd64)"
say "kernel $KVER"

# --- prerequisites (installed by the CI script, not here) -------------------------
missing=()
command -v qemu-system-x86_64 >/dev/null || missing+=(qemu-system-x86)
[[ -d /lib/modules/$KVER/build ]] || missing+=(linux-headers-amd64)
ls /usr/src/linux-source-*.tar.* >/dev/null 2>&1 || missing+=(linux-source)
command -v i2cset >/dev/null || missing+=(i2c-tools)
command -v gpiodetect >/dev/null || missing+=(gpiod)
command -v busybox >/dev/null || [[ -x /bin/busybox ]] || missing+=(busybox-static)
command -v modprobe >/dev/null || missing+=(kmod)
command -v cpio >/dev/null || missing+=(cpio)
command -v swift >/dev/null || die "no swift toolchain on PATH"
if [[ ${#missing[@]} -gt 0 ]]; then
    die "missing Debian packages: ${missing[*]} (apt-get install -y --no-install-recommends ${missing[*]})"
fi

# --- virtme-ng in its own venv ------------------------------------------------------
VENV=$ROOT/.venv-vm
# The virtme-ng release this test was written and checked against.
VIRTME_NG_VERSION=1.42
if [[ ! -x $VENV/bin/vng ]]; then
    say "creating $VENV with virtme-ng"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet "virtme-ng==$VIRTME_NG_VERSION"
fi
export PATH=$VENV/bin:$PATH
say "$(vng --version 2>&1 | head -1)"

# --- gpio-sim and irq_sim as out-of-tree modules -------------------------------------
MODULES=$OUT/modules-$KVER
step=$(date +%s)
"$ROOT/vm/build-modules.sh" "$KVER" "$MODULES"
say "modules ready ($(elapsed "$step") s)"

# --- the test bundle --------------------------------------------------------------
# Built under the shared lock (others build in this tree), then copied so that a
# concurrent build cannot swap the binary while the VM runs it.
step=$(date +%s)
flock /tmp/swift-build.lock swift build --build-tests
BIN_DIR=$(flock /tmp/swift-build.lock swift build --show-bin-path)
TEST_BUNDLE=$OUT/StrideGuardPackageTests.xctest
cp "$BIN_DIR/StrideGuardPackageTests.xctest" "$TEST_BUNDLE"
STRIDEGUARD_BINARY=$OUT/strideguard
cp "$BIN_DIR/strideguard" "$STRIDEGUARD_BINARY"
say "test bundle ready ($(elapsed "$step") s)"

# --- optional: the shim's libgpiod v2 path ----------------------------------------------
SHIM_V2_CHECK=
if [[ -n ${LIBGPIOD2_SRC:-} ]]; then
    "$ROOT/vm/gpiod-v2-check/build.sh" "$LIBGPIOD2_SRC" "$OUT/gpiod-v2"
    SHIM_V2_CHECK=$OUT/gpiod-v2/shim_v2_check
fi

# --- boot the VM --------------------------------------------------------------------
LOG=$OUT/vm-test.log
say "booting $KVER under TCG (timeout ${VM_TIMEOUT}s), guest output also in $LOG"
step=$(date +%s)
vm_status=0
# KVM guests hang at boot on these machines: always TCG (--disable-kvm).
timeout -k 15 "$VM_TIMEOUT" \
    vng --disable-kvm --memory 2G --cpus 2 -r "/boot/vmlinuz-$KVER" \
        --exec "STRIDEGUARD_BINARY=$STRIDEGUARD_BINARY bash $ROOT/vm/guest-test.sh $MODULES $TEST_BUNDLE $SHIM_V2_CHECK" \
    < /dev/null 2>&1 | tee "$LOG" || vm_status=$?
vm_seconds=$(elapsed "$step")
say "VM finished after ${vm_seconds} s (vng/timeout status $vm_status); whole test $(elapsed) s"

if grep -q '^STRIDEGUARD-VM-TEST: PASS' "$LOG"; then
    say "PASS"
    exit 0
elif grep -q '^STRIDEGUARD-VM-TEST: FAIL' "$LOG"; then
    say "FAIL: $(grep '^STRIDEGUARD-VM-TEST: FAIL' "$LOG")"
    exit 1
elif [[ $vm_status -eq 124 || $vm_status -eq 137 ]]; then
    die "the VM timed out after ${VM_TIMEOUT}s without a verdict"
else
    die "the VM gave no verdict (did it boot?); see $LOG"
fi
