import StrideCore
import Testing

/// Steps with unknown sides (a sacrum without a medio-lateral axis labels them A and B
/// alternately, starting with A after every pause): the analyser keeps A on the same leg
/// across pauses, so a steady asymmetry does not change sign when the runner happens to
/// restart on the other foot.
@Suite struct StepSideAlignerTests {
    /// A runner whose left contact time is 232 ms and right 210 ms (contact-time SI ≈ +10),
    /// each toe-off jittered by up to ±8 ms (so the detectors have a spread to work with),
    /// with events labelled A/B; `leftIsA` false labels the left foot B (a bout that began
    /// on the right foot).
    func unlabelledEvents(strides: Int, t0: UInt64, leftIsA: Bool, rng: inout SeededRNG) -> [GaitEvent] {
        cleanEvents(strides: strides, contactMs: 232, contactRMs: 210, t0: t0).map { e in
            var e = e
            let isLeft = e.side == .left
            if e.kind == .toeOff { e.timeNs = UInt64(Int64(e.timeNs) + Int64.random(in: -8_000_000...8_000_000, using: &rng)) }
            e.side = isLeft == leftIsA ? .stepA : .stepB
            return e
        }
    }

    @Test func aBoutThatRestartsOnTheOtherFootIsRelabelled() {
        let baseline = BaselineConfiguration(warmupSeconds: 10, learnSeconds: 120, minStridesPerLeg: 100)
        var analyzer = StrideAnalyzer(configuration: StrideAnalyzerConfiguration(baseline: baseline))
        var alerts: [CompensationAlert] = []
        var learnt = false
        var rng = SeededRNG(seed: 7)
        // Contact time of the strides emitted with label A, per bout, after its settling.
        var contactOfA: [[Double]] = []
        let s: UInt64 = 1_000_000_000
        var t: UInt64 = s
        for (bout, leftIsA) in [true, false, true, false, false, true].enumerated() {
            if bout > 0 {
                for e in unlabelledEvents(strides: 15, t0: t, leftIsA: true, rng: &rng) { analyzer.process(e, activity: .walking) { _ in } }
                t += 20 * s
            }
            contactOfA.append([])
            let strides = bout == 0 ? 250 : 150
            for (i, e) in unlabelledEvents(strides: strides, t0: t, leftIsA: leftIsA, rng: &rng).enumerated() {
                analyzer.process(e, activity: .running) { out in
                    switch out {
                    case .stride(let r) where r.side == .stepA && i > 4 * 40:
                        if let c = r.metrics[.contactTime] { contactOfA[bout].append(c) }
                    case .alert(let a): alerts.append(a)
                    case .baselineLearnt: learnt = true
                    default: break
                    }
                }
            }
            t += UInt64(strides) * 700_000_000 + s
        }
        #expect(learnt)
        // A stays the left leg (232 ms) in every bout, whichever foot the bout began on.
        for (bout, contacts) in contactOfA.enumerated() {
            let mean = contacts.reduce(0, +) / Double(Swift.max(1, contacts.count))
            #expect(contacts.count > 50 && abs(mean - 232) < 3, "bout \(bout): A's mean contact time \(mean) ms")
        }
        // So the steady +10-point asymmetry never looks like a 20-point change.
        #expect(alerts.filter { $0.kind == .raised }.isEmpty, "alerts: \(alerts.map(\.finding.side))")
    }

    @Test func theAlignerFollowsTheEvidenceAndNeedsSome() {
        func stride(_ side: Side, contact: Double) -> StrideRecord {
            var m = MetricVector()
            m[.contactTime] = contact
            m[.strideTime] = 700
            return StrideRecord(side: side, index: 0, startNs: 0, endNs: 1, metrics: m, rawPeakG: 0, peakClipped: false,
                                quality: StrideQuality())
        }
        var pairs = MetricVector()
        var aligner = StepSideAligner()
        // No history: the first bout is taken as given.
        aligner.startBout()
        for _ in 0..<5 { aligner.observeSettling(stride(.stepA, contact: 210)); aligner.observeSettling(stride(.stepB, contact: 232)) }
        aligner.decide()
        #expect(!aligner.swapped)
        // History: A longer by about 10 points, with some spread.
        for k in 0..<50 {
            pairs[.contactTime] = 10 + Double(k % 5) - 2
            aligner.observePair(pairs)
        }
        aligner.startBout()
        for _ in 0..<5 { aligner.observeSettling(stride(.stepA, contact: 210)); aligner.observeSettling(stride(.stepB, contact: 232)) }
        aligner.decide()
        #expect(aligner.swapped, "A now shorter: the labels are the other way round")
        #expect(aligner.aligned(stride(.stepA, contact: 210)).side == .stepB)
        aligner.startBout()
        for _ in 0..<5 { aligner.observeSettling(stride(.stepA, contact: 232)); aligner.observeSettling(stride(.stepB, contact: 210)) }
        aligner.decide()
        #expect(!aligner.swapped)
        // Too few settling strides: no evidence, labels kept.
        aligner.startBout()
        for _ in 0..<2 { aligner.observeSettling(stride(.stepA, contact: 210)); aligner.observeSettling(stride(.stepB, contact: 232)) }
        aligner.decide()
        #expect(!aligner.swapped)
    }
}
