#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A loosely strapped sensor: after every impact it rings at the strap's resonance, and it
/// picks up extra noise from skin and strap movement.
public struct LooseMount: Sendable, Equatable {
    /// Resonance frequency, Hz: loosely attached skin-mounted accelerometers resonate at
    /// 10-50 Hz (Lafortune et al. 1991, skin- versus bone-mounted tibial accelerometers).
    public var resonanceHz: Double
    /// Ringing amplitude as a fraction of the impact amplitude (Lafortune et al. 1991:
    /// skin mounting overestimated peak tibial acceleration by tens of percent).
    public var gain: Double
    /// Decay time constant of the ringing, s.
    public var decayS: Double
    /// Extra white noise per axis, g.
    public var extraNoiseG: Double

    /// A typical loose strap.
    public static let typical = LooseMount(resonanceHz: 28, gain: 0.4, decayS: 0.040, extraNoiseG: 0.15)

    /// Creates a loose-mount model.
    public init(resonanceHz: Double, gain: Double, decayS: Double, extraNoiseG: Double) {
        self.resonanceHz = resonanceHz
        self.gain = gain
        self.decayS = decayS
        self.extraNoiseG = extraNoiseG
    }

    /// The ringing `u` seconds after an impact of `amplitudeG`, g (0 before the impact).
    @inline(__always)
    func ringing(afterS u: Double, amplitudeG: Double) -> Double {
        guard u >= 0, u < 12 * decayS else { return 0 }
        return gain * amplitudeG * exp(-u / decayS) * sin(2 * .pi * resonanceHz * u)
    }
}

/// Deterministic white noise addressed by (seed, stream, time): the same sample time
/// always gets the same noise, whatever order or rate sensors are read at.
struct HashNoise: Sendable {
    let seed: UInt64

    /// A standard normal deviate for `stream` (placement × axis) at `timeNs`.
    @inline(__always)
    func gaussian(stream: UInt64, timeNs: UInt64) -> Double {
        let a = mix(seed ^ mix(stream &* 0x9e37_79b9_7f4a_7c15 ^ timeNs))
        let b = mix(a ^ 0xd1b5_4a32_d192_ed03)
        let u1 = max(Double(a >> 11) * (1.0 / 9_007_199_254_740_992.0), 1e-300)
        let u2 = Double(b >> 11) * (1.0 / 9_007_199_254_740_992.0)
        return (-2 * log(u1)).squareRoot() * cos(2 * .pi * u2)
    }

    /// SplitMix64's finaliser.
    @inline(__always)
    private func mix(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9e37_79b9_7f4a_7c15
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}
