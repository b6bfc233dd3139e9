#!/usr/bin/env bash
# Runs INSIDE the VM that scripts/vm-test.sh boots (as root, host root filesystem shared
# read-only: scratch files go to /tmp). Sets up the kernel's simulated hardware and runs
# one check per function; prints exactly one final line
#     STRIDEGUARD-VM-TEST: PASS      or      STRIDEGUARD-VM-TEST: FAIL (<failed steps>)
# which the host script looks for (vng's exit status is not trusted).
#
# Usage: guest-test.sh MODULES_DIR TEST_BINARY [SHIM_V2_CHECK]
#   MODULES_DIR    folder with irq_sim_oot.ko and gpio-sim.ko (vm/build-modules.sh)
#   TEST_BINARY    the package's test bundle (StrideGuardPackageTests.xctest)
#   SHIM_V2_CHECK  optional: the shim built for libgpiod v2 (vm/gpiod-v2-check/build.sh)
#
# Adding a check: write a function `check_<name>` that returns 0 on success (it can use
# STRIDEGUARD_VM_I2C_BUS, STRIDEGUARD_VM_GPIOCHIP, STRIDEGUARD_VM_GPIOSIM_DIR set by the
# setup steps) and add it to STEPS at the bottom. Every step runs even if an earlier one
# failed, unless it is a setup step (setup_*), whose failure skips everything after it.
set -u
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin:$PATH

MODULES_DIR=${1:?usage: guest-test.sh MODULES_DIR TEST_BINARY}
TEST_BINARY=${2:?usage: guest-test.sh MODULES_DIR TEST_BINARY}
SHIM_V2_CHECK=${3:-}
STRIDEGUARD_BINARY=${STRIDEGUARD_BINARY:-}
SCRATCH=$(mktemp -d /tmp/strideguard-vm.XXXXXX)

# i2c-stub addresses: an ADXL345 at 0x53 (ALT ADDRESS low) and one at 0x1d (ALT ADDRESS
# high), ADXL345 datasheet "Serial Communications"; an LIS3DH at 0x18 (SA0 low) and an
# LSM6DSO at 0x6a (SA0 low); up to 10 addresses are allowed.
I2C_STUB_ADDRESSES=0x53,0x1d,0x18,0x6a
LIS3DH_ADDRESS=0x18
LSM6DSO_ADDRESS=0x6a
WHO_AM_I_REGISTER=0x0f               # LIS3DH and LSM6DSO datasheets: WHO_AM_I
LIS3DH_WHO_AM_I=0x33                 # LIS3DH datasheet, WHO_AM_I
LSM6DSO_WHO_AM_I=0x6c                # LSM6DSO datasheet, WHO_AM_I
ADXL345_ADDRESS=0x53
ADXL345_DEVID_REGISTER=0x00          # ADXL345 datasheet, register 0x00 DEVID
ADXL345_DEVID=0xe5                   # ADXL345 datasheet, DEVID reads 0xE5
GPIO_SIM_LINES=8                     # lines in the simulated bank (tests use 0...4)
GPIO_SIM_LABEL=strideguard-sim

log() { echo "[guest] $*"; }

# --- setup steps ----------------------------------------------------------------------

setup_i2c_stub() {
    modprobe i2c-dev || return 1
    modprobe i2c-stub chip_addr=$I2C_STUB_ADDRESSES || return 1
    local bus
    bus=$(i2cdetect -l | awk '/SMBus stub/ {sub("i2c-", "", $1); print $1; exit}')
    if [[ -z $bus ]]; then
        log "no SMBus stub adapter in: $(i2cdetect -l)"
        return 1
    fi
    # i2c-stub registers are plain memory: preload the ID register the driver probes.
    i2cset -y "$bus" $ADXL345_ADDRESS $ADXL345_DEVID_REGISTER $ADXL345_DEVID || return 1
    i2cset -y "$bus" $LIS3DH_ADDRESS $WHO_AM_I_REGISTER $LIS3DH_WHO_AM_I || return 1
    i2cset -y "$bus" $LSM6DSO_ADDRESS $WHO_AM_I_REGISTER $LSM6DSO_WHO_AM_I || return 1
    export STRIDEGUARD_VM_I2C_BUS=$bus
    log "i2c-stub on /dev/i2c-$bus at $I2C_STUB_ADDRESSES (functionality $(cat /sys/module/i2c_stub/parameters/functionality 2>/dev/null))"
}

