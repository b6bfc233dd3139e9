import StrideCore

/// Which of the chip's interrupt pins signals the FIFO watermark.
public enum InterruptPin: String, Sendable, Codable {
    case int1
    case int2
}

/// What the daemon asks of a sensor. The driver picks the nearest setting the chip has
/// (the data rate at or above, the smallest range at or above) and says what it chose in
/// ``AppliedConfiguration``.
public struct SensorConfiguration: Sendable, Equatable {
    /// Requested output data rate, Hz.
    public var dataRateHz: Double
    /// Requested accelerometer full scale, ±g.
    public var rangeG: Double
    /// Samples in the FIFO before the watermark interrupt fires.
    public var fifoWatermark: Int
    /// The chip pin wired to the GPIO edge line.
    public var interruptPin: InterruptPin
    /// Read the gyroscope too, where the chip has one.
    public var enableGyro: Bool

    /// Creates a configuration.
    public init(dataRateHz: Double, rangeG: Double, fifoWatermark: Int, interruptPin: InterruptPin = .int1, enableGyro: Bool = true) {
        self.dataRateHz = dataRateHz
        self.rangeG = rangeG
        self.fifoWatermark = fifoWatermark
        self.interruptPin = interruptPin
        self.enableGyro = enableGyro
    }
}

/// What the driver actually set.
public struct AppliedConfiguration: Sendable, Equatable {
    /// Output data rate, Hz (nominal, from the datasheet's table).
    public var dataRateHz: Double
    /// Accelerometer full scale, ±g.
    public var rangeG: Double
    /// FIFO watermark, samples.
    public var fifoWatermark: Int
    /// Gyroscope full scale in degrees per second, or nil when the gyroscope is off.
    public var gyroRangeDps: Double?

    /// Creates an applied configuration.
    public init(dataRateHz: Double, rangeG: Double, fifoWatermark: Int, gyroRangeDps: Double? = nil) {
        self.dataRateHz = dataRateHz
        self.rangeG = rangeG
        self.fifoWatermark = fifoWatermark
        self.gyroRangeDps = gyroRangeDps
    }

    /// Nominal sample period, ns.
    public var samplePeriodNs: Double { 1e9 / dataRateHz }
}

/// The outcome of one FIFO drain.
public struct DrainResult: Sendable, Equatable {
    /// Samples written to the caller's buffer.
    public var count: Int
    /// The FIFO had overrun: samples were lost before this batch. The first sample of the
    /// batch carries `.afterGap`.
    public var overrun: Bool
    /// Estimated samples lost before this batch (0 when none), from the timestamps.
    public var lostSamples: Int
    /// Samples in this batch with at least one clipped axis.
    public var clippedSamples: Int
    /// The drain stopped part-way on this error (a bus error on a long cable, say). The
    /// samples already read are in the batch and stamped; the rest stay in the FIFO for the
    /// next drain. A drain that fails before reading any sample throws instead.
    public var interruption: HardwareError?

    /// Creates a result.
    public init(count: Int = 0, overrun: Bool = false, lostSamples: Int = 0, clippedSamples: Int = 0, interruption: HardwareError? = nil) {
        self.count = count
        self.overrun = overrun
        self.lostSamples = lostSamples
        self.clippedSamples = clippedSamples
        self.interruption = interruption
    }
}

/// Running totals a driver keeps, for logs and the run record.
public struct DriverStatistics: Sendable, Equatable {
    /// Samples delivered.
    public var samples: UInt64 = 0
    /// FIFO overruns seen.
    public var overruns: UInt64 = 0
    /// Samples estimated lost in overruns.
    public var lostSamples: UInt64 = 0
    /// Samples flagged clipped.
    public var clippedSamples: UInt64 = 0
    /// Creates zeroed statistics.
    public init() {}

    /// Adds one drained batch.
    public mutating func record(count: Int, overrun: Bool, lost: Int, clipped: Int) {
        samples += UInt64(count)
        clippedSamples += UInt64(clipped)
        lostSamples += UInt64(lost)
        if overrun { overruns += 1 }
    }
}

/// The result of a chip's built-in self-test: the output change when the test force is
/// applied, per axis, in g, against the datasheet's limits.
public struct SelfTestReport: Sendable, Equatable {
    /// Output change per axis, g.
    public var change: Vector3
    /// Lower limit per axis, g (datasheet).
    public var minimum: Vector3
    /// Upper limit per axis, g (datasheet).
    public var maximum: Vector3

