import Foundation
import StrideCore
import Testing

/// Calibration aid: the largest SI CUSUM statistics per monitored metric over 8 h of
/// symmetric running with h = ∞ (the numbers `DriftDetectorConfiguration.symmetryStepH`
/// and `.symmetryDriftH` were set from, over 30 seeds). Run by hand when changing the
/// detector or the generator.
@Suite struct DriftCalibrationTests {
    @Test(.disabled("calibration aid, run by hand"), arguments: [11, 22, 33, 44, 55] as [UInt64]) func nullMaxima(seed: UInt64) {
        var rng = SeededRNG(seed: seed)
        let segs = SynthRunner.varied(hours: 8, rng: &rng)
        var runner = SynthRunner(seed: seed)
        runner.contactLeg = [1.006, 1.0]
        runner.ptaLeg = [1.0, 1.03]
        let big = DriftDetectorConfiguration(symmetryStepH: 1e6, symmetryDriftH: 1e6)
        var analyzer = StrideAnalyzer(configuration: StrideAnalyzerConfiguration(detector: big))
        runner.run(segs) { e, act in analyzer.process(e, activity: act) { _ in } }
        for m in StrideMetric.all where StrideMetricSet.defaultMonitored.contains(m) {
            let d = analyzer.compensationMonitor.symmetryDetector(m)
            print(String(format: "seed %llu %@: step max %.1fσ (h %.0f), drift max %.1fσ (h %.0f), σ pair %.2f, σ block %.2f, reference %.2f",
                         seed, m.label, d.step.peakRatio * 1e6, DriftDetectorConfiguration.symmetryStepH,
                         d.drift.peakRatio * 1e6, DriftDetectorConfiguration.symmetryDriftH, d.pairSigma, d.blockSigma, d.reference))
        }
    }
}
