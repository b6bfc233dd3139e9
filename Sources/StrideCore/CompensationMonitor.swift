/// Thresholds that turn detector alarms into findings.
public struct CompensationThresholds: Sendable, Equatable {
    /// Raise when the contact- or step-time SI moved 2.5 points from the runner's baseline:
    /// about 3× the healthy contact-time asymmetry (0.6 %, Girard 2019; 0.8 %, Mtibaa 2023).
    public static let timingSIRaisePoints = 2.5
    /// Raise when the flight-time SI moved 5 points: about 3× the healthy 1.1-1.7 %
    /// (running-gait-facts.md, "Other healthy asymmetries").
    public static let flightSIRaisePoints = 5.0
    /// Raise when the PTA or loading-rate SI moved 10 points: 2× the upper healthy impact
    /// and loading-rate asymmetry of 2-5 % (running-gait-facts.md).
    public static let impactSIRaisePoints = 10.0
    /// Raise a both-leg timing change of 7 % against each leg's own cadence-corrected
    /// baseline: 70 % of the +10 % contact-time fatigue change the core must report (issue
    /// 3 target); lower values were reached by pace changes in 8 h simulated runs.
    public static let timingLegRaisePercent = 7.0
    /// Per-leg size that counts for flight time, PTA or loading rate, 10 % (they vary 8-10 %
    /// stride to stride, PTA CV in issue 3); used in the reported per-leg changes.
    public static let variableLegRaisePercent = 10.0
    /// Floor under the size of a contact- or step-time SI change before it may raise,
    /// 1.5 SI points: the top of healthy contact-time asymmetry (0.8 ± 0.7 %, Mtibaa 2023).
    public static let timingSIFloorPoints = 1.5
    /// Floor for flight time, 1.7 SI points: the top of the healthy 1.1-1.7 %
    /// (running-gait-facts.md).
    public static let flightSIFloorPoints = 1.7
    /// Floor for PTA and loading rate, 5 SI points: the top of the healthy 2-5 % impact and
    /// loading-rate asymmetry (running-gait-facts.md).
    public static let impactSIFloorPoints = 5.0
    /// Hold an active alert down to half the raise threshold (hysteresis).
    public static let defaultClearRatio = 0.5
    /// "Both legs" when the smaller same-direction change is at least half the larger.
    public static let defaultSymmetricRatio = 0.5
    /// Report a both-leg change only while cadence stays within the baseline's 5th-95th
    /// percentile range widened by this, steps/min: outside it the cadence correction
    /// extrapolates and a pace change could pass for fatigue.
    public static let defaultCadenceMarginSpm = 3.0

    /// Per metric: the SI change the detectors are designed for, SI points (their
    /// allowance is half of it; the hysteresis holds relative to it).
    public var siRaisePoints: MetricVector
    /// Per metric: the least estimated SI change that may raise, SI points.
    public var siFloorPoints: MetricVector
    /// Per metric: per-leg change that raises, %.
    public var legRaisePercent: MetricVector
    /// Fraction of the raise threshold an active alert holds down to.
    public var clearRatio: Double
    /// See `defaultSymmetricRatio`.
    public var symmetricRatio: Double
    /// See `defaultCadenceMarginSpm`.
    public var cadenceMarginSpm: Double

    /// Creates thresholds (defaults above).
    public init(clearRatio: Double = defaultClearRatio, symmetricRatio: Double = defaultSymmetricRatio,
                cadenceMarginSpm: Double = defaultCadenceMarginSpm) {
        var si = MetricVector()
        var leg = MetricVector()
        var floor = MetricVector()
        for m in [StrideMetric.strideTime, .stepTime, .contactTime, .dutyFactor] {
            si[m] = Self.timingSIRaisePoints
            leg[m] = Self.timingLegRaisePercent
            floor[m] = Self.timingSIFloorPoints
        }
        floor[.flightTime] = Self.flightSIFloorPoints
        floor[.peakTibialAcceleration] = Self.impactSIFloorPoints
        floor[.loadingRate] = Self.impactSIFloorPoints
        siFloorPoints = floor
        si[.flightTime] = Self.flightSIRaisePoints
        leg[.flightTime] = Self.variableLegRaisePercent
        si[.peakTibialAcceleration] = Self.impactSIRaisePoints
        si[.loadingRate] = Self.impactSIRaisePoints
        leg[.peakTibialAcceleration] = Self.variableLegRaisePercent
        leg[.loadingRate] = Self.variableLegRaisePercent
        siRaisePoints = si
        legRaisePercent = leg
        self.clearRatio = clearRatio
        self.symmetricRatio = symmetricRatio
        self.cadenceMarginSpm = cadenceMarginSpm
    }
}

