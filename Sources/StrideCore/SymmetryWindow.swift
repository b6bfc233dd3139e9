/// One rolling window's left/right summary and symmetry indices.
public struct SymmetryWindowReport: Sendable, Equatable {
    /// The configured window length in steps (both legs together; half of them per leg).
    public var windowSteps: Int
    /// Good strides of the left (A) leg in the window.
    public var leftStrides: Int
    /// Good strides of the right (B) leg in the window.
    public var rightStrides: Int
    /// Start of the oldest stride in the window, ns.
    public var startNs: UInt64
    /// End of the newest stride in the window, ns.
    public var endNs: UInt64
    /// Each metric over the left (A) leg's strides in the window: the mean of the middle
    /// three quarters (`SymmetryWindow.legSummary`).
    public var left: MetricVector
    /// The same for the right (B) leg.
    public var right: MetricVector
    /// SI = 200·(L − R)/(L + R) % of the two legs' summaries, per metric (nil when undefined).
    public var symmetryIndex: MetricVector
    /// SI minus the runner's baseline SI, in SI points, once a baseline is learnt.
    public var symmetryIndexChange: MetricVector

    /// Creates an empty report for a window of `windowSteps` steps.
    public init(windowSteps: Int) {
        self.windowSteps = windowSteps
        leftStrides = 0
        rightStrides = 0
        startNs = 0
        endNs = 0
        left = MetricVector()
        right = MetricVector()
        symmetryIndex = MetricVector()
        symmetryIndexChange = MetricVector()
    }
}

/// Rolling windows of steps with robust per-leg statistics (the mean of the middle three
/// quarters, `legSummary`) and the symmetry index of those.
///
/// The window holds the last `windowSteps / 2` good strides of each leg. Trimming the
/// outer eighth at each end resists the odd mis-detected event like a median, while
/// averaging the middle keeps the per-stride noise down (a median of 16 is about 1.25×
/// noisier than their mean). Storage is allocated
/// at creation; `add` and `report` allocate nothing.
public struct SymmetryWindow: Sendable {
    /// Literature uses at least 25 steps for SI and 32-64 for variability measures
    /// (running-gait-facts.md, "Normal values and asymmetry"): default 32 steps.
    public static let defaultWindowSteps = 32
    /// Default hop between reports: a quarter window, steps.
    public static let defaultHopSteps = 8

    /// Window length in steps (both legs).
    public let windowSteps: Int
    /// A report is produced every this many steps once the window is full.
    public let hopSteps: Int
    private let perLeg: Int
    private var values: ContiguousArray<RingBuffer<Double>>  // [leg * count + metric]
    private var starts: (RingBuffer<UInt64>, RingBuffer<UInt64>)
    private var lastEndNs: UInt64 = 0
    private var stepsSinceReport = 0
    private var scratch: ContiguousArray<Double>

    /// Creates a window of `windowSteps` steps (at least 4, rounded up to even) reporting
    /// every `hopSteps` steps (at least 1).
    public init(windowSteps: Int = defaultWindowSteps, hopSteps: Int = defaultHopSteps) {
        let w = Swift.max(4, windowSteps + windowSteps % 2)
        self.windowSteps = w
        self.hopSteps = Swift.max(1, hopSteps)
        perLeg = w / 2
        values = ContiguousArray(repeating: RingBuffer(capacity: w / 2, filler: 0.0), count: 2 * StrideMetric.count)
        starts = (RingBuffer(capacity: w / 2, filler: 0), RingBuffer(capacity: w / 2, filler: 0))
        scratch = ContiguousArray(repeating: 0, count: w / 2)
        // Each ring must own its storage (the repeating initialiser shares one buffer).
        for i in 0..<values.count { values[i] = RingBuffer(capacity: w / 2, filler: 0.0) }
    }

    /// Forgets every stride (after a pause: windows never span a break).
    public mutating func removeAll() {
        for i in 0..<values.count { values[i].removeAll() }
        starts.0.removeAll()
        starts.1.removeAll()
        stepsSinceReport = 0
    }

    /// Adds a good stride; returns true when a report is due (call `report`).
    public mutating func add(_ stride: StrideRecord) -> Bool {
        let leg = stride.side.legSlot
        for m in StrideMetric.all {
            if let x = stride.metrics[m] { values[leg * StrideMetric.count + m.rawValue].append(x) }
        }
        if leg == 0 { starts.0.append(stride.startNs) } else { starts.1.append(stride.startNs) }
        lastEndNs = Swift.max(lastEndNs, stride.endNs)
        stepsSinceReport += 1
        guard starts.0.count == perLeg, starts.1.count == perLeg, stepsSinceReport >= hopSteps else { return false }
        stepsSinceReport = 0
        return true
    }

    /// The current window's report; `baselineSI` (per metric) gives the SI change.
    public mutating func report(baselineSI: MetricVector?) -> SymmetryWindowReport {
        var r = SymmetryWindowReport(windowSteps: windowSteps)
        r.leftStrides = starts.0.count
        r.rightStrides = starts.1.count
        r.startNs = Swift.min(starts.0.element(age: starts.0.count - 1) ?? 0,
                              starts.1.element(age: starts.1.count - 1) ?? 0)
        r.endNs = lastEndNs
        for m in StrideMetric.all {
            let l = summary(leg: 0, metric: m)
            let rr = summary(leg: 1, metric: m)
            r.left[m] = l
            r.right[m] = rr
            if let l, let rr, let si = SymmetryIndex.percent(left: l, right: rr) {
                r.symmetryIndex[m] = si
                if let b = baselineSI?[m] { r.symmetryIndexChange[m] = si - b }
            }
        }
        return r
    }

    /// Fraction of a leg's strides dropped at each end before averaging: an eighth, and at
    /// least one stride from three strides up (short windows keep their outlier guard).
    public static let trimFraction = 0.125

    /// A leg's value of one metric over a window's strides: the mean of the middle three
    /// quarters (`trimFraction` dropped at each end); reorders `values[0..<count]`.
    public static func legSummary(_ values: inout ContiguousArray<Double>, count: Int) -> Double? {
        let cut = count >= 3 ? Swift.max(1, Int(Double(count) * trimFraction)) : 0
        return RobustStatistics.trimmedMean(&values, count: count, trimEachEnd: cut)
    }

    /// One leg's metric over the window; nil with fewer than half a window's values of it.
    private mutating func summary(leg: Int, metric: StrideMetric) -> Double? {
        let ring = values[leg * StrideMetric.count + metric.rawValue]
        let n = ring.count
        guard n * 2 >= perLeg else { return nil }
        for i in 0..<n { scratch[i] = ring.element(age: i) ?? 0 }
        return Self.legSummary(&scratch, count: n)
    }
}
