/// Puts the gait events of several detectors (left shank, right shank, sacrum) into one
/// time-ordered stream, as the stride analyzer needs.
///
/// Each detector reports an event some time after it happened (it needs the samples after
/// an impact to find its peak, or the end of stance to find toe-off), and the sensors'
/// FIFOs are drained at different moments. An event is released once every active source
/// has delivered samples past `event time + maximumLatencyNs`, so nothing later can come
/// in before it. Fixed capacity, no allocation after init.
public struct EventMerger: Sendable {
    /// Events held at most: at 4.75 steps/s (Kiernan 2023's bound) and two events per step,
    /// 64 events cover more than 6 s, far beyond any detector's latency.
    public static let defaultCapacity = 64

    /// The longest a detector may take to report an event after it happened, ns.
    public let maximumLatencyNs: UInt64
    private var pending: [GaitEvent]
    private let capacity: Int
    /// Newest sample time per source, and whether the source is active.
    private var progressNs: [UInt64]
    private var active: [Bool]
    /// Events dropped because they came in after later events were released.
    public private(set) var lateEvents = 0
    /// Events released early because the buffer was full.
    public private(set) var overflows = 0
    private var lastReleasedNs: UInt64 = 0

    /// Creates a merger for `sources` detectors.
    public init(sources: Int, maximumLatencyNs: UInt64, capacity: Int = EventMerger.defaultCapacity) {
        self.maximumLatencyNs = maximumLatencyNs
        self.capacity = capacity
        pending = []
        pending.reserveCapacity(capacity)
        progressNs = Array(repeating: 0, count: sources)
        active = Array(repeating: true, count: sources)
    }

    /// Marks a source active or not (a lost sensor must not hold everything back).
    public mutating func setActive(_ source: Int, _ isActive: Bool) {
        guard source < active.count else { return }
        active[source] = isActive
    }

    /// Adds an event from a detector.
    public mutating func add(_ event: GaitEvent, emit: (GaitEvent) -> Void) {
        if event.timeNs < lastReleasedNs {
            lateEvents += 1
            return
        }
        if pending.count >= capacity {
            overflows += 1
            emit(pending.removeFirst())
            lastReleasedNs = max(lastReleasedNs, event.timeNs)
        }
        // Insert in time order (the buffer is short and nearly sorted: scan from the end).
        var index = pending.count
        while index > 0 && pending[index - 1].timeNs > event.timeNs { index -= 1 }
        pending.insert(event, at: index)
    }

    /// Records that `source` has delivered samples up to `timeNs`, and releases every event
    /// that no source can precede any more.
    public mutating func advance(_ source: Int, toNs timeNs: UInt64, emit: (GaitEvent) -> Void) {
        guard source < progressNs.count else { return }
        progressNs[source] = max(progressNs[source], timeNs)
        var horizon = UInt64.max
        for i in 0..<progressNs.count where active[i] {
            horizon = min(horizon, progressNs[i])
        }
        guard horizon != .max, horizon > maximumLatencyNs else { return }
        release(before: horizon - maximumLatencyNs, emit: emit)
    }

    /// Releases everything (end of run).
    public mutating func flush(emit: (GaitEvent) -> Void) {
        release(before: .max, emit: emit)
    }

    private mutating func release(before limitNs: UInt64, emit: (GaitEvent) -> Void) {
        var released = 0
        // Strictly before the limit: a source may still report an event at exactly its horizon.
        while released < pending.count && (limitNs == .max || pending[released].timeNs < limitNs) {
            emit(pending[released])
            lastReleasedNs = pending[released].timeNs
            released += 1
        }
        if released > 0 { pending.removeFirst(released) }
    }
}
