import Hardware
import StrideCore

/// One raw FIFO frame: accelerometer and gyroscope counts as the chip would store them.
public struct RawFrame: Sendable, Equatable {
    /// Accelerometer counts, X Y Z.
    public var ax: Int16, ay: Int16, az: Int16
    /// Gyroscope counts, X Y Z (zero on chips without one).
    public var gx: Int16, gy: Int16, gz: Int16
    /// When the chip produced it (virtual ns), for test assertions.
    public var timeNs: UInt64
}

/// What every simulated accelerometer shares: the output-data-rate clock, the FIFO with
/// its watermark and overrun, and the interrupt pin. Each chip model owns one and adds
/// its register map on top.
public final class SimSensorCore: SimInterruptSource, @unchecked Sendable {
    /// What a full FIFO does with a new sample.
    public enum FullBehaviour: Sendable {
        /// Stream mode: drop the oldest, keep the newest, flag overrun.
        case dropOldest
        /// FIFO mode: stop collecting, flag overrun.
        case stopCollecting
    }

    /// The clock that drives sampling.
    public let clock: VirtualClock
    /// What the sensor feels.
    public var source: any SignalSource
    /// FIFO depth, frames.
    public let capacity: Int
    /// The chip's oscillator error: the real period is nominal × (1 + error). Datasheets
    /// allow several percent; tests set it to check the timestamper.
    public var rateError = 0.0
    /// Gaussian noise added per axis, g, whatever the rate.
    public var noiseG: Float = 0 { didSet { updateNoise() } }
    /// White-noise density per axis, g/√Hz: noise of density × √(rate / 2) is added on
    /// top of `noiseG` (`ChipModel.typicalNoiseDensityGPerRootHz`; 0 in bare chip models,
    /// so register-level tests read exact counts).
    public var noiseDensityGPerRootHz = 0.0 { didSet { updateNoise() } }
    /// Noise per axis at the current rate, g: `noiseG` and the density's share combined.
    private var noiseSigma: Float = 0

    private func updateNoise() {
        let density = noiseDensityGPerRootHz * (dataRateHz / 2).squareRoot()
        noiseSigma = Float((Double(noiseG) * Double(noiseG) + density * density).squareRoot())
    }
    /// The line the interrupt pin drives, if wired.
    public weak var interruptLine: SimEdgeLine?

    /// Samples per second now configured (0 = standby).
    public private(set) var dataRateHz = 0.0
    /// Frames in the FIFO, oldest first.
    public private(set) var fifo: [RawFrame]
    /// Set when a frame was lost to a full FIFO; the chip model clears it.
    public var overrun = false
    /// Whether the FIFO collects samples (false in bypass).
    public var fifoEnabled = false
    /// What happens when full.
    public var fullBehaviour = FullBehaviour.dropOldest
    /// The newest frame produced (what the output registers show in bypass).
    public private(set) var latest = RawFrame(ax: 0, ay: 0, az: 0, gx: 0, gy: 0, gz: 0, timeNs: 0)
    /// Frames produced since start.
    public private(set) var produced: UInt64 = 0
    /// Converts a true signal into counts (chip scale, range clipping, self-test force).
    public var quantise: (Vector3, Vector3) -> RawFrame = { _, _ in RawFrame(ax: 0, ay: 0, az: 0, gx: 0, gy: 0, gz: 0, timeNs: 0) }
    /// Computes the interrupt pin level from the chip's state.
    public var pinLevel: () -> Bool = { false }

    private var nextSampleNs: UInt64 = 0
    private var head = 0
    private var random = SimRandom(seed: 7)

    /// Creates the core of a chip with a FIFO of `capacity` frames.
    public init(clock: VirtualClock, source: any SignalSource, capacity: Int) {
        self.clock = clock
        self.source = source
        self.capacity = capacity
        fifo = []
        fifo.reserveCapacity(capacity)
    }

    /// Restarts the noise generator from `seed` (give each chip of a rig its own stream).
    public func seedNoise(_ seed: UInt64) { random = SimRandom(seed: seed) }

    /// Starts (rate > 0) or stops (0) sampling, from now.
    public func setDataRate(_ hz: Double) {
        catchUp()
        dataRateHz = hz
        updateNoise()
        if hz > 0 { nextSampleNs = clock.nowNs + periodNs }
    }

    private var periodNs: UInt64 { dataRateHz > 0 ? UInt64(1e9 / dataRateHz * (1 + rateError)) : 0 }

    /// Empties the FIFO and clears overrun.
    public func clearFIFO() {
        catchUp()
        fifo.removeAll(keepingCapacity: true)
        overrun = false
        updatePin(atNs: clock.nowNs)
    }

    /// Removes and returns the oldest frame, or the latest output when empty.
    public func pop() -> RawFrame {
        catchUp()
        guard !fifo.isEmpty else { return latest }
        let frame = fifo.removeFirst()
        updatePin(atNs: clock.nowNs)
        return frame
    }

    /// Re-evaluates the interrupt pin (after a register write that changes routing).
    public func updatePin(atNs timeNs: UInt64) {
        interruptLine?.drive(level: pinLevel(), atNs: timeNs)
    }

    public func catchUp() {
        guard dataRateHz > 0 else { return }
        let period = periodNs
        while nextSampleNs <= clock.nowNs {
            produce(atNs: nextSampleNs)
            nextSampleNs += period
        }
    }

    public var nextPossibleEdgeNs: UInt64? { dataRateHz > 0 ? nextSampleNs : nil }

    private func produce(atNs timeNs: UInt64) {
        var (accel, gyro) = source.sample(atNs: timeNs)
        let sigma = noiseSigma
        if sigma > 0 {
            accel.x += sigma * Float(random.gaussian())
            accel.y += sigma * Float(random.gaussian())
            accel.z += sigma * Float(random.gaussian())
        }
        var frame = quantise(accel, gyro)
        frame.timeNs = timeNs
        latest = frame
        produced += 1
        if fifoEnabled {
            if fifo.count >= capacity {
                overrun = true
                switch fullBehaviour {
                case .dropOldest:
                    fifo.removeFirst()
                    fifo.append(frame)
                case .stopCollecting:
                    break
                }
            } else {
                fifo.append(frame)
            }
        }
        updatePin(atNs: timeNs)
    }
}

/// Converts g to counts with a scale and saturates at the chip's output range.
@inlinable
public func counts(_ value: Float, perG: Float, limit: Int32) -> Int16 {
    let raw = (value * perG).rounded()
    let clamped = max(Float(-limit - 1), min(Float(limit), raw))
    return Int16(clamped)
}