/// Watches the baseline-normalised metrics of both legs and their stride-pair symmetry
/// index, and says which side changed.
///
/// Per monitored metric: a `SymmetryShiftDetector` on the stride-pair SI (speed largely
/// cancels in SI, Girard 2019), and a `DriftDetector` per leg on its cadence-corrected
/// values. An asymmetric change shows in the SI stream; it raises when a CUSUM alarmed and
/// the estimated change is at least the clinical floor, and the side is the leg whose
/// metric grew relative to the other (ΔSI > 0: left). A symmetric change (both legs
/// alike, SI unchanged) shows in both leg streams and is reported as `.both`, never as one
/// side. One-sided alerts come only from the SI stream: the per-leg streams carry every
/// pace change the cadence correction misses, so alone they would name a side for what is
/// really a pace change.
public struct CompensationMonitor: Sendable {
    /// The metrics watched.
    public let monitored: StrideMetricSet
    /// The thresholds.
    public let thresholds: CompensationThresholds
    private var legs: ContiguousArray<DriftDetector>  // [metric * 2 + leg]
    private var symmetry: ContiguousArray<SymmetryShiftDetector>  // [metric]
    private var cadenceInRange = true

    /// Creates a monitor.
    public init(monitored: StrideMetricSet = .defaultMonitored, thresholds: CompensationThresholds = CompensationThresholds(),
                detector: DriftDetectorConfiguration = DriftDetectorConfiguration()) {
        self.monitored = monitored
        self.thresholds = thresholds
        legs = ContiguousArray(repeating: DriftDetector(configuration: detector, magnitudeLambda: detector.legMagnitudeLambda),
                               count: 2 * StrideMetric.count)
        symmetry = ContiguousArray(repeating: SymmetryShiftDetector(configuration: detector), count: StrideMetric.count)
    }

    /// The detector of one leg's stream (0 = left/A, 1 = right/B).
    public func detector(_ metric: StrideMetric, leg: Int) -> DriftDetector {
        legs[metric.rawValue * 2 + Swift.min(1, Swift.max(0, leg))]
    }

    /// The detector of one metric's stride-pair SI stream.
    public func symmetryDetector(_ metric: StrideMetric) -> SymmetryShiftDetector {
        symmetry[metric.rawValue]
    }

    /// Largest peak S/h of the SI streams (false-alarm margin when nothing changed).
    public var peakRatio: Double {
        var r = 0.0
        for m in StrideMetric.all where monitored.contains(m) { r = Swift.max(r, symmetry[m.rawValue].peakRatio) }
        return r
    }

    /// Feeds one good running stride against the baseline at the current cadence (and speed).
    public mutating func addStride(_ stride: StrideRecord, cadence: Double, speed: Double?, model: BaselineModel) {
        let leg = stride.side.legSlot
        cadenceInRange = cadence >= model.cadenceLow - thresholds.cadenceMarginSpm
            && cadence <= model.cadenceHigh + thresholds.cadenceMarginSpm
        for m in StrideMetric.all where monitored.contains(m) {
            guard let x = stride.metrics[m] else { continue }
            let b = model.leg(leg, m)
            guard b.count > 0, b.longRunSigma > 0 else { continue }
            let expected = model.expected(leg, m, cadence: cadence, speed: speed)
            guard expected != 0 else { continue }
            let z = (x - expected) / b.longRunSigma
            let percent = 100 * (x - expected) / abs(expected)
            legs[m.rawValue * 2 + leg].update(z: z, deviation: percent, timeNs: stride.endNs)
        }
    }

    /// Feeds one stride pair's SI per metric.
    public mutating func addPair(_ si: MetricVector, timeNs: UInt64, model: BaselineModel) {
        for m in StrideMetric.all where monitored.contains(m) {
            guard let v = si[m] else { continue }
            let b = model.pairSymmetry[m.rawValue]
            guard b.count > 0 else { continue }
            if !symmetry[m.rawValue].isConfigured {
                guard let raise = thresholds.siRaisePoints[m] else { continue }
                symmetry[m.rawValue].configure(pairSigma: b.sigma, blockSigma: b.blockSigma, blockPairs: b.blockPairs,
                                               designShiftPoints: raise, baselinePairs: b.count)
            }
            symmetry[m.rawValue].update(deviation: v - b.median, timeNs: timeNs)
        }
    }

    /// Tells the monitor running stopped or resumed: SI blocks never span a break.
    public mutating func noteBreak() {
        for i in 0..<symmetry.count { symmetry[i].dropPartialBlock() }
    }

    /// Restarts every CUSUM (after an alert cleared); size estimates are kept.
    public mutating func resetAlarms() {
        for i in 0..<legs.count { legs[i].resetAlarm() }
        for i in 0..<symmetry.count { symmetry[i].resetAlarm() }
    }

