import Hardware
import StrideCore

/// What acquisition needs to know about one configured sensor.
public struct SensorSpec: Sendable, Equatable {
    /// Where it is worn.
    public var placement: Placement
    /// Which chip is fitted (the ID register cannot tell ADXL345 from ADXL375).
    public var chip: ChipModel
    /// The I2C bus device, e.g. `/dev/i2c-1`.
    public var busPath: String
    /// The bus clock, Hz (for the bus budget and the simulated transfer times).
    public var busClockHz: Int
    /// 7-bit address.
    public var address: UInt8
    /// The GPIO line the FIFO interrupt is wired to, or nil to poll.
    public var interruptLine: GPIOLineSpec?
    /// Data rate, range, watermark, interrupt pin, gyroscope.
    public var configuration: SensorConfiguration
    /// Run the chip's self-test at start.
    public var selfTest: Bool

    /// Creates a spec.
    public init(placement: Placement, chip: ChipModel, busPath: String, busClockHz: Int = 400_000, address: UInt8,
                interruptLine: GPIOLineSpec?, configuration: SensorConfiguration, selfTest: Bool = true) {
        self.placement = placement
        self.chip = chip
        self.busPath = busPath
        self.busClockHz = busClockHz
        self.address = address
        self.interruptLine = interruptLine
        self.configuration = configuration
        self.selfTest = selfTest
    }
}

/// A GPIO line: its chip device and offset.
public struct GPIOLineSpec: Sendable, Equatable, Hashable {
    /// The chip device, e.g. `/dev/gpiochip0`.
    public var chip: String
    /// The line offset on that chip (the BCM GPIO number on a Raspberry Pi's main chip).
    public var offset: UInt32

    /// Creates a line spec.
    public init(chip: String, offset: UInt32) {
        self.chip = chip
        self.offset = offset
    }
}
