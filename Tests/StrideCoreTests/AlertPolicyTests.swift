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

    /// After a stop and a walking break the analyser emits no stride and no alert while not
    /// running, and skips the settling strides when running resumes.
    @Test func noRunningOutputWhileWalkingAndSettleAfter() {
        var analyzer = StrideAnalyzer(configuration: StrideAnalyzerConfiguration(settleStrides: 10))
        var strides = 0, windows = 0
        for e in cleanEvents(strides: 40) { analyzer.process(e, activity: .walking) { if case .stride = $0 { strides += 1 } } }
        #expect(strides == 0)
        for e in cleanEvents(strides: 20, t0: 60_000_000_000) {
            analyzer.process(e, activity: .running) { out in
                if case .window = out { windows += 1 }
            }
        }
        // 19 strides per leg, 10 settle, 16 needed per leg for a window: none yet.
        #expect(windows == 0)
    }
}
