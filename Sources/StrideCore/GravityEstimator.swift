/// Streaming estimate of the gravity direction in the sensor frame: the mean specific
/// force over a first window (standing, or whole strides, where the body's own
/// acceleration averages out), then tracked by a slow exponential mean so a slipping
/// mount or a change of posture is followed.
public struct GravityEstimator: Sendable {
    private let windowSamples: Int
    private let trackingAlpha: Double
    private var sum = (0.0, 0.0, 0.0)
    private var seen = 0
    private var mean = (0.0, 0.0, 0.0)

    /// - Parameters:
    ///   - windowSamples: samples averaged before the first estimate.
    ///   - trackingTimeConstantSamples: time constant of the later exponential tracking, in
    ///     samples (0 disables tracking).
    public init(windowSamples: Int, trackingTimeConstantSamples: Double) {
        self.windowSamples = Swift.max(1, windowSamples)
        self.trackingAlpha = trackingTimeConstantSamples > 0 ? 1 / trackingTimeConstantSamples : 0
    }

    /// Whether the first window is complete.
    public var isCalibrated: Bool { seen >= windowSamples }

    /// The current mean specific force (sensor frame, input unit); nil before the first
    /// window is complete.
    public var gravity: Vector3? {
        guard isCalibrated else { return nil }
        return Vector3(x: Float(mean.0), y: Float(mean.1), z: Float(mean.2))
    }

    /// Adds one accelerometer reading.
    @inline(__always)
    public mutating func add(_ a: Vector3) {
        if seen < windowSamples {
            sum.0 += Double(a.x); sum.1 += Double(a.y); sum.2 += Double(a.z)
            seen += 1
            if seen == windowSamples {
                let n = Double(windowSamples)
                mean = (sum.0 / n, sum.1 / n, sum.2 / n)
            }
        } else if trackingAlpha > 0 {
            mean.0 += trackingAlpha * (Double(a.x) - mean.0)
            mean.1 += trackingAlpha * (Double(a.y) - mean.1)
            mean.2 += trackingAlpha * (Double(a.z) - mean.2)
        }
    }

    /// Starts again (after a gap, or when the sensor was remounted).
    public mutating func reset() {
        sum = (0, 0, 0)
        seen = 0
        mean = (0, 0, 0)
    }
}
