import Hardware
import StrideCore

/// A whole simulated wearable: one I2C bus with sensors, their interrupt lines, the
/// buzzer line and the virtual clock they share.
public final class SimulatedRig: @unchecked Sendable {
    /// One simulated sensor and how it is wired.
    public struct Sensor {
        /// Where it is worn.
        public var placement: Placement
        /// Which chip.
        public var chip: ChipModel
        /// Its address.
        public var address: UInt8
        /// The chip model (register level).
        public var device: any SimI2CDevice
        /// Its sampling core (FIFO, pin), for fault injection and assertions.
        public var core: SimSensorCore
        /// The edge line its FIFO interrupt drives.
        public var interruptLine: SimEdgeLine
    }

    /// The shared virtual clock.
    public let clock: VirtualClock
    /// The bus.
    public let bus: SimI2CBus
    /// The sensors on it.
    public private(set) var sensors: [Sensor] = []
    /// The buzzer line.
    public let buzzer: SimOutputLine

    /// Creates an empty rig.
    public init(clock: VirtualClock = VirtualClock(), maxReadLength: Int = 32, clockHz: Int = 400_000) {
        self.clock = clock
        bus = SimI2CBus(clock: clock, maxReadLength: maxReadLength, clockHz: clockHz)
        buzzer = SimOutputLine(clock: clock)
    }

    /// Adds a sensor of `chip` at `address`, fed by `source`.
    @discardableResult
    public func addSensor(_ chip: ChipModel, address: UInt8, placement: Placement, source: any SignalSource) -> Sensor {
        let line = SimEdgeLine(name: "sim-gpio:\(placement.rawValue)-int", clock: clock)
        let device: any SimI2CDevice
        let core: SimSensorCore
        switch chip.family {
        case .adxl34x:
            let model = SimADXL34x(chip: chip, address: address, clock: clock, source: source, line: line)
            device = model
            core = model.core
        case .lis3dh:
            let model = SimLIS3DH(address: address, clock: clock, source: source, line: line)
            device = model
            core = model.core
        case .lsm6dso:
            let model = SimLSM6DSO(chip: chip, address: address, clock: clock, source: source, line: line)
            device = model
            core = model.core
        }
        bus.attach(device)
        let sensor = Sensor(placement: placement, chip: chip, address: address, device: device, core: core, interruptLine: line)
        sensors.append(sensor)
        return sensor
    }

    /// The usual set-up: an ADXL375 on each shank (0x53 and 0x1d) and an LSM6DSO32 at the
    /// sacrum (0x6a), each fed by a test signal until the virtual runner replaces it.
    public static func standard() -> SimulatedRig {
        let rig = SimulatedRig()
        rig.addSensor(.adxl375, address: 0x53, placement: .leftShank, source: TestSignal())
        rig.addSensor(.adxl375, address: 0x1d, placement: .rightShank, source: TestSignal())
        rig.addSensor(.lsm6dso32, address: 0x6a, placement: .sacrum, source: TestSignal())
        return rig
    }
}
