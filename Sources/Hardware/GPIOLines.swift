/// A failed GPIO operation, with the chip, the line offset and errno.
public struct GPIOError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What kind of failure.
    public enum Failure: Sendable, Equatable {
        /// No such GPIO chip device (`/dev/gpiochipN`).
        case noSuchChip
        /// The chip exists but this user may not open it (is it in the gpio group?).
        case permissionDenied
        /// The line is already requested by another consumer.
        case busy
        /// The line offset is beyond the chip's lines.
        case noSuchLine
        /// Anything else, see errno.
        case other
    }

    /// What kind of failure.
    public var failure: Failure
    /// The chip, e.g. `/dev/gpiochip0` or `sim-gpio`.
    public var chip: String
    /// The line offset on that chip.
    public var line: UInt32
    /// The errno the kernel returned (0 if none).
    public var errno: Int32

    /// Creates an error.
    public init(_ failure: Failure, chip: String, line: UInt32, errno: Int32 = 0) {
        self.failure = failure
        self.chip = chip
        self.line = line
        self.errno = errno
    }

    public var description: String {
        let hint: String
        switch failure {
        case .noSuchChip: hint = "no such GPIO chip"
        case .permissionDenied: hint = "permission denied (is this user in the gpio group?)"
        case .busy: hint = "line is in use by another program"
        case .noSuchLine: hint = "no such line on this chip"
        case .other: hint = "GPIO operation failed"
        }
        return "\(chip) line \(line): \(hint)" + (errno != 0 ? " [errno \(errno)]" : "")
    }
}

/// A GPIO line driven by us: the buzzer or vibration motor.
public protocol OutputLine: AnyObject {
    /// A name for logs, e.g. `/dev/gpiochip0:18`.
    var name: String { get }
    /// The logical value last driven (true = active, whatever the electrical active level).
    var isActive: Bool { get }
    /// Drives the line active (true) or inactive (false).
    func set(active: Bool) throws(GPIOError)
}

/// One edge seen on an input line.
public struct EdgeEvent: Sendable, Equatable {
    /// Kernel timestamp of the edge, CLOCK_MONOTONIC nanoseconds.
    public var timeNs: UInt64
    /// True for a rising edge.
    public var rising: Bool

    /// Creates an edge event.
    public init(timeNs: UInt64, rising: Bool) {
        self.timeNs = timeNs
        self.rising = rising
    }
}

/// An input line whose edges the kernel timestamps: a sensor's FIFO interrupt pin.
public protocol EdgeEventLine: AnyObject {
    /// A name for logs, e.g. `/dev/gpiochip0:17`.
    var name: String { get }
    /// Events the kernel dropped because we read too slowly, counted from its sequence
    /// numbers where the kernel gives them (libgpiod 2); always 0 otherwise.
    var lostEvents: UInt64 { get }
    /// Waits up to `timeoutNs` for the next edge. Returns nil on timeout.
    func waitForEdge(timeoutNs: UInt64) throws(GPIOError) -> EdgeEvent?
}

/// The monotonic clock the daemon schedules by: the system's CLOCK_MONOTONIC on the
/// board, a virtual clock in the simulator.
public protocol MonotonicClock: AnyObject {
    /// Now, in CLOCK_MONOTONIC nanoseconds.
    var nowNs: UInt64 { get }
    /// Blocks (or, for a virtual clock, advances time) until `deadlineNs`.
    func sleep(untilNs deadlineNs: UInt64)
}
