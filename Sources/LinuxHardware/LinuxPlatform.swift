import Glibc
import Hardware

/// The board: /dev/i2c-N through libi2c, GPIO through libgpiod, CLOCK_MONOTONIC.
public final class LinuxPlatform: HardwarePlatform {
    public let clock: any MonotonicClock = SystemMonotonicClock()
    /// Reused poll set, so a wake-up allocates nothing once it has grown to the line count.
    private var fds: [pollfd] = []

    /// Creates the platform.
    public init() {}

    public func openBus(_ path: String, clockHz: Int) throws(I2CError) -> any I2CBus {
        try LinuxI2CBus(path: path, clockHz: clockHz)
    }

    public func openInterruptLine(chip: String, offset: UInt32) throws(GPIOError) -> any EdgeEventLine {
        try LinuxEdgeEventLine(chip: chip, offset: offset, edges: .rising)
    }

    public func openOutputLine(chip: String, offset: UInt32, activeLow: Bool) throws(GPIOError) -> any OutputLine {
        try LinuxOutputLine(chip: chip, offset: offset, activeLow: activeLow)
    }

    public func waitForEdges(on lines: [any EdgeEventLine], untilNs deadlineNs: UInt64) -> Bool {
        // poll() on every line's event file descriptor: one wake-up for whichever fires first.
        fds.removeAll(keepingCapacity: true)
        for line in lines {
            guard let linux = line as? LinuxEdgeEventLine, let fd = try? linux.eventFileDescriptor() else { continue }
            if linux.bufferedEvents > 0 { return true }
            fds.append(pollfd(fd: fd, events: Int16(POLLIN), revents: 0))
        }
        let now = clock.nowNs
        guard deadlineNs > now else { return false }
        let timeoutMs = Int32(min(UInt64(Int32.max), (deadlineNs - now + 999_999) / 1_000_000))
        if fds.isEmpty {
            clock.sleep(untilNs: deadlineNs)
            return false
        }
        let ready = poll(&fds, nfds_t(fds.count), timeoutMs)
        return ready > 0
    }
}
