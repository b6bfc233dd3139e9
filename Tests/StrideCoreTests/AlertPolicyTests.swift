import StrideCore
import Testing

@Suite struct AlertPolicyTests {
    func finding(_ side: AlertSide, _ severity: Double) -> CompensationFinding {
        CompensationFinding(side: side, primaryMetric: .contactTime, metrics: StrideMetricSet(.contactTime),
                            severity: severity, symmetryIndexChange: 2.5 * severity, leftChangePercent: 0,
                            rightChangePercent: 0, onsetNs: 1)
    }

    /// Raise once, hold without nagging through the cool-down, escalate when it grows or
    /// persists, clear only after the hold period below the clear level.
    @Test func hysteresisCooldownEscalationClear() {
        var p = AlertPolicy(effectiveWindowStridePairs: 39)
        var reset = false
        let s: UInt64 = 1_000_000_000
        var alerts: [CompensationAlert] = []
        func step(_ t: UInt64, raise: CompensationFinding?, hold: CompensationFinding?) {
            if let a = p.step(raise: raise, hold: hold, timeNs: t * s, resetDetectors: &reset) { alerts.append(a) }
        }
        step(10, raise: finding(.leg(.left), 1.1), hold: nil)
        #expect(alerts.last?.kind == .raised && alerts.last?.level == 1)
        for t in 11..<100 { step(UInt64(t), raise: finding(.leg(.left), 1.1), hold: finding(.leg(.left), 1.1)) }
        #expect(alerts.count == 1)  // no repeat inside the 120 s cool-down
        step(131, raise: nil, hold: finding(.leg(.left), 1.8))  // grew ×1.6 after the cool-down
        #expect(alerts.last?.kind == .escalated && alerts.last?.level == 2)
        for t in 132..<440 { step(UInt64(t), raise: nil, hold: finding(.leg(.left), 1.8)) }
        #expect(alerts.last?.kind == .escalated && alerts.last?.level == 3)  // persisted 300 s
        // Below the clear level (hold finding nil) for fewer than 40 pairs: still active.
        for t in 440..<470 { step(UInt64(t), raise: nil, hold: nil) }
        #expect(p.active != nil)
        for t in 470..<485 { step(UInt64(t), raise: nil, hold: nil) }
        #expect(alerts.last?.kind == .cleared && p.active == nil && reset)
    }

    /// A both-leg finding raises only once it has stood 3 minutes (a climb lengthens both
    /// legs' contact time for a few minutes); a one-sided one raises at once; a gap of more
    /// than 30 s restarts the clock.
    @Test func aBothLegFindingMustStandBeforeItRaises() {
        /// When a both-leg finding, present every second from 100 s except over `absent`,
        /// first raises.
        func firstRaise(absent: Range<UInt64>, until end: UInt64) -> UInt64? {
            var p = AlertPolicy(effectiveWindowStridePairs: 39)
            var reset = false
            for t in UInt64(100)..<end {
                let f = absent.contains(t) ? nil : finding(.both, 1.2)
                if let a = p.step(raise: f, hold: nil, timeNs: t * 1_000_000_000, resetDetectors: &reset), a.kind == .raised {
                    return t
                }
            }
            return nil
        }
        // A 20 s flicker at 150-170 s keeps the clock: 180 s after 100 s.
        #expect(firstRaise(absent: 150..<170, until: 400) == 280)
        // A 60 s absence at 200-260 s restarts it: 180 s after 260 s.
        #expect(firstRaise(absent: 200..<260, until: 500) == 440)

        var reset = false
        var r = AlertPolicy(effectiveWindowStridePairs: 39)
        let one = r.step(raise: finding(.leg(.right), 1.2), hold: nil, timeNs: 100_000_000_000, resetDetectors: &reset)
        #expect(one?.kind == .raised, "a one-sided finding does not wait")
    }

    /// After a stop and a walking break the analyser emits no stride and no alert while not
    /// running, and skips the settling strides when running resumes: no stride of the first
    /// `settleStrides` per leg enters a window (without settling, some do: the check has teeth).
    @Test func noRunningOutputWhileWalkingAndSettleAfter() {
        let resumeNs: UInt64 = 60_000_000_000
        /// Start times of the windows after a walking break, with `settle` strides skipped.
        func windowStarts(settle: Int) -> (strides: Int, starts: [UInt64]) {
            var analyzer = StrideAnalyzer(configuration: StrideAnalyzerConfiguration(settleStrides: settle))
            var strides = 0
            var starts: [UInt64] = []
            for e in cleanEvents(strides: 40) {
                analyzer.process(e, activity: .walking) { if case .stride = $0 { strides += 1 } }
            }
            for e in cleanEvents(strides: 60, t0: resumeNs) {
                analyzer.process(e, activity: .running) { out in
                    if case .window(let w) = out { starts.append(w.startNs) }
                }
            }
            return (strides, starts)
        }
        let plain = windowStarts(settle: 0), settled = windowStarts(settle: 10)
        #expect(plain.strides == 0 && settled.strides == 0, "no running strides while walking")
        // The 10th stride of each leg after the resume ends 10 strides of 700 ms in.
        let settledNs = resumeNs + 10 * 700_000_000
        let first = plain.starts.first, firstSettled = settled.starts.first
        #expect(first != nil && firstSettled != nil, "windows once running")
        if let a = first, let b = firstSettled {
            #expect(a < settledNs, "without settling the first window reaches back to \(Double(a) * 1e-9) s")
            #expect(b >= settledNs, "the first window after settling reaches back to \(Double(b) * 1e-9) s")
        }
    }

    /// A break in running keeps the learnt baseline: running resumes against it, without
    /// learning a second one.
    @Test func theBaselineSurvivesABreak() {
        let baseline = BaselineConfiguration(warmupSeconds: 10, learnSeconds: 120, minStridesPerLeg: 100)
        var analyzer = StrideAnalyzer(configuration: StrideAnalyzerConfiguration(baseline: baseline))
        var learnt = 0
        func feed(_ events: [GaitEvent], _ activity: Activity) {
            for e in events {
                analyzer.process(e, activity: activity) { if case .baselineLearnt = $0 { learnt += 1 } }
            }
        }
        feed(cleanEvents(strides: 300), .running)  // 210 s of running
        #expect(learnt == 1 && analyzer.baselinePhase == .learnt)
        feed(cleanEvents(strides: 40, t0: 300_000_000_000), .walking)
        feed(cleanEvents(strides: 300, t0: 400_000_000_000), .running)
        #expect(learnt == 1, "one baseline per run, kept across the break")
        #expect(analyzer.baselinePhase == .learnt)
    }
}
