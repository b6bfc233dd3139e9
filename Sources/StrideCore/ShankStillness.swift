/// Finds standing still on a shank sensor, where the mean specific force is gravity alone
/// and lies exactly along the tibia's long axis of a standing runner, so the mounting
/// orientation can be calibrated without the bias a running-stride mean carries (the shank
/// swings between about −70° and +25° from the vertical, Novacheck 1998, so the stride
/// mean of gravity is tilted by tens of degrees in the sagittal plane).
///
/// The signal is cut into blocks; the last `blocksPerWindow` block means must agree with
/// their common mean, on every axis, within `blockToleranceG` or three standard errors of
/// a block mean (whichever is larger, so a noisy sensor can still be found still), and
/// that mean must be about 1 g long. Block means average the sensor noise away (a loose
/// strap's 0.25 g of noise is 0.03 g on a 0.1 s block at 800 Hz) while walking, running or
/// settling into a stance moves the shank by more.
///
/// The gravity reported is the mean of the whole stand so far (every block since the
/// first still window, up to the last `standAveragingBlocks`), not of the last window
/// alone: a chip's own noise tilts a 0.3 s mean by about half a degree (the ADXL375, 0.1 g
/// rms at 800 Hz), which moves that leg's PTA by ±0.5 %; a one-second stand halves that.
/// Fixed-size state: nothing is allocated.
public struct ShankStillness: Sendable {
    /// Block length (s): a tenth of a second, short against a stop and long enough to
    /// average noise at 800 Hz and above.
    public static let blockSeconds = 0.1
    /// Blocks that must agree (0.3 s in all): the shortest still interval we trust.
    public static let blocksPerWindow = 3
    /// Largest difference of a block mean from the window mean, per axis, for a noiseless
    /// sensor (g): sin 0.6°, one tenth of a degree per block-to-block step, so the tilt
    /// error left in the calibrated axis costs well under 1 % of an impact's axial peak.
    public static let blockToleranceG = 0.01
    /// Standard errors of a block mean allowed on top (noise, not motion): three.
    public static let noiseStandardErrors = 3.0
    /// Largest per-axis standard deviation of the samples in a still block (g): above the
    /// noisiest strap we model (0.25 g), far below the spread of any stride (impacts of
    /// 5-25 g, swing accelerations of several g: running-gait-facts.md). Without it, the
    /// spread of a running stride would inflate the noise allowance above.
    public static let maxStillDeviationG = 0.35
    /// Allowed departure of the mean's length from 1 g (g): standing, the only specific
    /// force is gravity (Newton); 0.1 g covers accelerometer offset and scale errors
    /// (ADXL375 datasheet: zero-g offset up to ±0.4 g per axis is trimmed by calibration,
    /// not here; this bound only rejects obviously non-static windows).
    public static let gravityLengthToleranceG = 0.1
    /// Blocks a stand's mean gives full weight to (3 s); older blocks fade, so a slowly
    /// shifting stance is followed rather than averaged with where it began.
    public static let standAveragingBlocks = 30

    private let blockSamples: Int
    private var sum = (0.0, 0.0, 0.0)
    private var sumSq = (0.0, 0.0, 0.0)
    private var count = 0
    private var blockErrors = (0.0, 0.0, 0.0)
    private var blocks = (Vector3.zero, Vector3.zero, Vector3.zero)
    private var blocksHeld = 0
    /// Sum and count of the block means of the current stand (count 0: no stand).
    private var standSum = (0.0, 0.0, 0.0)
    private var standBlocks = 0.0

    /// The gravity vector of the last still window (sensor frame, g), set when the window
    /// completes; read and clear it with `takeStillGravity()`.
    public private(set) var stillGravity: Vector3?
    /// Whether the latest window of `blocksPerWindow` blocks was still (nil before the
    /// first window, and after a reset): standing, as opposed to any movement of the leg.
    public private(set) var lastWindowStill: Bool?

