import Hardware

/// The simulator as a ``HardwarePlatform``: a ``SimulatedRig``'s bus, interrupt lines and
/// buzzer behind the same calls the board answers, on the rig's virtual clock.
///
/// Interrupt lines are looked up by `(chip, offset)` in `interruptWiring`; every bus path
/// opens the rig's one bus (several simulated buses can be added the same way).
public final class SimPlatform: HardwarePlatform, @unchecked Sendable {
    /// The rig.
    public let rig: SimulatedRig
    /// GPIO (chip, offset) → the sensor address whose INT pin drives it.
    public var interruptWiring: [String: UInt8] = [:]
    /// The buzzer's GPIO (chip, offset), or nil to refuse any output line.
    public var buzzerLine: (chip: String, offset: UInt32)?
    /// Paths `openBus` refuses, to test a missing bus.
    public var missingBuses: Set<String> = []

    public var clock: any MonotonicClock { rig.clock }

    /// Creates the platform over a rig.
    public init(rig: SimulatedRig) {
        self.rig = rig
    }

    static func key(_ chip: String, _ offset: UInt32) -> String { "\(chip):\(offset)" }

    /// Wires a sensor's interrupt pin to a GPIO line.
    public func wireInterrupt(of address: UInt8, toChip chip: String, offset: UInt32) {
        interruptWiring[Self.key(chip, offset)] = address
    }

    public func openBus(_ path: String, clockHz: Int) throws(I2CError) -> any I2CBus {
        if missingBuses.contains(path) { throw I2CError(.noSuchBus, bus: path, address: 0, errno: 2) }
        return rig.bus
    }

    public func openInterruptLine(chip: String, offset: UInt32) throws(GPIOError) -> any EdgeEventLine {
        guard let address = interruptWiring[Self.key(chip, offset)],
              let sensor = rig.sensors.first(where: { $0.address == address }) else {
            throw GPIOError(.noSuchLine, chip: chip, line: offset)
        }
        return sensor.interruptLine
    }

    public func openOutputLine(chip: String, offset: UInt32, activeLow: Bool) throws(GPIOError) -> any OutputLine {
        guard let buzzer = buzzerLine, buzzer.chip == chip, buzzer.offset == offset else {
            throw GPIOError(.noSuchLine, chip: chip, line: offset)
        }
        return rig.buzzer
    }

    /// Advances the virtual clock to the earliest possible edge among `lines` (or the
    /// deadline): the simulated run goes as fast as the host computes it.
    public func waitForEdges(on lines: [any EdgeEventLine], untilNs deadlineNs: UInt64) -> Bool {
        let clock = rig.clock
        while clock.nowNs < deadlineNs {
            var earliest = deadlineNs
            for line in lines {
                guard let sim = line as? SimEdgeLine else { continue }
                if sim.pendingEvents > 0 { return true }
                if let next = sim.nextPossibleEventNs { earliest = min(earliest, next) }
            }
            clock.advance(to: max(earliest, clock.nowNs + 1))
            for line in lines {
                if let sim = line as? SimEdgeLine, sim.pendingEvents > 0 || sim.catchUpAndCount() > 0 { return true }
            }
        }
        return false
    }
}
