/// How urgent a cue is. A queued cue of higher priority plays before one of lower
/// priority; within a priority, cues play in the order they were asked for.
public enum CuePriority: Int, Sendable, Comparable {
    /// Sensors up, baseline learnt: nice to know.
    case info = 0
    /// A leg is compensating: what the runner wears the device for.
    case compensation = 1
    /// A sensor stopped answering: the cues that follow may be wrong.
    case fault = 2

    /// Orders by urgency.
    public static func < (lhs: CuePriority, rhs: CuePriority) -> Bool { lhs.rawValue < rhs.rawValue }
}

extension Cue {
    /// How urgent this cue is: fault > compensation > info.
    public var priority: CuePriority {
        switch self {
        case .sensorFault: return .fault
        case .leftCompensating, .rightCompensating, .bothCompensating: return .compensation
        case .sensorsUp, .baselineLearnt: return .info
        }
    }
}

/// What became of a cue handed to ``BuzzerPlayer/request(_:atNs:)``.
public enum CueRequestOutcome: Sendable, Equatable {
    /// Nothing was playing: the pattern starts at the next ``BuzzerPlayer/advance(toNs:)``.
    case startsNow
    /// Another pattern plays (or the gap after it runs); this one waits its turn.
    case queued
    /// The same cue was already waiting: the two are one.
    case merged
    /// The queue was full of cues at least as urgent; this one is dropped.
    case dropped
    /// The queue was full; this cue took the place of `evicted`, a less urgent one.
    case queuedEvicting(Cue)
    /// The cue has no pattern, or its pattern has no audible step: nothing to play.
    case silent
}

/// A pattern being played, for logs and latency figures.
public struct PlayingCue: Sendable, Equatable {
    /// Which cue.
    public var cue: Cue
    /// When it was asked for (the first request, if merged), CLOCK_MONOTONIC ns.
    public var requestedNs: UInt64
    /// When its first step began, CLOCK_MONOTONIC ns. `startedNs - requestedNs` is the
    /// alert-to-onset latency the player itself adds (the line's own set time comes on top).
    public var startedNs: UInt64
}

/// Plays buzzer patterns one after another: a pure, deterministic state machine driven by
/// time, with no clock, thread or I/O of its own.
///
/// Ask for a cue with ``request(_:atNs:)``; call ``advance(toNs:)`` whenever the time
/// reaches ``nextChangeNs`` (or earlier; extra calls are harmless) and drive the line to
/// the value it returns. The board's ``BuzzerDriver`` does this from a thread sleeping
/// until the next change; the simulator does it from its virtual clock. Patterns never
/// overlap: a cue asked for while another plays waits in a bounded queue ordered by
/// ``Cue/priority``, and a cue already waiting is not queued twice. Between two patterns
/// the line stays off for ``gapNs`` so they are felt as two.
///
/// Timing: each step starts when the one before it was scheduled to end, so a late call
/// does not stretch the rhythm. A call so late that the whole next step already lies in
/// the past starts that step at the call's time instead: every step is felt, none is
/// skipped.
public struct BuzzerPlayer: Sendable {
    /// Default silence between two patterns, ns. Vibration motors take about 50-100 ms to
    /// spin down; 400 ms of stillness on top makes two cues clearly two, yet a fault
    /// queued behind a compensation cue still follows within half a second.
    public static let defaultGapNs: UInt64 = 400_000_000

    /// Default number of cues that may wait. There are six cues and a waiting cue is
    /// never queued twice, so four is reached only by a burst of distinct alerts; by then
    /// the oldest info cue matters least.
    public static let defaultQueueCapacity = 4

    /// The pattern for each cue. Cues without one are silent. Replacing the table (a
    /// SIGHUP reload) affects patterns started afterwards, never the one playing.
    public var patterns: [Cue: BuzzerPattern]
    /// Silence between two patterns, ns.
    public let gapNs: UInt64
    /// How many cues may wait.
    public let queueCapacity: Int

    /// The pattern playing, or nil.
    public private(set) var playing: PlayingCue?
    /// The cues waiting, most urgent first.
    public var queuedCues: [Cue] { queue.map(\.cue) }

    /// Cues merged into the same cue already waiting, since creation. (A cue asked for
    /// while it plays is queued: the alert came again after it began.)
    public private(set) var mergedCount = 0
    /// Cues dropped or evicted because the queue was full, since creation.
    public private(set) var droppedCount = 0

    private struct Waiting: Sendable {
        var cue: Cue
        var requestedNs: UInt64
    }

    /// Steps of the playing pattern with zero durations removed, in ns.
    private var steps: [(on: Bool, durationNs: UInt64)] = []
    private var stepIndex = 0
    private var stepEndNs: UInt64 = 0
    /// The line must stay off until then (the gap after the last pattern).
    private var quietUntilNs: UInt64 = 0
    private var queue: [Waiting] = []
    private var lineOn = false