    /// Creates a report.
    public init(change: Vector3, minimum: Vector3, maximum: Vector3) {
        self.change = change
        self.minimum = minimum
        self.maximum = maximum
    }

    /// Whether every axis is within its limits.
    public var passed: Bool {
        func within(_ v: Float, _ lo: Float, _ hi: Float) -> Bool { v >= lo && v <= hi }
        return within(change.x, minimum.x, maximum.x)
            && within(change.y, minimum.y, maximum.y)
            && within(change.z, minimum.z, maximum.z)
    }
}

/// Errors from a driver.
public enum HardwareError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A bus transfer failed.
    case bus(I2CError)
    /// The ID register held something else than this driver's chip answers.
    case wrongChip(expected: ChipFamily, found: UInt8, bus: String, address: UInt8)
    /// The requested configuration cannot be met by this chip.
    case unsupportedConfiguration(String)
    /// drain/start called before configure.
    case notConfigured(bus: String, address: UInt8)
    /// The chip's self-test response is outside the datasheet limits.
    case selfTestFailed(SelfTestReport, bus: String, address: UInt8)

    public var description: String {
        switch self {
        case .bus(let e): return e.description
        case .wrongChip(let expected, let found, let bus, let address):
            let identified = DriverTable.family(forID: found, register: expected.idRegister)
                .map { " (that is the ID of \($0.displayName))" } ?? ""
            return "\(bus) address \(hex(address)): expected \(expected.displayName) "
                + "(ID \(hex(expected.idValue)) in register \(hex(expected.idRegister))), found \(hex(found))\(identified)"
        case .unsupportedConfiguration(let why): return "unsupported configuration: \(why)"
        case .notConfigured(let bus, let address): return "\(bus) address \(hex(address)): sensor not configured"
        case .selfTestFailed(let r, let bus, let address):
            return "\(bus) address \(hex(address)): self-test failed, change (g) x \(r.change.x) y \(r.change.y) z \(r.change.z) "
                + "outside [\(r.minimum.x)...\(r.maximum.x)], [\(r.minimum.y)...\(r.maximum.y)], [\(r.minimum.z)...\(r.maximum.z)]"
        }
    }
}

/// One accelerometer on one bus address.
///
/// Life cycle: ``verifyIdentity()``, optionally ``selfTest()``, ``configure(_:)``,
/// ``start()``, then ``drain(into:interruptTimeNs:nowNs:)`` each time the FIFO watermark
/// interrupt fires (or at the FIFO period when polling), and ``stop()``.
public protocol AccelerometerDriver: AnyObject {
    /// The chip this driver was created for.
    var chip: ChipModel { get }
    /// The bus it sits on.
    var bus: any I2CBus { get }
    /// Its 7-bit address.
    var address: UInt8 { get }
    /// The configuration in force, nil before ``configure(_:)``.
    var applied: AppliedConfiguration? { get }
    /// Running totals.
    var statistics: DriverStatistics { get }

    /// Reads the identity register and throws ``HardwareError/wrongChip(expected:found:bus:address:)``
    /// if it is not this driver's chip.
    func verifyIdentity() throws(HardwareError)
    /// Runs the chip's self-test (leaves the chip in standby; configure afterwards).
    func selfTest() throws(HardwareError) -> SelfTestReport
    /// Resets the chip and sets data rate, range, FIFO and interrupt; leaves it in standby.
    func configure(_ configuration: SensorConfiguration) throws(HardwareError) -> AppliedConfiguration
    /// Starts measuring into the FIFO.
    func start() throws(HardwareError)
    /// Stops measuring (standby).
    func stop() throws(HardwareError)
    /// Reads every sample in the FIFO into `buffer` (nothing is allocated) and stamps
    /// each with its time.
    ///
    /// - Parameters:
    ///   - interruptTimeNs: the kernel timestamp of the watermark edge that woke us, or
    ///     nil when polling (then `nowNs` stands for the newest sample's time).
    ///   - nowNs: the clock when the drain began.
    func drain(into buffer: UnsafeMutableBufferPointer<IMUSample>, interruptTimeNs: UInt64?, nowNs: UInt64) throws(HardwareError) -> DrainResult
}
