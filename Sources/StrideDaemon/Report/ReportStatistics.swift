import Foundation

/// Small descriptive statistics for the report (Double arrays, sorted copies: the report
/// runs after the run, not on the real-time path).
enum ReportStatistics {
    /// The scale from a median absolute deviation to a normal standard deviation.
    static let madToSigma = 1.482602218505602

    /// The q-quantile (0…1) by linear interpolation between order statistics; nil when empty.
    static func quantile(_ values: [Double], _ q: Double) -> Double? {
        let sorted = values.filter(\.isFinite).sorted()
        return quantile(sorted: sorted, q)
    }

    /// The q-quantile of an already sorted array.
    static func quantile(sorted: [Double], _ q: Double) -> Double? {
        guard let first = sorted.first, let last = sorted.last else { return nil }
        if sorted.count == 1 { return first }
        let pos = min(max(q, 0), 1) * Double(sorted.count - 1)
        let lo = Int(pos.rounded(.down))
        let hi = min(lo + 1, sorted.count - 1)
        if lo >= sorted.count - 1 { return last }
        return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - Double(lo))
    }

    /// The median; nil when empty.
    static func median(_ values: [Double]) -> Double? { quantile(values, 0.5) }

    /// Robust standard deviation: 1.4826 × the median absolute deviation; nil with fewer
    /// than 3 values.
    static func robustSigma(_ values: [Double]) -> Double? {
        let v = values.filter(\.isFinite)
        guard v.count >= 3, let m = median(v), let mad = median(v.map { abs($0 - m) }) else { return nil }
        return mad * madToSigma
    }

    /// The short-term spread of a series: the robust standard deviation of successive
    /// differences divided by √2, so a slow drift (fatigue) does not inflate it; nil with
    /// fewer than 4 values.
    static func successiveSigma(_ values: [Double]) -> Double? {
        let v = values.filter(\.isFinite)
        guard v.count >= 4 else { return nil }
        let d = (1..<v.count).map { v[$0] - v[$0 - 1] }
        guard let mad = median(d.map(abs)) else { return nil }
        // For a normal difference the median |d| is 0.6745 σ_d; σ = σ_d / √2.
        return mad * madToSigma / 2.0.squareRoot()
    }

    /// A repeatable pseudo-random generator (xorshift64), so a bootstrap gives the same
    /// answer every time the report is made.
    struct Generator {
        private var state: UInt64
        init(seed: UInt64) { state = seed == 0 ? 0x9E37_79B9_7F4A_7C15 : seed }
        mutating func next(below n: Int) -> Int {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return Int(state % UInt64(max(n, 1)))
        }
    }

    /// Standard error of the median by bootstrap: `resamples` resamples with replacement of
    /// `values`; nil with fewer than 3 values.
    static func bootstrapMedianSE(_ values: [Double], resamples: Int, seed: UInt64) -> Double? {
        let v = values.filter(\.isFinite)
        guard v.count >= 3 else { return nil }
        var gen = Generator(seed: seed)
        var medians = [Double]()
        medians.reserveCapacity(resamples)
        var sample = [Double](repeating: 0, count: v.count)
        for _ in 0..<resamples {
            for i in 0..<v.count { sample[i] = v[gen.next(below: v.count)] }
            sample.sort()
            if let m = quantile(sorted: sample, 0.5) { medians.append(m) }
        }
        let mean = medians.reduce(0, +) / Double(max(medians.count, 1))
        let variance = medians.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(max(medians.count - 1, 1))
        return variance.squareRoot()
    }
}
