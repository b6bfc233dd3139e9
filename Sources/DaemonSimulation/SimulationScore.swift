import HardwareSim
import StrideCore
import StrideDaemon

/// A simulated run against the virtual runner's ground truth: what `simulate --json`
/// prints at the end.
public struct SimulationScore: Codable, Sendable {
    /// Initial contacts are matched to the truth within this window, ms: wide enough for a
    /// detector's bias (Kiernan 2023 saw +17 ms in the field), narrow against a step (>200 ms).
    public static let matchWindowMs = 50.0

    /// Event detection per leg.
    public struct Events: Codable, Sendable {
        /// True initial contacts while running.
        public var truth: Int
        /// Detected initial contacts matched to a true one.
        public var found: Int
        /// True ones not found.
        public var missed: Int
        /// Detected ones with no true contact near.
        public var falsePositives: Int
        /// Median |timing error|, ms.
        public var medianErrorMs: Double?
        /// 95th percentile |timing error|, ms.
        public var p95ErrorMs: Double?
    }

    /// One alert.
    public struct Alert: Codable, Sendable {
        /// "raised", "escalated" or "cleared".
        public var kind: String
        /// Minutes since the start of the run.
        public var minute: Double
        /// "left", "right", "both legs".
        public var side: String
        /// The main metric.
        public var metric: String
        /// In words.
        public var description: String
        /// Seconds after the first true drift onset (negative: before it, a false alarm).
        public var delayFromOnsetSeconds: Double?
    }

    /// Simulated seconds.
    public var simulatedSeconds: Double
    /// Wall seconds it took.
    public var wallSeconds: Double
    /// How many times faster than real time.
    public var speedFactor: Double
    /// Per placement of the events' side: "left", "right".
    public var events: [String: Events]
    /// When the scenario's first drift starts, minutes (nil: no drift).
    public var driftOnsetMinute: Double?
    /// Every alert.
    public var alerts: [Alert]
    /// Alerts raised when no drift had started (or in a scenario with none).
    public var falseAlarms: Int
    /// Buzzer line transitions.
    public var buzzerTransitions: Int
    /// From the alert's stride to the buzzer line's next rise, ms (virtual clock): the
    /// detection latency (the stride must end, the detectors confirm events) plus the cue.
    public var firstAlertToBuzzerMs: Double?
    /// From the daemon's cue request to the buzzer line's rise, ms, worst over the run
    /// (the buzzer driver's own measure; the daemon issue asks for under 50 ms).
    public var cueToBuzzerMaxMs: Double?
    /// What the daemon did (detected strides, buzzer on-times, injected faults), for the
    /// soak check; nil when not filled in.
    public var daemon: RunFigures?

    /// Scores a run.
    public init(runner: VirtualRunner, detected: [GaitEvent], alerts: [CompensationAlert], buzzer: [SimOutputLine.Transition],
                simulatedSeconds: Double, wallSeconds: Double, placements: [Placement], buzzerStatistics: BuzzerStatistics? = nil) {
        cueToBuzzerMaxMs = buzzerStatistics?.maxOnsetLatencyNs.map { Double($0) / 1e6 }
        self.simulatedSeconds = simulatedSeconds
        self.wallSeconds = wallSeconds
        speedFactor = wallSeconds > 0 ? simulatedSeconds / wallSeconds : 0
        let endNs = runner.ns(simulatedSeconds)
        let truth = runner.recordGroundTruth(untilNs: endNs)
        // Only contacts while running count: the core reports no running events otherwise.
        let runningICs = truth.strides.filter { $0.activity == .running }
        var perSide: [String: Events] = [:]
        for side in [Side.left, .right] where placements.contains(side == .left ? .leftShank : .rightShank) {
            let trueTimes = runningICs.filter { $0.side == side }.map(\.icNs).sorted()
            let found = detected.filter { $0.kind == .initialContact && $0.side == side }.map(\.timeNs).sorted()
            perSide[side == .left ? "left" : "right"] = Self.match(truth: trueTimes, detected: found, endNs: endNs)
        }
        events = perSide
        let onset = runner.firstDriftOnsetNs
        driftOnsetMinute = onset.map { runner.seconds($0) / 60 }
        self.alerts = alerts.map { alert in
            let kind: String
            switch alert.kind {
            case .raised: kind = "raised"
            case .escalated: kind = "escalated"
            case .cleared: kind = "cleared"
            }
            return Alert(kind: kind, minute: runner.seconds(alert.timeNs) / 60, side: AlertWords.side(alert.finding.side),
                         metric: AlertWords.metric(alert.finding.primaryMetric), description: AlertWords.describe(alert),
                         delayFromOnsetSeconds: onset.map { (Double(alert.timeNs) - Double($0)) / 1e9 })
        }
        falseAlarms = alerts.filter { $0.kind == .raised && (onset == nil || $0.timeNs < onset ?? 0) }.count
        buzzerTransitions = buzzer.count
        if let first = alerts.first(where: { $0.kind == .raised }),
           let rise = buzzer.first(where: { $0.active && $0.timeNs >= first.timeNs }) {
            firstAlertToBuzzerMs = Double(rise.timeNs - first.timeNs) / 1e6
        }
    }

    /// Greedy nearest matching of sorted times within the window.
    static func match(truth: [UInt64], detected: [UInt64], endNs: UInt64) -> Events {
        let window = UInt64(matchWindowMs * 1e6)
        var used = [Bool](repeating: false, count: detected.count)
        var errors: [Double] = []
        var j = 0
        for t in truth {
            while j < detected.count && detected[j] + window < t { j += 1 }
            var best: Int?
            var k = j
            while k < detected.count && detected[k] <= t + window {
                if !used[k] {
                    let e = detected[k] > t ? detected[k] - t : t - detected[k]
                    if best.map({ e < (detected[$0] > t ? detected[$0] - t : t - detected[$0]) }) ?? true { best = k }
                }
                k += 1
            }
            if let b = best {
                used[b] = true
                errors.append(Double(detected[b] > t ? detected[b] - t : t - detected[b]) / 1e6)
            }
        }
        errors.sort()
        func quantile(_ q: Double) -> Double? {
            guard !errors.isEmpty else { return nil }
            return errors[min(errors.count - 1, Int((q * Double(errors.count - 1)).rounded()))]
        }
        // Detections in walking/standing stretches of the truth are not false positives of
        // running detection only if a true running contact is near; count all unmatched.
        let unmatched = used.filter { !$0 }.count
        return Events(truth: truth.count, found: errors.count, missed: truth.count - errors.count,
                      falsePositives: unmatched, medianErrorMs: quantile(0.5), p95ErrorMs: quantile(0.95))
    }
}
