#!/usr/bin/env bash
# Fuzzes StrideGuard's input parsers with libFuzzer (the Fuzz/ package), one target at a
# time for a bounded time each, seeded from the real files:
#
#   scripts/fuzz.sh [seconds-per-target] [target ...]     (default 120 s, every target)
#
# Targets: FuzzConfiguration (config/*.yaml), FuzzScenario (config/scenarios/*.yaml),
# FuzzRecordingCSV (replay CSVs: the datasets and `strideguard synth` output), FuzzRunRecord
# (whole .sqlite run records), FuzzSampleChunk (one sample_chunks BLOB).
#
# For each target it runs libFuzzer over Fuzz/corpus/<target> plus fresh seeds, then
# merges everything into a minimal corpus that replaces Fuzz/corpus/<target> (kept in git;
# Tests/StrideDaemonTests/FuzzCorpusTests replays it), and copies any crash, timeout or
# out-of-memory input into Fuzz/regressions/<target>/ so it can become a regression test.
# Logs and figures: Fuzz/.work/<target>/fuzz.log and Fuzz/.work/summary.txt.
#
# Environment: SWIFT_BUILD_LOCK=/path runs every swift command under flock on that file
# (for machines where several builds share the CPU); SANITIZERS (default fuzzer,address);
# FUZZ_NO_BUILD=1 reuses the fuzz targets already in Fuzz/.build (e.g. while the tree does
# not build); STRIDEGUARD=/path/to/strideguard skips building it for the seeds.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
FUZZ="$ROOT/Fuzz"
WORK="$FUZZ/.work"
SECONDS_PER_TARGET=${1:-120}
shift || true
ALL_TARGETS=(FuzzConfiguration FuzzScenario FuzzRecordingCSV FuzzRunRecord FuzzSampleChunk)
[[ $# -gt 0 ]] && TARGETS=("$@") || TARGETS=("${ALL_TARGETS[@]}")
SANITIZERS=${SANITIZERS:-fuzzer,address}
DATASETS=${DATASETS:-$ROOT/../shared/datasets}

case "$SECONDS_PER_TARGET" in ''|*[!0-9]*) echo "usage: $0 [seconds-per-target] [target ...]" >&2; exit 64 ;; esac
command -v python3 >/dev/null || { echo "fuzz.sh: needs python3 (with its sqlite3 module) for the run-record seeds" >&2; exit 69; }

locked() {
    if [[ -n "${SWIFT_BUILD_LOCK:-}" ]]; then flock "$SWIFT_BUILD_LOCK" "$@"; else "$@"; fi
}

# --- Build -------------------------------------------------------------------------------
# -enable-testing: FuzzSampleChunk reaches the internal SampleChunkCodec with @testable.
# C targets (libyaml inside Yams, the Linux shim) get coverage instrumentation too.
if [[ "${FUZZ_NO_BUILD:-0}" != 1 ]]; then
    echo "== building the fuzz targets ($SANITIZERS) into Fuzz/.build"
    (cd "$FUZZ" && locked swift build -c release --build-path .build \
        -Xswiftc "-sanitize=$SANITIZERS" -Xswiftc -enable-testing \
        -Xcc "-fsanitize=${SANITIZERS/fuzzer/fuzzer-no-link}")
fi
BIN="$FUZZ/.build/release"

# The strideguard program, for `synth` CSVs and `simulate` run records.
STRIDEGUARD=${STRIDEGUARD:-}
if [[ -z "$STRIDEGUARD" ]]; then
    echo "== building strideguard for the synth and simulate seeds"
    (cd "$ROOT" && locked swift build -c release --product strideguard)
    STRIDEGUARD="$ROOT/.build/release/strideguard"
fi

# --- Seeds from the real files --------------------------------------------------------------
SEEDS="$WORK/seeds"
rm -rf "$SEEDS"
mkdir -p "$SEEDS"/{FuzzConfiguration,FuzzScenario,FuzzRecordingCSV,FuzzRunRecord,FuzzSampleChunk}
SCRATCH=$(mktemp -d)
trap 'rm -rf "$SCRATCH"' EXIT

# The default configuration without its comment lines (6 KB of prose the fuzzer would
# only carry around), and every bad example as it is.
grep -vE '^[[:space:]]*#' "$ROOT/config/strideguard.yaml" > "$SEEDS/FuzzConfiguration/strideguard.yaml"
cp "$ROOT"/config/bad/*.yaml "$SEEDS/FuzzConfiguration/"
cp "$ROOT"/config/scenarios/*.yaml "$SEEDS/FuzzScenario/"

# A recording-CSV input is one selector byte (which mapping FuzzRecordingCSV reads it with:
# 0 synth layout, 1 alcantara sacrum, 2 mobgap sacrum in m/s², 3 alcantara in ms) and the
# file. The first 40 rows keep inputs small enough for many executions a second.
csv_seed() {  # selector file name
    { printf "\\x$(printf %02x "$1")"; head -n 40 "$2"; } > "$SEEDS/FuzzRecordingCSV/$3"
}
"$STRIDEGUARD" synth --scenario "$ROOT/config/scenarios/steady-symmetric.yaml" --minutes 0.2 \
    --placements left-shank,right-shank,sacrum --out "$SCRATCH/synth" >/dev/null
for placement in left-shank right-shank sacrum; do csv_seed 0 "$SCRATCH/synth/$placement.csv" "synth-$placement.csv"; done
for trial in "$DATASETS"/running-sacrum-alcantara2022/trials/trial0{1,2,3}.csv; do
    csv_seed 1 "$trial" "alcantara-$(basename "$trial")"
done
csv_seed 3 "$DATASETS/running-sacrum-alcantara2022/trials/trial01.csv" "alcantara-ms-trial01.csv"
for imu in "$DATASETS"/walking-lowback-mobgap/imu/*.csv; do csv_seed 2 "$imu" "mobgap-$(basename "$imu")"; done

# Run records: a short steady run, and a sudden-change run long enough to hold a baseline
# and alerts, each cut down to a few rows per table (one sample chunk per sensor, cut to
# 40 samples), a sensor fault added, and rewritten with 512-byte pages (SQLite's
# smallest): ~20 KB files, since the fuzzer mutates whole files. The cut chunks are also
# the sample-chunk seeds.
"$STRIDEGUARD" simulate --scenario "$ROOT/config/scenarios/steady-symmetric.yaml" --minutes 1 --sacrum \
    --run-dir "$SCRATCH/steady" --tag fuzz=seed >/dev/null
"$STRIDEGUARD" simulate --scenario "$ROOT/config/scenarios/sudden-change-right.yaml" --minutes 17 \
    --run-dir "$SCRATCH/sudden" --tag fuzz=seed --tag shoe=old >/dev/null
python3 - "$SEEDS" "$(ls "$SCRATCH"/steady/*.sqlite)" "$(ls "$SCRATCH"/sudden/*.sqlite)" <<'EOF_PY'
import shutil, sqlite3, struct, sys
seeds, steady, sudden = sys.argv[1:]

def cut_chunk(blob, k):
    """The first k samples of a chunk, in the layout of docs/RUN-RECORD.md."""
    version, encoding, options, reserved, n = struct.unpack_from('<BBBBI', blob)
    k = min(k, n)
    size = 2 if encoding == 1 else 4
    axes = 2 if options & 1 else 1
    offsets, flags, values = 16, 16 + 4 * n, 16 + 5 * n
    out = bytearray(blob[:16])
    struct.pack_into('<I', out, 4, k)
    out += blob[offsets:offsets + 4 * k] + blob[flags:flags + k]
    for block in range(axes):
        at = values + block * 3 * size * n
        out += blob[at:at + 3 * size * k]
    return bytes(out), k

def shrink(source, destination, chunk_seed_prefix=None):
    shutil.copy(source, destination)
    db = sqlite3.connect(destination)
    db.execute('DELETE FROM sample_chunks WHERE id NOT IN (SELECT MAX(id) FROM sample_chunks GROUP BY sensor_id)')
    for chunk_id, sensor, blob in db.execute('SELECT id, sensor_id, data FROM sample_chunks').fetchall():
        cut, k = cut_chunk(blob, 40)
        db.execute('UPDATE sample_chunks SET data = ?, sample_count = ? WHERE id = ?', (cut, k, chunk_id))
        if chunk_seed_prefix:
            open(f'{seeds}/FuzzSampleChunk/{chunk_seed_prefix}-sensor{sensor}.bin', 'wb').write(cut)
    for table, keep in [('events', 12), ('strides', 6), ('windows', 2)]:
        db.execute(f'DELETE FROM {table} WHERE id NOT IN (SELECT id FROM {table} ORDER BY id LIMIT {keep})')
    db.execute("""INSERT INTO faults (sensor_id, kind, start_ns, end_ns, errno, detail)
                  SELECT 0, 'sensor-lost', start_ns + 1000000000, start_ns + 2000000000, 5, 'I/O error' FROM run""")
    db.commit()
    db.execute('PRAGMA journal_mode = DELETE')
    db.execute('PRAGMA page_size = 512')
    db.execute('VACUUM')
    db.close()

shrink(steady, f'{seeds}/FuzzRunRecord/steady.sqlite', chunk_seed_prefix='real')
shrink(sudden, f'{seeds}/FuzzRunRecord/sudden-change.sqlite')
# An empty record (started, nothing recorded) is a state the reader must accept.
shrink(steady, f'{seeds}/FuzzRunRecord/empty.sqlite')
db = sqlite3.connect(f'{seeds}/FuzzRunRecord/empty.sqlite')
for table in ['sample_chunks', 'events', 'strides', 'windows', 'faults', 'activity']:
    db.execute(f'DELETE FROM {table}')
db.commit()
db.execute('VACUUM')
db.close()

# Hand-made chunks: float32 with a gyroscope, one int16 sample, no samples.
def chunk(encoding, gyro, samples, a_scale, g_scale):
    b = struct.pack('<BBBBIff', 1, encoding, 1 if gyro else 0, 0, len(samples), a_scale, g_scale)
    b += b''.join(struct.pack('<I', s[0]) for s in samples) + bytes(s[1] for s in samples)
    fmt = '<3h' if encoding == 1 else '<3f'
    b += b''.join(struct.pack(fmt, *s[2]) for s in samples)
    if gyro:
        b += b''.join(struct.pack(fmt, *s[3]) for s in samples)
    return b
out = f'{seeds}/FuzzSampleChunk'
open(f'{out}/float32-gyro.bin', 'wb').write(chunk(2, True, [(0, 2, (0.5, -1.0, 9.8), (1.5, 0.0, -3.25)),
                                                            (1250000, 2, (0.25, 1.0, 1.0), (0.0, 0.0, 0.0))], 1, 1))
open(f'{out}/int16-one.bin', 'wb').write(chunk(1, False, [(0, 1, (100, -200, 32767), None)], 0.049, 1))
open(f'{out}/empty.bin', 'wb').write(chunk(2, False, [], 1, 1))
EOF_PY

# --- Fuzz, merge, collect ---------------------------------------------------------------------
mkdir -p "$WORK"
SUMMARY="$WORK/summary.txt"
echo "# $(date -u +%FT%TZ) ${SECONDS_PER_TARGET}s per target, -sanitize=$SANITIZERS" >> "$SUMMARY"
# Leak checks off at exit too: see the -detect_leaks flag below. Swift's own backtracer
# off: a trap then goes straight to libFuzzer's handler, which saves the input (the
# backtracer's memory reads trip AddressSanitizer instead).
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0}
export SWIFT_BACKTRACE=${SWIFT_BACKTRACE:-enable=no}
found=0
for target in "${TARGETS[@]}"; do
    # Input size bounds: a little above the largest seed, so the corpus stays small.
    case "$target" in
        FuzzConfiguration) max_len=4096 ;;
        FuzzScenario) max_len=1536 ;;
        FuzzRecordingCSV) max_len=4096 ;;
        FuzzRunRecord) max_len=$(( $(wc -c < "$SEEDS/FuzzRunRecord/sudden-change.sqlite") + 1024 )) ;;
        FuzzSampleChunk) max_len=2048 ;;
        *) echo "fuzz.sh: unknown target $target; targets: ${ALL_TARGETS[*]}" >&2; exit 64 ;;
    esac
    corpus="$FUZZ/corpus/$target"
    work="$WORK/$target"
    mkdir -p "$corpus" "$work"
    rm -rf "$work/new" "$work/merged"
    mkdir -p "$work/new" "$work/merged"
    echo "== $target: ${SECONDS_PER_TARGET}s"
    # -rss_limit_mb/-malloc_limit_mb: a length field that asks for gigabytes is a finding.
    # Leak detection is off: Foundation's Data(contentsOf:) leaks one 4 KB buffer per empty
    # file (see docs/RELIABILITY.md), which would stop every run at its first empty input.
    status=0
    "$BIN/$target" "$work/new" "$corpus" "$SEEDS/$target" \
        -max_total_time="$SECONDS_PER_TARGET" -max_len="$max_len" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=1024 \
        -detect_leaks=0 -print_final_stats=1 -artifact_prefix="$work/" > "$work/fuzz.log" 2>&1 || status=$?
    # Set-cover merge: the fewest inputs that keep every feature (about half of what
    # -merge=1 keeps), so the corpus in git stays small.
    "$BIN/$target" -set_cover_merge=1 -max_len="$max_len" -detect_leaks=0 -rss_limit_mb=2048 \
        "$work/merged" "$corpus" "$work/new" "$SEEDS/$target" > "$work/merge.log" 2>&1
    find "$corpus" -type f -delete
    cp "$work/merged"/* "$corpus/" 2>/dev/null || true

    # The harnesses' scratch files (FuzzSupport's ScratchFile: one per process, left when
    # libFuzzer exits).
    for folder in /dev/shm "${TMPDIR:-/tmp}"; do
        rm -f "$folder"/strideguard-{configuration,scenario,recording-csv,run-record}-[0-9]*
    done

    crashes=0
    for artifact in "$work"/crash-* "$work"/timeout-* "$work"/oom-* "$work"/slow-unit-*; do
        [[ -e "$artifact" ]] || continue
        mkdir -p "$FUZZ/regressions/$target"
        mv "$artifact" "$FUZZ/regressions/$target/"
        crashes=$((crashes + 1))
    done
    found=$((found + crashes))
    final=$(grep -E '^#[0-9]+' "$work/fuzz.log" | tail -n 1)
    cov=$(sed -nE 's/.*cov: ([0-9]+).*/\1/p' <<< "$final")
    ft=$(sed -nE 's/.*ft: ([0-9]+).*/\1/p' <<< "$final")
    runs=$(sed -nE 's/^stat::number_of_executed_units: *([0-9]+)/\1/p' "$work/fuzz.log" | head -n 1)
    rate=$(sed -nE 's/^stat::average_exec_per_sec: *([0-9]+)/\1/p' "$work/fuzz.log" | head -n 1)
    rss=$(sed -nE 's/^stat::peak_rss_mb: *([0-9]+)/\1/p' "$work/fuzz.log" | head -n 1)
    files=$(find "$corpus" -type f | wc -l)
    bytes=$(find "$corpus" -type f -exec cat {} + | wc -c)
    gzipped=$(find "$corpus" -type f -exec cat {} + | gzip -9 | wc -c)
    line="$target: ${SECONDS_PER_TARGET}s, ${runs:-?} executions (${rate:-?}/s), cov ${cov:-?} ft ${ft:-?}, peak RSS ${rss:-?} MB, corpus $files files $((bytes / 1024)) KB ($((gzipped / 1024)) KB gzipped), exit $status, new crashes $crashes"
    echo "$line" | tee -a "$SUMMARY"
    if [[ $crashes -gt 0 ]]; then
        grep -m 3 -E 'ERROR|Fatal error|SUMMARY' "$work/fuzz.log" || true
    fi
done
echo "== figures appended to $SUMMARY"
if [[ $found -gt 0 ]]; then
    echo "fuzz.sh: $found new crashing input(s) in Fuzz/regressions/; reproduce with Fuzz/.build/release/<target> FILE" >&2
    exit 1
fi
