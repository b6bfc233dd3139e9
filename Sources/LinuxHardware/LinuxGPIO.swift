import CLinuxShim
import Hardware

/// Facts about the GPIO layer underneath.
public enum LinuxGPIO {
    /// The consumer name the kernel shows for lines we hold (`gpioinfo`).
    public static let defaultConsumer = "strideguard"

    /// The libgpiod API the shim was compiled against: 1 (libgpiod 1.x) or 2 (2.x).
    public static var libgpiodAPI: Int { Int(cls_gpiod_api()) }

    static func error(_ result: Int32, chip: String, line: UInt32) -> GPIOError {
        let code = -result
        return GPIOError(ErrnoMapping.gpioFailure(code), chip: chip, line: line, errno: code)
    }
}

/// A GPIO output line requested through libgpiod: the buzzer or vibration motor.
///
/// The line is requested when the object is created, logically inactive, and released
/// when it is destroyed.
public final class LinuxOutputLine: OutputLine {
    /// `<chip>:<offset>`, e.g. `/dev/gpiochip0:18`.
    public let name: String
    /// The logical value last driven (true = active).
    public private(set) var isActive: Bool = false

    private let handle: OpaquePointer
    private let chip: String
    private let offset: UInt32

    /// Requests line `offset` of `chip` as an output, driven inactive.
    ///
    /// - Parameters:
    ///   - chip: the GPIO character device, e.g. `/dev/gpiochip0`.
    ///   - offset: the line's offset on that chip (on a Raspberry Pi, the BCM number).
    ///   - activeLow: true when the load switches on at a low level, so that active
    ///     still means "buzzing".
    ///   - consumer: the name the kernel shows for the line.
    /// - Throws: `GPIOError` (`.noSuchChip`, `.noSuchLine`, `.busy`, `.permissionDenied`).
    public init(chip: String, offset: UInt32, activeLow: Bool = false, consumer: String = LinuxGPIO.defaultConsumer) throws(GPIOError) {
        var opened: OpaquePointer?
        let result = cls_output_line_open(chip, offset, consumer, activeLow ? 1 : 0, &opened)
        if result < 0 {
            throw LinuxGPIO.error(result, chip: chip, line: offset)
        }
        guard let opened else {
            throw GPIOError(.other, chip: chip, line: offset)
        }
        self.handle = opened
        self.chip = chip
        self.offset = offset
        self.name = "\(chip):\(offset)"
    }

    deinit {
        cls_output_line_close(handle)
    }

    /// Drives the line active (true) or inactive (false).
    public func set(active: Bool) throws(GPIOError) {
        let result = cls_output_line_set(handle, active ? 1 : 0)
        if result < 0 {
            throw LinuxGPIO.error(result, chip: chip, line: offset)
        }
        isActive = active
    }
}

/// Which edges an `LinuxEdgeEventLine` reports.
public enum EdgeSelection: Sendable, Equatable {
    /// Low-to-high transitions only.
    case rising
    /// High-to-low transitions only.
    case falling
    /// Both.
    case both

    var shimValue: cls_edge_kind {
        switch self {
        case .rising: return CLS_EDGE_RISING
        case .falling: return CLS_EDGE_FALLING
        case .both: return CLS_EDGE_BOTH
        }
    }
}

/// A GPIO input line whose edges the kernel timestamps (CLOCK_MONOTONIC), requested
/// through libgpiod: a sensor's FIFO interrupt pin.
///
/// The line is requested when the object is created and released when it is destroyed.
/// Not thread-safe: wait on one instance from one thread.
public final class LinuxEdgeEventLine: EdgeEventLine {
    /// `<chip>:<offset>`, e.g. `/dev/gpiochip0:17`.
    public let name: String
    /// Events the kernel dropped, counted from line sequence numbers (libgpiod 2 only;
    /// always 0 with libgpiod 1, whose kernel interface has no sequence numbers).
    public private(set) var lostEvents: UInt64 = 0
    /// Which edges are reported.
    public let edges: EdgeSelection

    private let handle: OpaquePointer
    private let chip: String
    private let offset: UInt32

    /// Requests line `offset` of `chip` as an input reporting `edges`.
    ///
    /// - Parameters:
    ///   - chip: the GPIO character device, e.g. `/dev/gpiochip0`.
    ///   - offset: the line's offset on that chip.
    ///   - edges: which edges to report.
    ///   - consumer: the name the kernel shows for the line.
    /// - Throws: `GPIOError` (`.noSuchChip`, `.noSuchLine`, `.busy`, `.permissionDenied`).
    public init(chip: String, offset: UInt32, edges: EdgeSelection = .rising, consumer: String = LinuxGPIO.defaultConsumer) throws(GPIOError) {
        var opened: OpaquePointer?
        let result = cls_edge_line_open(chip, offset, consumer, edges.shimValue, &opened)
        if result < 0 {
            throw LinuxGPIO.error(result, chip: chip, line: offset)
        }
        guard let opened else {
            throw GPIOError(.other, chip: chip, line: offset)
        }
        self.handle = opened
        self.chip = chip
        self.offset = offset
        self.edges = edges
        self.name = "\(chip):\(offset)"
    }

    deinit {
        cls_edge_line_close(handle)
    }

    /// Waits up to `timeoutNs` for the next edge and returns it with the kernel's
    /// CLOCK_MONOTONIC timestamp. Returns nil on timeout, or when a signal interrupted
    /// the wait.
    public func waitForEdge(timeoutNs: UInt64) throws(GPIOError) -> EdgeEvent? {
        var event = cls_edge_event()
        let result = cls_edge_line_wait(handle, timeoutNs, &event)
        if result < 0 {
            throw LinuxGPIO.error(result, chip: chip, line: offset)
        }
        if result == 0 { return nil }
        lostEvents &+= event.lost_before
        return EdgeEvent(timeNs: event.timestamp_ns, rising: event.rising != 0)
    }

    /// The file descriptor that polls readable (POLLIN) when an edge is waiting in the
    /// kernel, for a caller that multiplexes several lines with poll(2). Owned by this
    /// object: do not close it. Check `bufferedEvents` first: edges already read from
    /// the kernel in a batch (libgpiod 2) do not make it readable.
    public func eventFileDescriptor() throws(GPIOError) -> Int32 {
        let result = cls_edge_line_fd(handle)
        if result < 0 {
            throw LinuxGPIO.error(result, chip: chip, line: offset)
        }
        return result
    }

    /// Edges read from the kernel but not yet returned by `waitForEdge` (libgpiod 2 reads
    /// them in batches; always 0 with libgpiod 1). `waitForEdge` returns these at once.
    public var bufferedEvents: Int { Int(cls_edge_line_pending(handle)) }
}
