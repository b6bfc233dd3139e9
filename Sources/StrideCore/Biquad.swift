/// A second-order IIR filter section (transposed direct form II), computed in `Double`.
///
/// Coefficients come from the cutoff and the sample rate (bilinear transform with
/// pre-warping), never from a table. The state is two numbers: filtering allocates nothing.
/// Statistics and filter state are in `Double` (DESIGN.md: samples in `Float`,
/// statistics in `Double`), which also keeps low cutoffs at high rates well conditioned.
public struct Biquad: Sendable, Equatable {
    /// Feed-forward coefficients b0, b1, b2.
    public let b0: Double, b1: Double, b2: Double
    /// Feedback coefficients a1, a2 (a0 is normalised to 1).
    public let a1: Double, a2: Double
    private var z1: Double = 0
    private var z2: Double = 0

    /// Q of a second-order Butterworth section, 1/√2: the maximally flat response
    /// (Butterworth 1930).
    public static let butterworthQ: Double = 0.70710678118654752

    /// Creates a section from normalised coefficients (a0 = 1).
    public init(b0: Double, b1: Double, b2: Double, a1: Double, a2: Double) {
        self.b0 = b0
        self.b1 = b1
        self.b2 = b2
        self.a1 = a1
        self.a2 = a2
    }

    /// A second-order Butterworth low-pass, −3 dB at `cutoffHz`.
    ///
    /// Returns nil unless 0 < cutoff < Nyquist (sampleRate / 2).
    public static func butterworthLowPass(cutoffHz: Double, sampleRateHz: Double) -> Biquad? {
        guard let k = prewarped(cutoffHz: cutoffHz, sampleRateHz: sampleRateHz) else { return nil }
        let k2 = k * k
        let norm = 1 / (1 + k / butterworthQ + k2)
        let b0 = k2 * norm
        return Biquad(b0: b0, b1: 2 * b0, b2: b0,
                      a1: 2 * (k2 - 1) * norm, a2: (1 - k / butterworthQ + k2) * norm)
    }

    /// A second-order Butterworth high-pass, −3 dB at `cutoffHz`.
    ///
    /// Returns nil unless 0 < cutoff < Nyquist (sampleRate / 2).
    public static func butterworthHighPass(cutoffHz: Double, sampleRateHz: Double) -> Biquad? {
        guard let k = prewarped(cutoffHz: cutoffHz, sampleRateHz: sampleRateHz) else { return nil }
        let k2 = k * k
        let norm = 1 / (1 + k / butterworthQ + k2)
        return Biquad(b0: norm, b1: -2 * norm, b2: norm,
                      a1: 2 * (k2 - 1) * norm, a2: (1 - k / butterworthQ + k2) * norm)
    }

    /// tan(π·fc/fs): the bilinear transform's pre-warped analogue frequency.
    private static func prewarped(cutoffHz: Double, sampleRateHz: Double) -> Double? {
        guard sampleRateHz > 0, cutoffHz > 0, cutoffHz < sampleRateHz / 2 else { return nil }
        return (Double.pi * cutoffHz / sampleRateHz).tangent
    }

    /// Filters one input value and returns the output.
    @inline(__always)
    public mutating func process(_ x: Double) -> Double {
        let y = b0 * x + z1
        z1 = b1 * x - a1 * y + z2
        z2 = b2 * x - a2 * y
        return y
    }

    /// Sets the state as if the input had been `x` forever (no start-up transient).
    public mutating func reset(steadyInput x: Double) {
        let y = x * dcGain
        z2 = b2 * x - a2 * y
        z1 = b1 * x - a1 * y + z2
    }

    /// Gain at 0 Hz: 1 for a low-pass, 0 for a high-pass.
    public var dcGain: Double {
        let den = 1 + a1 + a2
        return den == 0 ? 0 : (b0 + b1 + b2) / den
    }

    /// Group delay at 0 Hz in samples, for a section with a non-zero DC gain.
    ///
    /// For H(z) = B(z)/A(z) the delay at ω → 0 is Σk·b_k/Σb_k − Σk·a_k/Σa_k. Event times
    /// found on a low-passed signal are shifted back by this much.
    public var groupDelayAtDCSamples: Double {
        let sb = b0 + b1 + b2
        let sa = 1 + a1 + a2
        guard sb != 0, sa != 0 else { return 0 }
        return (b1 + 2 * b2) / sb - (a1 + 2 * a2) / sa
    }
}

extension Double {
    /// tan(x) without Foundation (StrideCore uses the standard library only), by Lambert's
    /// continued fraction truncated at depth 20: relative error below 1e-13 for |x| < 1.5.
    var tangent: Double {
        // Lambert (1761): tan x = x / (1 − x²/(3 − x²/(5 − x²/(7 − …)))).
        let x2 = self * self
        var d = 0.0
        var k = 41.0
        while k >= 3 {
            d = x2 / (k - d)
            k -= 2
        }
        return self / (1 - d)
    }
}