    /// The strongest current finding. `level` scales the thresholds (1 to raise, the clear
    /// ratio to hold); `requireAlarm` asks for a detector alarm in the direction of the
    /// change and an estimated size at the clinical floor (raising) or not (holding, on
    /// the EWMA sizes against the raise size).
    public func evaluate(level: Double, requireAlarm: Bool) -> CompensationFinding? {
        var best: CompensationFinding?
        var sides = (StrideMetricSet(), StrideMetricSet(), StrideMetricSet())  // left, right, both
        for m in StrideMetric.all where monitored.contains(m) {
            guard let f = classify(m, level: level, requireAlarm: requireAlarm) else { continue }
            switch f.side {
            case .both: sides.2.insert(m)
            case .leg(let s): if s.legSlot == 0 { sides.0.insert(m) } else { sides.1.insert(m) }
            }
            if best == nil || f.severity > (best?.severity ?? 0) { best = f }
        }
        guard var b = best else { return nil }
        switch b.side {
        case .both: b.metrics = sides.2
        case .leg(let s): b.metrics = s.legSlot == 0 ? sides.0 : sides.1
        }
        return b
    }

    /// Metrics whose both-leg changes are reported: the timing metrics, whose fatigue rise
    /// (contact time up, Apte et al. 2021) the cadence correction separates from pace. PTA
    /// and loading rate follow speed beyond cadence (Zandbergen et al. 2023), so a both-leg
    /// change of them is not called fatigue.
    static let bothLegMetrics: StrideMetricSet = [StrideMetricSet(.contactTime), StrideMetricSet(.stepTime)]

    private func classify(_ m: StrideMetric, level: Double, requireAlarm: Bool) -> CompensationFinding? {
        guard let siRaise = thresholds.siRaisePoints[m], let legRaise = thresholds.legRaisePercent[m],
              let floor = thresholds.siFloorPoints[m] else { return nil }
        let dl = legs[m.rawValue * 2], dr = legs[m.rawValue * 2 + 1], ds = symmetry[m.rawValue]
        let cL = dl.magnitude, cR = dr.magnitude
        func agrees(_ d: DriftDetector, _ value: Double) -> Bool {
            !requireAlarm || (d.direction != 0 && Double(d.direction) * value > 0)
        }
        func onset(_ a: UInt64?, _ b: UInt64?) -> UInt64 {
            switch (a, b) {
            case let (x?, y?): return Swift.min(x, y)
            case let (x?, nil): return x
            case let (nil, y?): return y
            default: return 0
            }
        }
        var dSI: Double?
        if requireAlarm {
            if ds.direction != 0, let size = ds.alarmedSize, Double(ds.direction) * size >= level * floor { dSI = size }
        } else if ds.samples > 0, abs(ds.magnitude) >= level * siRaise {
            dSI = ds.magnitude
        }
        if let d = dSI {
            // The leg whose metric grew relative to the other's is named (ΔSI > 0: left).
            // Splitting ΔSI into per-leg contributions was tried and named the wrong side
            // whenever a pace change moved both legs' cadence-corrected levels.
            let side: Side = d > 0 ? .left : .right
            return CompensationFinding(side: .leg(side), primaryMetric: m, metrics: StrideMetricSet(m),
                                       severity: abs(d) / siRaise, symmetryIndexChange: d,
                                       leftChangePercent: cL, rightChangePercent: cR,
                                       onsetNs: ds.onsetNs ?? onset(side == .left ? dl.onsetNs : dr.onsetNs, nil))
        }
        let lOK = dl.samples > 0 && agrees(dl, cL) && abs(cL) >= level * legRaise
        let rOK = dr.samples > 0 && agrees(dr, cR) && abs(cR) >= level * legRaise
        let sameSign = cL * cR > 0
        let small = Swift.min(abs(cL), abs(cR)), large = Swift.max(abs(cL), abs(cR))
        // Fatigue lengthens contact and step time (Apte et al. 2021); both legs getting
        // shorter together is the runner speeding up beyond what the cadence correction
        // learnt at the baseline's pace, not a compensation.
        let lengthened = cL > 0 && cR > 0
        if Self.bothLegMetrics.contains(m), lOK, rOK, sameSign, lengthened, small >= thresholds.symmetricRatio * large, cadenceInRange {
            return CompensationFinding(side: .both, primaryMetric: m, metrics: StrideMetricSet(m),
                                       severity: small / legRaise, symmetryIndexChange: ds.magnitude,
                                       leftChangePercent: cL, rightChangePercent: cR, onsetNs: onset(dl.onsetNs, dr.onsetNs))
        }
        return nil
    }
}
