@testable import StrideDaemon
import StrideCore
import Testing

/// The daemon does not cue an impact asymmetry on a leg whose strap rings: the loose
/// mount, not the runner, makes that leg's PTA read high.
@Suite("Cues while a strap looks loose")
struct LooseStrapCueTests {
    static func finding(_ side: AlertSide, _ metric: StrideMetric) -> CompensationFinding {
        CompensationFinding(side: side, primaryMetric: metric, metrics: StrideMetricSet(metric), severity: 1.2,
                            symmetryIndexChange: 12, leftChangePercent: 0, rightChangePercent: 15, onsetNs: 0)
    }

    @Test func anImpactChangeOnTheLooseLegIsHeldBack() {
        #expect(Daemon.comesFromALooseStrap(Self.finding(.leg(.right), .peakTibialAcceleration), looseMounts: [.rightShank]))
        #expect(Daemon.comesFromALooseStrap(Self.finding(.leg(.right), .loadingRate), looseMounts: [.rightShank]))
    }

    @Test func everythingElseIsCued() {
        // The firm leg, a timing metric on the loose leg, no loose strap, one loose of two for "both".
        #expect(!Daemon.comesFromALooseStrap(Self.finding(.leg(.left), .peakTibialAcceleration), looseMounts: [.rightShank]))
        #expect(!Daemon.comesFromALooseStrap(Self.finding(.leg(.right), .contactTime), looseMounts: [.rightShank]))
        #expect(!Daemon.comesFromALooseStrap(Self.finding(.leg(.right), .peakTibialAcceleration), looseMounts: []))
        #expect(!Daemon.comesFromALooseStrap(Self.finding(.both, .peakTibialAcceleration), looseMounts: [.leftShank]))
        #expect(Daemon.comesFromALooseStrap(Self.finding(.both, .peakTibialAcceleration), looseMounts: [.leftShank, .rightShank]))
    }
}
