import StrideCore
import Testing

@Suite struct SymmetryWindowTests {
    @Test func symmetryIndexIsExact() {
        #expect(SymmetryIndex.percent(left: 250, right: 240) == 200.0 * 10 / 490)
        #expect(SymmetryIndex.percent(left: 1, right: 1) == 0)
        #expect(SymmetryIndex.percent(left: -5, right: 10) == nil)
    }

    /// Known asymmetry through the whole analyser: SI of the window medians is exact, the
    /// window reports only once full and then every hop.
    @Test func windowSIExactOnKnownAsymmetry() {
        var analyzer = StrideAnalyzer(configuration: StrideAnalyzerConfiguration(windowSteps: 32, windowHopSteps: 8, settleStrides: 0))
        var windows: [SymmetryWindowReport] = []
        var strides = 0
        for e in cleanEvents(strides: 60) {
            analyzer.process(e, activity: .running) { out in
                if case .window(let w) = out { windows.append(w) }
                if case .stride = out { strides += 1 }
            }
        }
        #expect(!windows.isEmpty)
        for w in windows {
            #expect(w.windowSteps == 32 && w.leftStrides == 16 && w.rightStrides == 16)
            #expect(w.symmetryIndex[.contactTime] == 200.0 * 10 / 430)
            #expect(w.symmetryIndex[.peakTibialAcceleration]! - 200.0 / 17 < 1e-9)
            #expect(w.symmetryIndex[.stepTime] == 0)
        }
        // Windows every 8 steps once 16 good strides per leg have entered (after the first
        // strides, which wait for a cadence: StrideAnalyzerConfiguration.cadenceSteps / 2
        // step intervals).
        #expect(windows.count >= 10)
    }

    @Test func aWindowIgnoresOneOutlierPerLeg() {
        var w = SymmetryWindow(windowSteps: 8, hopSteps: 1)
        var report: SymmetryWindowReport?
        for i in 0..<8 {
            var m = MetricVector()
            m[.contactTime] = i == 2 ? 400 : 220
            let s = StrideRecord(side: i % 2 == 0 ? .left : .right, index: i, startNs: UInt64(i), endNs: UInt64(i + 1),
                                 metrics: m, rawPeakG: 0, peakClipped: false, quality: [])
            if w.add(s) { report = w.report(baselineSI: nil) }
        }
        #expect(report?.symmetryIndex[.contactTime] == 0)
    }
}
