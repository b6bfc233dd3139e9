import StrideCore

/// When and how a drift starts, for scoring a detector against the truth.
public struct DriftOnset: Sendable, Equatable {
    /// Which leg (or both).
    public var leg: DriftLeg
    /// Which metric.
    public var metric: GaitMetric
    /// Ramp or step.
    public var shape: DriftShape
    /// When the drift starts, CLOCK_MONOTONIC ns.
    public var startNs: UInt64
    /// When it reaches its full amount, ns.
    public var fullNs: UInt64
    /// The full amount, in `unit`.
    public var amount: Double
    /// Its unit.
    public var unit: DriftUnit
}

/// The virtual runner: a gait synthesiser that gives every placement's true signal (a
/// `SignalSource` for the HardwareSim chip models) together with the ground truth.
///
/// ```swift
/// let runner = VirtualRunner(scenario: try ScenarioParser.load(path: "config/scenarios/fatigue-ramp-left.yaml"))
/// let left = runner.source(for: .leftShank)        // feed a chip model, or call sample(atNs:)
/// let rig = SimulatedRig.running(runner)            // or the whole wearable at once
/// var truth = runner.groundTruth()                  // events and strides, streamed
/// let si = runner.trueSymmetryIndex(.contactTime, atNs: t)
/// ```
/// Time 0 of the scenario is `startNs` on the simulated CLOCK_MONOTONIC.
public final class VirtualRunner: @unchecked Sendable {
    /// The scenario.
    public let scenario: Scenario
    /// The monotonic time of the run's start, ns.
    public let startNs: UInt64
    private let timeline: GaitTimeline

    /// Creates the runner; the run starts at `startNs` (the VirtualClock's default start).
    public init(scenario: Scenario, startNs: UInt64 = 1_000_000_000) {
        self.scenario = scenario
        self.startNs = startNs
        timeline = GaitTimeline(scenario: scenario)
    }

    /// The run's end, ns.
    public var endNs: UInt64 { ns(scenario.durationS) }

    /// A new, independent signal source for `placement` (read each in increasing time).
    public func source(for placement: Placement) -> RunnerSignalSource {
        RunnerSignalSource(placement: placement, timeline: timeline, startNs: startNs,
                           options: scenario.sensorOptions(for: placement), seed: scenario.seed)
    }

    /// The ground truth, streamed: events in time order, strides as they complete.
    public func groundTruth() -> GroundTruthStream {
        GroundTruthStream(timeline: timeline, startNs: startNs, endS: scenario.durationS)
    }

    /// Sends the ground truth up to `untilNs` (default: the whole run) to `sink`.
    public func streamGroundTruth(to sink: any GroundTruthSink, untilNs: UInt64 = .max) {
        var stream = groundTruth()
        while let item = stream.next() {
            switch item {
            case .event(let e):
                if e.timeNs > untilNs { return }
                sink.record(event: e)
            case .stride(let s):
                if s.nextICNs > untilNs { return }
                sink.record(stride: s)
            }
        }
    }

    /// The whole ground truth up to `untilNs`, kept in memory.
    public func recordGroundTruth(untilNs: UInt64 = .max) -> GroundTruthRecorder {
        let recorder = GroundTruthRecorder()
        streamGroundTruth(to: recorder, untilNs: untilNs)
        return recorder
    }

    /// The leg's intended (noiseless) value of `metric` at `timeNs`, nil while standing.
    public func nominalValue(_ metric: GaitMetric, side: Side, atNs timeNs: UInt64) -> Double? {
        let t = seconds(timeNs)
        let (segment, _) = scenario.segment(atS: t)
        guard segment.activity != .standing else { return nil }
        let p = GaitModel.parameters(activity: segment.activity, speedMps: segment.speedMps, slopePct: segment.slopePct,
                                     cadenceOverrideSpm: segment.cadenceSpm)
        let m = t / 60
        let s = scenario
        func leg(_ metric: GaitMetric, _ side: Side, _ nominal: Double) -> Double {
            s.legValue(metric, side: side, nominal: nominal, atMinute: m)
        }
        let contact = leg(.contactTime, side, p.contactTimeS)
        let step = leg(.stepTime, side, p.stepTimeS)
        let otherStep = leg(.stepTime, side.other, p.stepTimeS)
        let pta = leg(.pta, side, p.ptaG * s.ptaScale)
        switch metric {
        case .contactTime: return contact
        case .stepTime: return step
        case .strideTime: return step + otherStep
        case .flightTime: return max(0, otherStep - contact)
        case .dutyFactor: return contact / (step + otherStep)
        case .pta: return pta
        case .loadingRate: return leg(.loadingRate, side, (pta - 1) / p.riseTimeS)
        }
    }

    /// The true symmetry index of `metric` at `timeNs` from the legs' intended values,
    /// percent (positive = left larger); nil while standing.
    public func trueSymmetryIndex(_ metric: GaitMetric, atNs timeNs: UInt64) -> Double? {
        guard let l = nominalValue(metric, side: .left, atNs: timeNs),
              let r = nominalValue(metric, side: .right, atNs: timeNs) else { return nil }
        return symmetryIndex(l, r)
    }

    /// Every drift's onset, earliest first.
    public var driftOnsets: [DriftOnset] {
        scenario.drifts.filter { $0.shape != .none && $0.amount != 0 }
            .map { d in
                DriftOnset(leg: d.leg, metric: d.metric, shape: d.shape, startNs: ns(d.startMin * 60),
                           fullNs: ns((d.startMin + (d.shape == .ramp ? d.overMin : 0)) * 60), amount: d.amount, unit: d.unit)
            }
            .sorted { $0.startNs < $1.startNs }
    }

    /// When the first drift starts, ns (nil: no drift).
    public var firstDriftOnsetNs: UInt64? { driftOnsets.first?.startNs }

    /// Scenario seconds → monotonic ns.
    public func ns(_ seconds: Double) -> UInt64 { startNs &+ UInt64(max(0, seconds * 1e9).rounded()) }

    /// Monotonic ns → scenario seconds.
    public func seconds(_ timeNs: UInt64) -> Double { (Double(timeNs) - Double(startNs)) / 1e9 }
}
