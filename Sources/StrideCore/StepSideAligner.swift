/// Keeps A and B meaning the same leg across pauses when the steps' sides are unknown.
///
/// Without a side signal a sacrum labels steps A and B alternately and starts again with A
/// after a pause (`SideSource.alternate`), so after a stop A is whichever foot lands first:
/// half the time the other leg. The baseline and the detectors outlive the pause, so a
/// runner with a steady asymmetry would see it change sign, which is twice its size as a
/// change. The aligner compares each new bout's settling strides (the ones skipped before
/// the detectors, `StrideAnalyzerConfiguration.settleStrides`) with the asymmetry seen so
/// far and swaps A and B for the rest of the bout when the two disagree.
///
/// The evidence: per metric, the SI of the two labels' means over the settling strides,
/// against the running mean of every stride pair's SI so far (in aligned labels), each
/// metric weighted by the inverse variance of its pair SI; the bout is swapped when the
/// weighted sum of their products is negative. A runner with no real asymmetry gives no
/// evidence, and then either labelling is as good. Only the first bout's labels are
/// taken as given.
///
/// Storage is allocated at creation; nothing allocates per stride.
public struct StepSideAligner: Sendable {
    /// Whether the current bout's A and B are swapped.
    public private(set) var swapped = false
    /// Whether a new bout's labelling is still to be decided.
    public private(set) var deciding = false
    /// Fewest settling strides per label with a metric before it counts as evidence.
    public static let minimumSettlingStrides = 3
    /// Least variance of a metric's pair SI used as its weight, SI points².
    static let varianceFloor = 0.01

    private var settleSum: ContiguousArray<Double>    // [label × metric]
    private var settleCount: ContiguousArray<Int>     // [label × metric]
    private var pairCount: ContiguousArray<Int>       // [metric]
    private var pairMean: ContiguousArray<Double>     // [metric]
    private var pairM2: ContiguousArray<Double>       // [metric], Welford's sum of squares

    /// An aligner with no history.
    public init() {
        settleSum = ContiguousArray(repeating: 0, count: 2 * StrideMetric.count)
        settleCount = ContiguousArray(repeating: 0, count: 2 * StrideMetric.count)
        pairCount = ContiguousArray(repeating: 0, count: StrideMetric.count)
        pairMean = ContiguousArray(repeating: 0, count: StrideMetric.count)
        pairM2 = ContiguousArray(repeating: 0, count: StrideMetric.count)
    }

    /// A new bout starts (running resumed, or the sensors came back after a gap): its
    /// labelling is undecided until `decide()`; until then strides keep their labels.
    public mutating func startBout() {
        swapped = false
        deciding = true
        for i in 0..<settleSum.count {
            settleSum[i] = 0
            settleCount[i] = 0
        }
    }

    /// A settling stride of the new bout, with the detector's label.
    public mutating func observeSettling(_ stride: StrideRecord) {
        guard deciding else { return }
        let label = stride.side.legSlot
        for m in StrideMetric.all {
            guard let v = stride.metrics[m] else { continue }
            settleSum[label * StrideMetric.count + m.rawValue] += v
            settleCount[label * StrideMetric.count + m.rawValue] += 1
        }
    }

    /// Decides the new bout's labelling from its settling strides (call once they are
    /// over).
    public mutating func decide() {
        guard deciding else { return }
        deciding = false
        var score = 0.0
        for m in StrideMetric.all {
            let a = m.rawValue, b = StrideMetric.count + m.rawValue
            let n = pairCount[m.rawValue]
            guard n >= 2, settleCount[a] >= Self.minimumSettlingStrides, settleCount[b] >= Self.minimumSettlingStrides else {
                continue
            }
            // Floored at (0.1 point)²: a metric whose pairs never varied is strong evidence,
            // not an infinite one.
            let variance = Swift.max(pairM2[m.rawValue] / Double(n - 1), Self.varianceFloor)
            guard let si = SymmetryIndex.percent(left: settleSum[a] / Double(settleCount[a]),
                                                 right: settleSum[b] / Double(settleCount[b])) else { continue }
            score += si * pairMean[m.rawValue] / variance
        }
        swapped = score < 0
    }

    /// `stride` with A and B swapped when the bout is.
    public func aligned(_ stride: StrideRecord) -> StrideRecord {
        guard swapped else { return stride }
        var s = stride
        if s.side == .stepA || s.side == .stepB { s.side = s.side.other }
        return s
    }

    /// One stride pair's SI per metric, in aligned labels (A as left).
    public mutating func observePair(_ si: MetricVector) {
        for m in StrideMetric.all {
            guard let v = si[m], v.isFinite else { continue }
            let i = m.rawValue
            pairCount[i] += 1
            let delta = v - pairMean[i]
            pairMean[i] += delta / Double(pairCount[i])
            pairM2[i] += delta * (v - pairMean[i])
        }
    }
}
