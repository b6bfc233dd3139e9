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
ADXL345_ALT_ADDRESS=0x1d             # ADXL345 datasheet, "Serial Communications": ALT ADDRESS high
ADXL345_DEVID_REGISTER=0x00          # ADXL345 datasheet, register 0x00 DEVID
ADXL345_DEVID=0xe5                   # ADXL345 datasheet, DEVID reads 0xE5
# ADXL345 datasheet, Table 19 (register map) and the register definitions after it.
ADXL345_BW_RATE=0x2c
ADXL345_POWER_CTL=0x2d
ADXL345_INT_SOURCE=0x30
ADXL345_DATA_FORMAT=0x31
ADXL345_FIFO_CTL=0x38
ADXL345_FIFO_STATUS=0x39
ADXL345_RATE_800HZ=0x0d              # Table 7: rate code 1101 = 800 Hz
ADXL345_FORMAT_16G_FULL_RES=0x0b     # DATA_FORMAT: FULL_RES (bit 3) | range 11 = ±16 g
ADXL345_FIFO_STREAM_16=0x90          # FIFO_CTL: FIFO_MODE 10 = stream (bits 7:6) | samples 16
ADXL345_POWER_MEASURE=0x08           # POWER_CTL: Measure (bit 3)
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
    i2cset -y "$bus" $ADXL345_ALT_ADDRESS $ADXL345_DEVID_REGISTER $ADXL345_DEVID || return 1
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

# `strideguard run` against the stub and gpio-sim: two ADXL345s (the validator wants both
# shanks) with the self-test off (the stub's registers are static memory, so the output
# never changes under the self-test force), the left one on a gpio-sim interrupt line
# (which never fires: the stall guard drains it), the right one polled, the buzzer on
# another gpio-sim line with one long sensors-up pulse. Checks: the chips are configured,
# the buzzer line goes high during the pulse and low after it, SIGTERM ends the daemon with
# status 0 within RUN_STOP_TIMEOUT_S, the line is low afterwards and a run record exists.
# The stub's FIFO_STATUS holds 0, so every drain finds an empty FIFO: the daemon must
# neither die nor spin (its CPU share over the run is checked).
RUN_INTERRUPT_LINE=1                 # gpio-sim line of the left sensor's INT1
RUN_BUZZER_LINE=3                    # gpio-sim line of the buzzer
RUN_SENSORS_UP_MS=3000               # one long sensors-up pulse, easy to see by polling
RUN_BUZZER_WAIT_S=30                 # how long to wait for the pulse to start: starting the
                                     # binary under TCG alone takes 6-10 s
RUN_POLL_S=0.05                      # buzzer value polling period, s
RUN_STOP_TIMEOUT_S=5                 # SIGTERM to exit (the daemon issue asks for 2 s on the board)
RUN_CPU_SAMPLE_S=3                   # steady-state CPU share measured over this long, s
RUN_MAX_CPU_PERCENT=80               # above this in steady state, the daemon spins on the empty FIFO
RUN_RTPRIO_LIMIT=50                  # systemd/strideguard.service: LimitRTPRIO=50

now_ns() { date +%s%N; }

