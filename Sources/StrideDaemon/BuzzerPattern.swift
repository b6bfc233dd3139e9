/// What the buzzer tells the runner. Each cue has its own pattern so the runner can tell
/// them apart without looking at anything.
public enum Cue: String, Sendable, CaseIterable, Codable {
    /// All configured sensors answer and samples flow.
    case sensorsUp = "sensors-up"
    /// The runner's baseline has been learnt; compensation detection is on.
    case baselineLearnt = "baseline-learnt"
    /// The left leg is compensating (drifting away from its baseline).
    case leftCompensating = "left"
    /// The right leg is compensating.
    case rightCompensating = "right"
    /// Both legs drift together (symmetric fatigue).
    case bothCompensating = "both"
    /// A sensor stopped answering.
    case sensorFault = "sensor-fault"
}

/// One step of a pattern: the line on or off for a time.
public struct BuzzerStep: Sendable, Equatable, Codable {
    /// Drive the buzzer (true) or leave it silent.
    public var on: Bool
    /// How long, milliseconds.
    public var durationMs: Int

    /// Creates a step.
    public init(on: Bool, durationMs: Int) {
        self.on = on
        self.durationMs = durationMs
    }
}

/// An on/off sequence played on the buzzer line. Always ends with the line off.
public struct BuzzerPattern: Sendable, Equatable, Codable {
    /// The steps, in order.
    public var steps: [BuzzerStep]

    /// Creates a pattern from steps.
    public init(steps: [BuzzerStep]) {
        self.steps = steps
    }

    /// Creates a pattern from alternating on/off durations in ms, starting with on:
    /// `[200, 100, 200]` is on 200 ms, off 100 ms, on 200 ms.
    public init(alternatingMs durations: [Int]) {
        steps = durations.enumerated().map { BuzzerStep(on: $0.offset % 2 == 0, durationMs: $0.element) }
    }

    /// Total length, ms.
    public var durationMs: Int { steps.reduce(0) { $0 + $1.durationMs } }

    /// The default patterns. Left is short pulses, right is long ones, so the side can be
    /// felt without counting; both is the two together; a fault is a long low buzz that no
    /// gait cue uses. Durations are at least 100 ms: shorter vibration pulses are hard to
    /// tell apart while running.
    public static let defaults: [Cue: BuzzerPattern] = [
        .sensorsUp: BuzzerPattern(alternatingMs: [100, 100, 100]),
        .baselineLearnt: BuzzerPattern(alternatingMs: [300]),
        .leftCompensating: BuzzerPattern(alternatingMs: [120, 120, 120, 120, 120]),
        .rightCompensating: BuzzerPattern(alternatingMs: [500, 200, 500]),
        .bothCompensating: BuzzerPattern(alternatingMs: [120, 120, 120, 120, 120, 300, 500, 200, 500]),
        .sensorFault: BuzzerPattern(alternatingMs: [1500]),
    ]
}