    /// Creates a detector for the given sample rate (Hz).
    public init(sampleRateHz: Double) {
        let fs = sampleRateHz > 0 ? sampleRateHz : 100
        blockSamples = Swift.max(1, Int((Self.blockSeconds * fs).rounded()))
    }

    /// Adds one accelerometer reading (sensor frame, g).
    @inline(__always)
    public mutating func add(_ a: Vector3) {
        sum.0 += Double(a.x)
        sum.1 += Double(a.y)
        sum.2 += Double(a.z)
        sumSq.0 += Double(a.x) * Double(a.x)
        sumSq.1 += Double(a.y) * Double(a.y)
        sumSq.2 += Double(a.z) * Double(a.z)
        count += 1
        guard count == blockSamples else { return }
        let n = Double(count)
        let mean = Vector3(x: Float(sum.0 / n), y: Float(sum.1 / n), z: Float(sum.2 / n))
        // Largest per-axis standard error of this block's mean.
        let vx = Swift.max(0, sumSq.0 / n - (sum.0 / n) * (sum.0 / n))
        let vy = Swift.max(0, sumSq.1 / n - (sum.1 / n) * (sum.1 / n))
        let vz = Swift.max(0, sumSq.2 / n - (sum.2 / n) * (sum.2 / n))
        let worstVariance = Swift.max(vx, Swift.max(vy, vz))
        // A moving block can never be part of a still window.
        let se = worstVariance <= Self.maxStillDeviationG * Self.maxStillDeviationG ? (worstVariance / n).squareRoot() : .infinity
        blockErrors = (blockErrors.1, blockErrors.2, se)
        sum = (0, 0, 0)
        sumSq = (0, 0, 0)
        count = 0
        blocks = (blocks.1, blocks.2, mean)
        blocksHeld = Swift.min(blocksHeld + 1, Self.blocksPerWindow)
        guard blocksHeld == Self.blocksPerWindow else { return }
        let m = (blocks.0 + blocks.1 + blocks.2).scaled(1 / 3)
        let worst = Swift.max(blockErrors.0, Swift.max(blockErrors.1, blockErrors.2))
        let tol = Float(Swift.max(Self.blockToleranceG, Self.noiseStandardErrors * worst))
        func close(_ b: Vector3) -> Bool {
            abs(b.x - m.x) <= tol && abs(b.y - m.y) <= tol && abs(b.z - m.z) <= tol
        }
        guard worst.isFinite, close(blocks.0), close(blocks.1), close(blocks.2),
              abs(Double(m.magnitude) - 1) <= Self.gravityLengthToleranceG else {
            standBlocks = 0  // the stand, if there was one, is over
            lastWindowStill = false
            return
        }
        lastWindowStill = true
        if standBlocks == 0 {
            // A new stand: its first window.
            standSum = (3 * Double(m.x), 3 * Double(m.y), 3 * Double(m.z))
            standBlocks = 3
        } else {
            // The stand goes on: add its newest block, fading the oldest past the limit.
            let cap = Double(Self.standAveragingBlocks)
            if standBlocks >= cap {
                let keep = (cap - 1) / cap
                standSum = (standSum.0 * keep, standSum.1 * keep, standSum.2 * keep)
                standBlocks = cap - 1
            }
            standSum.0 += Double(blocks.2.x)
            standSum.1 += Double(blocks.2.y)
            standSum.2 += Double(blocks.2.z)
            standBlocks += 1
        }
        stillGravity = Vector3(x: Float(standSum.0 / standBlocks), y: Float(standSum.1 / standBlocks),
                               z: Float(standSum.2 / standBlocks))
    }

    /// Returns the last still window's gravity, if any, and forgets it.
    public mutating func takeStillGravity() -> Vector3? {
        defer { stillGravity = nil }
        return stillGravity
    }

    /// Starts again (after a gap).
    public mutating func reset() {
        lastWindowStill = nil
        sum = (0, 0, 0)
        sumSq = (0, 0, 0)
        count = 0
        blocksHeld = 0
        standSum = (0, 0, 0)
        standBlocks = 0
        stillGravity = nil
    }
}