setup_gpio_sim() {
    insmod "$MODULES_DIR/irq_sim_oot.ko" || return 1
    modprobe configfs || true        # built in on some kernels
    mountpoint -q /sys/kernel/config || mount -t configfs none /sys/kernel/config || return 1
    insmod "$MODULES_DIR/gpio-sim.ko" || return 1
    local sim=/sys/kernel/config/gpio-sim/strideguard
    mkdir -p "$sim/bank0" || return 1
    echo $GPIO_SIM_LINES > "$sim/bank0/num_lines"
    echo $GPIO_SIM_LABEL > "$sim/bank0/label"
    echo 1 > "$sim/live" || return 1
    local chip sysdir
    chip=$(cat "$sim/bank0/chip_name")
    sysdir=/sys/devices/platform/$(cat "$sim/dev_name")/$chip
    if [[ ! -c /dev/$chip || ! -d $sysdir ]]; then
        log "gpio-sim did not create /dev/$chip and $sysdir"
        return 1
    fi
    export STRIDEGUARD_VM_GPIOCHIP=/dev/$chip
    export STRIDEGUARD_VM_GPIOSIM_DIR=$sysdir
    log "gpio-sim: $STRIDEGUARD_VM_GPIOCHIP ($GPIO_SIM_LINES lines), sysfs $sysdir"
}

# --- checks ---------------------------------------------------------------------------

# The simulated hardware answers the standard tools (so a failure later is ours).
check_tools_see_hardware() {
    local id
    id=$(i2cget -y "$STRIDEGUARD_VM_I2C_BUS" $ADXL345_ADDRESS $ADXL345_DEVID_REGISTER) || return 1
    [[ $id == "$ADXL345_DEVID" ]] || { log "i2cget read $id, expected $ADXL345_DEVID"; return 1; }
    gpiodetect | grep -q "$GPIO_SIM_LABEL" || { log "gpiodetect: $(gpiodetect)"; return 1; }
}

# LinuxHardwareTests, with the VM-only suites enabled. Not in parallel: the suites share
# the stub's register memory (two of them write POWER_CTL at 0x53).
check_linuxhardware_tests() {
    local out=$SCRATCH/linuxhardware-tests.log
    (cd "$SCRATCH" && STRIDEGUARD_VM=1 NO_COLOR=1 "$TEST_BINARY" \
        --testing-library swift-testing --no-parallel --filter LinuxHardwareTests) > "$out" 2>&1
    local status=$?
    cat "$out"
    [[ $status -eq 0 ]] || { log "test binary exited $status"; return 1; }
    # The VM-only suites must really have run, not been skipped.
    local suite
    for suite in "LinuxI2CBus against i2c-stub (VM only)" "Linux GPIO lines against gpio-sim (VM only)" \
                 "Drivers against i2c-stub (VM only)"; do
        grep -q "Suite \"$suite\" passed" "$out" || { log "suite \"$suite\" did not pass"; return 1; }
    done
    ! grep -q "skipped" "$out" || { log "some tests were skipped"; return 1; }
}

# The C shim's libgpiod v2 path, when scripts/vm-test.sh built it (LIBGPIOD2_SRC).
check_shim_libgpiod_v2() {
    if [[ -z $SHIM_V2_CHECK ]]; then
        log "not built (set LIBGPIOD2_SRC for scripts/vm-test.sh): skipped"
        return 0
    fi
    "$SHIM_V2_CHECK"
}

# `strideguard probe` on the stub bus names the three chips and exits 0; on a bus with
# nothing it says so and exits 1.
check_strideguard_probe() {
    local out status
    out=$("$STRIDEGUARD_BINARY" probe --bus "/dev/i2c-$STRIDEGUARD_VM_I2C_BUS" 2>&1); status=$?
    echo "$out"
    [[ $status -eq 0 ]] || { log "probe exited $status"; return 1; }
    grep -q "0x53: ADXL345/ADXL375" <<<"$out" || { log "probe did not name the ADXL at 0x53"; return 1; }
    grep -q "0x18: LIS3DH" <<<"$out" || { log "probe did not name the LIS3DH at 0x18"; return 1; }
    grep -q "0x6a: LSM6DSO" <<<"$out" || { log "probe did not name the LSM6DSO at 0x6a"; return 1; }
    out=$("$STRIDEGUARD_BINARY" probe --bus /dev/i2c-99 2>&1); status=$?
    echo "$out"
    [[ $status -ne 0 ]] || { log "probe of a missing bus exited 0"; return 1; }
    grep -q "no such I2C bus" <<<"$out" || { log "probe of a missing bus did not say so"; return 1; }
}

# --- runner ---------------------------------------------------------------------------

STEPS=(
    setup_i2c_stub
    setup_gpio_sim
    check_tools_see_hardware
    check_linuxhardware_tests
    check_strideguard_probe
    check_shim_libgpiod_v2
)

FAILED=()
for step in "${STEPS[@]}"; do
    log "=== $step"
    start=$(date +%s)
    if "$step"; then
        log "--- $step: ok ($(( $(date +%s) - start )) s)"
    else
        log "--- $step: FAILED ($(( $(date +%s) - start )) s)"
        FAILED+=("$step")
        if [[ $step == setup_* ]]; then
            log "setup failed: skipping the remaining steps"
            break
        fi
    fi
done

if [[ ${#FAILED[@]} -eq 0 ]]; then
    echo "STRIDEGUARD-VM-TEST: PASS"
else
    echo "STRIDEGUARD-VM-TEST: FAIL (${FAILED[*]})"
fi
