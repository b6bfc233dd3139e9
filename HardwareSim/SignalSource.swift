import StrideCore

/// What a simulated sensor feels: acceleration (g, sensor frame, gravity included) and
/// angular rate (deg/s, sensor frame) at a given time. The virtual runner is one; the
/// simple test signal below is another.
public protocol SignalSource: AnyObject {
    /// The true signal at `timeNs`.
    func sample(atNs timeNs: UInt64) -> (accel: Vector3, gyro: Vector3)
}

/// Gravity along +z plus a sine on one axis: enough to check drivers end to end.
public final class TestSignal: SignalSource, @unchecked Sendable {
    /// Amplitude of the test sine, g.
    public var amplitudeG: Float
    /// Frequency of the test sine, Hz.
    public var frequencyHz: Double
    /// A constant added to every sample, g (use it to drive a chip into clipping).
    public var offset: Vector3

    /// Creates a test signal.
    public init(amplitudeG: Float = 0.5, frequencyHz: Double = 2.8, offset: Vector3 = .zero) {
        self.amplitudeG = amplitudeG
        self.frequencyHz = frequencyHz
        self.offset = offset
    }

    public func sample(atNs timeNs: UInt64) -> (accel: Vector3, gyro: Vector3) {
        let phase = 2 * Double.pi * frequencyHz * Double(timeNs) / 1e9
        let s = Float(sinApprox(phase))
        return (Vector3(x: amplitudeG * s + offset.x, y: offset.y, z: 1 + offset.z), Vector3(x: 0, y: 0, z: 10 * s))
    }
}

/// sin(x) without Foundation, good to about 1e-7 (range reduction then a Taylor series).
@inlinable
func sinApprox(_ x: Double) -> Double {
    let twoPi = 2 * Double.pi
    var r = x - twoPi * (x / twoPi).rounded(.down)
    if r > Double.pi { r -= twoPi }
    // Fold into [-π/2, π/2], where the series converges fast.
    if r > Double.pi / 2 { r = Double.pi - r } else if r < -Double.pi / 2 { r = -Double.pi - r }
    let r2 = r * r
    var term = r
    var sum = r
    for n in stride(from: 2, through: 18, by: 2) {
        term *= -r2 / Double(n * (n + 1))
        sum += term
    }
    return sum
}
