import Foundation
import StrideCore
import Testing

/// Calibration aid: the largest CUSUM statistics and size estimates per stream over 8 h
/// of symmetric running with h = ∞. Run by hand when changing the detector or the model.
@Suite struct DriftCalibrationTests {
    @Test(.disabled("calibration aid, run by hand"), arguments: [11, 22, 33] as [UInt64]) func nullMaxima(seed: UInt64) {
        var rng = SeededRNG(seed: seed)
        let segs = SynthRunner.varied(hours: 8, rng: &rng)
        var runner = SynthRunner(seed: seed)
        let big = DriftDetectorConfiguration(shiftH: 1e6, driftH: 1e6)
        var analyzer = StrideAnalyzer(configuration: StrideAnalyzerConfiguration(detector: big))
        var maxMag = [Double](repeating: 0, count: 21)
        var i = 0
        runner.run(segs) { e, act in
            analyzer.process(e, activity: act) { _ in }
            i += 1
            if i % 50 == 0, analyzer.baseline != nil {
                for m in StrideMetric.all where StrideMetricSet.defaultMonitored.contains(m) {
                    for s in 0..<3 { maxMag[m.rawValue * 3 + s] = max(maxMag[m.rawValue * 3 + s], abs(analyzer.compensationMonitor.detector(m, stream: s).magnitude)) }
                }
            }
        }
        for m in StrideMetric.all where StrideMetricSet.defaultMonitored.contains(m) {
            var line = "seed \(seed) \(m.label):"
            for s in 0..<3 {
                let d = analyzer.compensationMonitor.detector(m, stream: s)
                line += String(format: " [%@ shiftMax %.1f driftMax %.1f |mag|max %.1f]", ["L", "R", "SI"][s], d.shift.peakRatio * 1e6, d.drift.peakRatio * 1e6, maxMag[m.rawValue * 3 + s])
            }
            print(line)
        }
    }
}