    /// Creates a player.
    ///
    /// - Parameters:
    ///   - patterns: the pattern of each cue (default ``BuzzerPattern/defaults``).
    ///   - gapNs: silence between two patterns.
    ///   - queueCapacity: how many cues may wait (at least 1).
    public init(patterns: [Cue: BuzzerPattern] = BuzzerPattern.defaults, gapNs: UInt64 = defaultGapNs, queueCapacity: Int = defaultQueueCapacity) {
        self.patterns = patterns
        self.gapNs = gapNs
        self.queueCapacity = max(1, queueCapacity)
        queue.reserveCapacity(self.queueCapacity + 1)
    }

    /// The value the line should have now: true while a step that buzzes is playing.
    public var lineState: Bool { lineOn }

    /// True while a pattern plays or cues wait.
    public var isBusy: Bool { playing != nil || !queue.isEmpty }

    /// When ``advance(toNs:)`` must next be called for the line to change on time, or nil
    /// when nothing plays and nothing waits.
    public var nextChangeNs: UInt64? {
        if playing != nil { return stepEndNs }
        if !queue.isEmpty { return quietUntilNs }
        return nil
    }

    /// Asks for `cue` at `nowNs`. Call ``advance(toNs:)`` afterwards (at once, in the
    /// driver) to start it when the buzzer is idle.
    @discardableResult
    public mutating func request(_ cue: Cue, atNs nowNs: UInt64) -> CueRequestOutcome {
        guard patterns[cue]?.steps.contains(where: { $0.on && $0.durationMs > 0 }) == true else {
            return .silent
        }
        if queue.contains(where: { $0.cue == cue }) {
            mergedCount += 1
            return .merged
        }
        let idle = playing == nil && queue.isEmpty && nowNs >= quietUntilNs
        let waiting = Waiting(cue: cue, requestedNs: nowNs)
        // Stable: after every waiting cue of the same or higher priority.
        let position = queue.firstIndex(where: { $0.cue.priority < cue.priority }) ?? queue.count
        if queue.count >= queueCapacity {
            // Full: evict the newest of the least urgent, if it is less urgent than this cue.
            guard let last = queue.last, last.cue.priority < cue.priority else {
                droppedCount += 1
                return .dropped
            }
            queue.removeLast()
            droppedCount += 1
            queue.insert(waiting, at: min(position, queue.count))
            return .queuedEvicting(last.cue)
        }
        queue.insert(waiting, at: position)
        return idle ? .startsNow : .queued
    }

    /// Moves the player to `nowNs` and returns the value the line should have.
    /// Times before the last call are treated as the last call's time.
    public mutating func advance(toNs nowNs: UInt64) -> Bool {
        // Finish (or move through) the playing pattern.
        while playing != nil, stepEndNs <= nowNs {
            let scheduledStart = stepEndNs
            stepIndex += 1
            if stepIndex >= steps.count {
                playing = nil
                steps.removeAll(keepingCapacity: true)
                lineOn = false
                quietUntilNs = scheduledStart + gapNs
                break
            }
            let step = steps[stepIndex]
            // On time: keep the rhythm. Too late for the whole step: start it now.
            let start = scheduledStart + step.durationNs > nowNs ? scheduledStart : nowNs
            stepEndNs = start + step.durationNs
            lineOn = step.on
        }
        // Start the next waiting cue once the gap is over.
        while playing == nil, !queue.isEmpty, nowNs >= quietUntilNs {
            let next = queue.removeFirst()
            begin(next, atNs: nowNs)
        }
        return lineOn
    }

    /// Stops the playing pattern and forgets the waiting cues; the line should go off.
    public mutating func stop() {
        playing = nil
        steps.removeAll(keepingCapacity: true)
        queue.removeAll(keepingCapacity: true)
        lineOn = false
    }

    private mutating func begin(_ waiting: Waiting, atNs nowNs: UInt64) {
        steps.removeAll(keepingCapacity: true)
        for step in patterns[waiting.cue]?.steps ?? [] where step.durationMs > 0 {
            steps.append((step.on, UInt64(step.durationMs) * 1_000_000))
        }
        // Trailing silence is the gap's job; a pattern always ends with the line off.
        while let last = steps.last, !last.on { steps.removeLast() }
        // Leading silence would delay the onset for nothing.
        while let first = steps.first, !first.on { steps.removeFirst() }
        guard let first = steps.first else {
            // Patterns were reloaded to silence while it waited.
            return
        }
        playing = PlayingCue(cue: waiting.cue, requestedNs: waiting.requestedNs, startedNs: nowNs)
        stepIndex = 0
        stepEndNs = nowNs + first.durationNs
        lineOn = first.on
    }
}
