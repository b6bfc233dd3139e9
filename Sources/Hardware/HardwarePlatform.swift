/// Where the daemon gets its hardware from: the board's kernel (LinuxHardware) or the
/// simulator (HardwareSim). The daemon is written against this protocol only, so
/// `strideguard simulate` runs the very same code as `strideguard run`.
public protocol HardwarePlatform: AnyObject {
    /// The clock samples, deadlines and timeouts are measured on.
    var clock: any MonotonicClock { get }
    /// Opens an I2C bus by its device path (`/dev/i2c-1`).
    func openBus(_ path: String, clockHz: Int) throws(I2CError) -> any I2CBus
    /// Requests a GPIO input line for rising edges (a sensor's FIFO interrupt).
    func openInterruptLine(chip: String, offset: UInt32) throws(GPIOError) -> any EdgeEventLine
    /// Requests a GPIO output line (the buzzer), initially inactive.
    func openOutputLine(chip: String, offset: UInt32, activeLow: Bool) throws(GPIOError) -> any OutputLine
    /// Blocks until one of `lines` may have an edge waiting or the clock reaches
    /// `deadlineNs`. Returns true when an edge may be waiting (read them with
    /// `waitForEdge(timeoutNs: 0)`), false at the deadline.
    func waitForEdges(on lines: [any EdgeEventLine], untilNs deadlineNs: UInt64) -> Bool
}