check_strideguard_run() {
    local bus=$STRIDEGUARD_VM_I2C_BUS dir=$SCRATCH/run
    local config=$SCRATCH/run/strideguard.yaml log=$SCRATCH/run/strideguard.log rundir=$SCRATCH/run/records
    local buzzer_value=$STRIDEGUARD_VM_GPIOSIM_DIR/sim_gpio$RUN_BUZZER_LINE/value
    local ok=0 address register entry name expected value
    mkdir -p "$rundir" || return 1
    # Clear what earlier steps left in the stub, so a value seen later is the daemon's;
    # FIFO_STATUS and INT_SOURCE 0: an empty FIFO, no overrun.
    for address in $ADXL345_ADDRESS $ADXL345_ALT_ADDRESS; do
        for register in $ADXL345_BW_RATE $ADXL345_POWER_CTL $ADXL345_INT_SOURCE $ADXL345_DATA_FORMAT \
                        $ADXL345_FIFO_CTL $ADXL345_FIFO_STATUS; do
            i2cset -y "$bus" "$address" "$register" 0 || return 1
        done
    done
    {
        echo "sensors:"
        echo "  left:"
        echo "    placement: left-shank"
        echo "    chip: adxl345"
        echo "    bus: /dev/i2c-$bus"
        echo "    address: $ADXL345_ADDRESS"
        echo "    data_rate_hz: 800"
        echo "    range_g: 16"
        echo "    fifo_watermark: 16"
        echo "    self_test: false"
        echo "    interrupt:"
        echo "      chip: $STRIDEGUARD_VM_GPIOCHIP"
        echo "      line: $RUN_INTERRUPT_LINE"
        echo "      pin: int1"
        echo "  right:"
        echo "    placement: right-shank"
        echo "    chip: adxl345"
        echo "    bus: /dev/i2c-$bus"
        echo "    address: $ADXL345_ALT_ADDRESS"
        echo "    data_rate_hz: 800"
        echo "    range_g: 16"
        echo "    fifo_watermark: 16"
        echo "    self_test: false"
        echo "buzzer:"
        echo "  chip: $STRIDEGUARD_VM_GPIOCHIP"
        echo "  line: $RUN_BUZZER_LINE"
        echo "  active: high"
        echo "patterns:"
        echo "  sensors-up: [$RUN_SENSORS_UP_MS]"
        echo "run_directory: $rundir"
        echo "log_level: debug"
    } > "$config"
    "$STRIDEGUARD_BINARY" check-config "$config" || { log "check-config refused $config"; cat "$config"; return 1; }

    local t0 t_high= t_low= t_term t_exit= pid status deadline
    t0=$(now_ns)
    # As the unit runs it: no capabilities (CapabilityBoundingSet=), LimitRTPRIO=50. Root
    # still, for the device nodes. Memory locking is not permitted (RLIMIT_MEMLOCK 0, the
    # unit allows 64M): mlockall() of the binary and the Swift libraries, paged in over 9p
    # under TCG, takes about 16 s here (strace -T; 40 ms on the host) and SIGTERM is not
    # acted on until start() returns. Refused, the daemon logs it and carries on.
    ( ulimit -l 0 && { ulimit -r $RUN_RTPRIO_LIMIT || true; } &&
      exec setpriv --bounding-set -all --inh-caps -all \
          "$STRIDEGUARD_BINARY" run --config "$config" --tag vm=guest-test ) > "$log" 2>&1 &
    pid=$!
    # The sensors-up pulse on the buzzer line.
    deadline=$(( t0 + RUN_BUZZER_WAIT_S * 1000000000 ))
    while (( $(now_ns) < deadline )); do
        if [[ $(cat "$buzzer_value") == 1 ]]; then t_high=$(now_ns); break; fi
        kill -0 "$pid" 2>/dev/null || break
        sleep $RUN_POLL_S
    done
    if [[ -n $t_high ]]; then
        log "buzzer line $RUN_BUZZER_LINE high $(( (t_high - t0) / 1000000 )) ms after the start"
    else
        log "buzzer line $RUN_BUZZER_LINE did not go high within ${RUN_BUZZER_WAIT_S} s"; ok=1
    fi
    # The pulse ends: the line low again before SIGTERM.
    if [[ -n $t_high ]]; then
        deadline=$(( t_high + (RUN_SENSORS_UP_MS + 2000) * 1000000 ))
        while (( $(now_ns) < deadline )); do
            if [[ $(cat "$buzzer_value") == 0 ]]; then t_low=$(now_ns); break; fi
            sleep $RUN_POLL_S
        done
        if [[ -n $t_low ]]; then
            log "buzzer line low again $(( (t_low - t_high) / 1000000 )) ms later (pattern: ${RUN_SENSORS_UP_MS} ms on; seen by polling)"
        else
            log "buzzer line still high $(( RUN_SENSORS_UP_MS + 2000 )) ms after the pulse began"; ok=1
        fi
    fi
    # The chips as configured (read while the daemon runs: it puts them in standby at exit).
    for address in $ADXL345_ADDRESS $ADXL345_ALT_ADDRESS; do
        for entry in BW_RATE:$ADXL345_BW_RATE:$ADXL345_RATE_800HZ \
                     DATA_FORMAT:$ADXL345_DATA_FORMAT:$ADXL345_FORMAT_16G_FULL_RES \
                     FIFO_CTL:$ADXL345_FIFO_CTL:$ADXL345_FIFO_STREAM_16; do
            IFS=: read -r name register expected <<<"$entry"
            value=$(i2cget -y "$bus" "$address" "$register") || { ok=1; continue; }
            if [[ $value == "$expected" ]]; then
                log "$address $name = $value"
            else
                log "$address $name = $value, expected $expected"; ok=1
            fi
        done
        value=$(i2cget -y "$bus" "$address" $ADXL345_POWER_CTL) || { ok=1; continue; }
        if (( value & ADXL345_POWER_MEASURE )); then
            log "$address POWER_CTL = $value (measuring)"
        else
            log "$address POWER_CTL = $value: the measure bit is not set"; ok=1
        fi
    done
    # Alive, and not spinning on the empty FIFO.
    if ! kill -0 "$pid" 2>/dev/null; then
        wait "$pid"; status=$?
        log "the daemon ended before SIGTERM (status $status); its log:"; cat "$log"; return 1
    fi
    local ticks0 ticks1 t_a t_b hz cpu_ms wall_ms
    hz=$(getconf CLK_TCK)
    ticks0=$(awk '{print $14 + $15}' "/proc/$pid/stat"); t_a=$(now_ns)
    log "daemon CPU time since the start: $(( ticks0 * 1000 / hz )) ms in $(( (t_a - t0) / 1000000 )) ms (most of it loading the binary)"
    sleep $RUN_CPU_SAMPLE_S
    ticks1=$(awk '{print $14 + $15}' "/proc/$pid/stat"); t_b=$(now_ns)
    cpu_ms=$(( (ticks1 - ticks0) * 1000 / hz )); wall_ms=$(( (t_b - t_a) / 1000000 ))
    log "steady state, draining empty FIFOs: CPU ${cpu_ms} ms in ${wall_ms} ms ($(( cpu_ms * 100 / wall_ms )) % of one CPU)"
    if (( cpu_ms * 100 > RUN_MAX_CPU_PERCENT * wall_ms )); then
        log "more than ${RUN_MAX_CPU_PERCENT} %: spinning"; ok=1
    fi
    # SIGTERM: exit 0 in time, buzzer off, a run record.
    t_term=$(now_ns)
    kill -TERM "$pid"
    deadline=$(( t_term + RUN_STOP_TIMEOUT_S * 1000000000 ))
    while kill -0 "$pid" 2>/dev/null && (( $(now_ns) < deadline )); do sleep 0.02; done
    if kill -0 "$pid" 2>/dev/null; then
        log "still running ${RUN_STOP_TIMEOUT_S} s after SIGTERM"; kill -KILL "$pid"; wait "$pid"; ok=1
    else
        wait "$pid"; status=$?
        t_exit=$(now_ns)
        log "exited with status $status $(( (t_exit - t_term) / 1000000 )) ms after SIGTERM"
        [[ $status -eq 0 ]] || ok=1
    fi
    value=$(cat "$buzzer_value")
    if [[ $value == 0 ]]; then log "buzzer line value 0 after the exit"; else log "buzzer line value $value after the exit"; ok=1; fi
    log "run directory: $(cd "$rundir" && ls -l | tail -n +2 | awk '{print $9 " (" $5 " bytes)"}' | tr '\n' ' ')"
    [[ -n $(find "$rundir" -name '*.sqlite' -size +0) ]] || { log "no run record (.sqlite) in $rundir"; ok=1; }
    if [[ -n $t_high && -n ${t_exit:-} ]]; then
        log "timings: start to buzzer on $(( (t_high - t0) / 1000000 )) ms, SIGTERM to exit $(( (t_exit - t_term) / 1000000 )) ms"
    fi
    log "daemon log (last 40 lines):"
    tail -n 40 "$log"
    return $ok
}

# --- runner ---------------------------------------------------------------------------

STEPS=(
    setup_i2c_stub
    setup_gpio_sim
    check_tools_see_hardware
    check_linuxhardware_tests
    check_strideguard_probe
    check_strideguard_run
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
