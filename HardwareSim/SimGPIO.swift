import Hardware

/// A simulated output line (the buzzer): records every transition with its time.
public final class SimOutputLine: OutputLine, @unchecked Sendable {
    /// One change of the line.
    public struct Transition: Sendable, Equatable {
        /// When, virtual-clock nanoseconds.
        public var timeNs: UInt64
        /// The logical value driven.
        public var active: Bool
    }

    public let name: String
    public private(set) var isActive = false
    /// Every change of value, in order.
    public private(set) var transitions: [Transition] = []
    /// Make the next `set` calls fail, to test error paths.
    public var failNextSets = 0
    private let clock: any MonotonicClock

    /// Creates a line reading time from `clock`.
    public init(name: String = "sim-gpio:buzzer", clock: any MonotonicClock) {
        self.name = name
        self.clock = clock
    }

    public func set(active: Bool) throws(GPIOError) {
        if failNextSets > 0 {
            failNextSets -= 1
            throw GPIOError(.other, chip: "sim-gpio", line: 0, errno: 5)
        }
        guard active != isActive else { return }
        isActive = active
        transitions.append(Transition(timeNs: clock.nowNs, active: active))
    }
}

/// Something that raises edges on a ``SimEdgeLine``: a chip model's interrupt pin.
public protocol SimInterruptSource: AnyObject {
    /// Brings the source's state up to the clock's present, emitting any edges due.
    func catchUp()
    /// The earliest time at which the source may change its pin, or nil if it never will
    /// on its own (chip in standby).
    var nextPossibleEdgeNs: UInt64? { get }
}

/// A simulated edge-event input line, fed by a chip's interrupt pin.
///
/// Waiting advances the virtual clock to the source's next possible edge (or the
/// deadline), so simulated acquisition runs as fast as the host allows. Like the
/// kernel, it keeps a bounded queue of events and counts what overflowed.
public final class SimEdgeLine: EdgeEventLine, @unchecked Sendable {
    /// Events the kernel keeps per line before dropping (gpiolib's per-line kfifo holds 16
    /// events by default; drivers/gpio/gpiolib-cdev.c).
    public static let queueCapacity = 16

    public let name: String
    public private(set) var lostEvents: UInt64 = 0
    /// Report falling edges too (default: rising only, as the daemon requests).
    public var reportsFallingEdges = false
    /// The pin level now.
    public private(set) var level = false
    private var queue: [EdgeEvent] = []
    private let clock: VirtualClock
    private weak var source: (any SimInterruptSource)?

    /// Creates a line on `clock`.
    public init(name: String = "sim-gpio:int", clock: VirtualClock) {
        self.name = name
        self.clock = clock
        queue.reserveCapacity(Self.queueCapacity)
    }

    /// Connects the chip whose pin drives this line.
    public func connect(_ source: any SimInterruptSource) {
        self.source = source
    }

    /// Called by the chip model when its pin changes level at `timeNs`.
    public func drive(level newLevel: Bool, atNs timeNs: UInt64) {
        guard newLevel != level else { return }
        level = newLevel
        guard newLevel || reportsFallingEdges else { return }
        if queue.count >= Self.queueCapacity {
            lostEvents += 1
            return
        }
        queue.append(EdgeEvent(timeNs: timeNs, rising: newLevel))
    }

    /// Events waiting to be read.
    public var pendingEvents: Int { queue.count }

    /// The earliest time the source may raise an edge (now if one is waiting), or nil.
    public var nextPossibleEventNs: UInt64? {
        if !queue.isEmpty { return clock.nowNs }
        return source?.nextPossibleEdgeNs
    }

    /// Brings the source up to the present and returns the events now waiting.
    public func catchUpAndCount() -> Int {
        source?.catchUp()
        return queue.count
    }

    public func waitForEdge(timeoutNs: UInt64) throws(GPIOError) -> EdgeEvent? {
        let deadline = clock.nowNs + timeoutNs
        while true {
            source?.catchUp()
            if !queue.isEmpty { return queue.removeFirst() }
            if clock.nowNs >= deadline { return nil }
            let next = source?.nextPossibleEdgeNs ?? deadline
            clock.advance(to: min(max(next, clock.nowNs + 1), deadline))
        }
    }
}
