/// A three-axis vector in the sensor's own frame (or a body frame once calibrated).
///
/// Acceleration is in g (1 g = 9.80665 m/s²), angular rate in degrees per second.
public struct Vector3: Sendable, Equatable {
    public var x: Float
    public var y: Float
    public var z: Float

    /// Creates a vector from its three components.
    public init(x: Float, y: Float, z: Float) {
        self.x = x
        self.y = y
        self.z = z
    }

    /// The zero vector.
    public static let zero = Vector3(x: 0, y: 0, z: 0)

    /// True when no component is infinite or NaN.
    public var isFinite: Bool { x.isFinite && y.isFinite && z.isFinite }

    /// Euclidean length.
    public var magnitude: Float { (x * x + y * y + z * z).squareRoot() }
}

/// Flags carried by each sample.
public struct SampleFlags: OptionSet, Sendable, Equatable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// At least one accelerometer axis sat at the chip's full-scale limit: the true value
    /// may be larger. Peak tibial acceleration reaches 20-25 g overground
    /// (running-gait-facts.md), so a ±16 g chip clips.
    public static let clipped = SampleFlags(rawValue: 1 << 0)
    /// The gyroscope field holds a real reading (the chip has a gyroscope and it is on).
    public static let hasGyro = SampleFlags(rawValue: 1 << 1)
    /// This is the first sample after a gap (FIFO overrun, sensor loss): the time since
    /// the previous sample is longer than one sample period.
    public static let afterGap = SampleFlags(rawValue: 1 << 2)
}

/// One inertial sample from one sensor.
///
/// Time is CLOCK_MONOTONIC in nanoseconds, derived from the kernel's timestamp of the
/// FIFO interrupt and the sensor's output data rate (DESIGN.md, conventions).
public struct IMUSample: Sendable, Equatable {
    /// Sample time, CLOCK_MONOTONIC nanoseconds.
    public var timeNs: UInt64
    /// Acceleration in g, sensor frame, gravity included.
    public var accel: Vector3
    /// Angular rate in degrees per second, sensor frame; zero unless `flags` has `.hasGyro`.
    public var gyro: Vector3
    /// Clipping, gyroscope presence, gap marker.
    public var flags: SampleFlags

    /// Creates a sample.
    public init(timeNs: UInt64, accel: Vector3, gyro: Vector3 = .zero, flags: SampleFlags = []) {
        self.timeNs = timeNs
        self.accel = accel
        self.gyro = gyro
        self.flags = flags
    }

    /// An all-zero sample, used to preallocate buffers.
    public static let empty = IMUSample(timeNs: 0, accel: .zero)

    /// True when its acceleration (and its rate, if it has one) is finite (see `FiniteSampleGate`).
    public var isFinite: Bool { accel.isFinite && (!flags.contains(.hasGyro) || gyro.isFinite) }
}

/// Where on the runner's body a sensor is worn.
public enum Placement: String, Sendable, CaseIterable, Codable {
    /// Distal antero-medial tibia of the left leg.
    case leftShank = "left-shank"
    /// Distal antero-medial tibia of the right leg.
    case rightShank = "right-shank"
    /// Sacrum / lower back (where a waist-worn board sits).
    case sacrum
}
