/// How much of an I2C bus a set of sensors needs, computed from the chips, their data
/// rates and FIFO watermarks, and the bus clock: so a configuration that cannot work
/// (two sensors at 1600 Hz on a 100 kHz bus) is refused with numbers before the run.
public enum BusBudget {
    /// Bits on the wire per byte: 8 data bits and the acknowledge bit (NXP UM10204 §3.1.6).
    public static let bitsPerByte = 9
    /// Bytes of addressing around a register read: address+W, register, address+R.
    public static let readOverheadBytes = 3
    /// Above this share of the bus clock we warn: the Linux adapter's per-message overhead
    /// and interrupt latency (i2c-bcm2835 handles each message in an interrupt) leave
    /// gaps between transfers, so a bus is not usable up to its raw bit rate.
    public static let warningLoad = 0.6
    /// Above this share the bus cannot carry the traffic at all: refuse.
    public static let maximumLoad = 1.0

    /// One sensor's share of the bus.
    public struct SensorLoad: Sendable, Equatable {
        /// The chip.
        public var chip: ChipModel
        /// Data rate, Hz.
        public var dataRateHz: Double
        /// Bytes a second on the wire, addressing included.
        public var bytesPerSecond: Double
        /// The minimum: 6 data bytes a sample (X, Y, Z at 16 bits), no addressing.
        public var minimumBytesPerSecond: Double
    }

    /// The verdict for one bus.
    public struct Verdict: Sendable, Equatable {
        /// Per-sensor loads.
        public var sensors: [SensorLoad]
        /// Bus clock, Hz.
        public var clockHz: Int
        /// Bits a second the sensors need.
        public var bitsPerSecond: Double { sensors.reduce(0) { $0 + $1.bytesPerSecond } * Double(BusBudget.bitsPerByte) }
        /// Share of the bus clock needed (1.0 = every bit time busy).
        public var load: Double { bitsPerSecond / Double(clockHz) }
        /// Over ``BusBudget/maximumLoad``: cannot work.
        public var isOverloaded: Bool { load > BusBudget.maximumLoad }
        /// Over ``BusBudget/warningLoad``: may drop samples.
        public var isTight: Bool { load > BusBudget.warningLoad }

        /// One line for people: "2 sensors need 259.2 kbit/s on a 100 kHz bus (259 %)".
        public var summary: String {
            let kbit = (bitsPerSecond / 100).rounded() / 10
            let percent = Int((load * 100).rounded())
            let detail = sensors.map { "\($0.chip.rawValue) at \(Int($0.dataRateHz)) Hz" }.joined(separator: ", ")
            return "\(sensors.count) sensor\(sensors.count == 1 ? "" : "s") (\(detail)) need \(kbit) kbit/s on a \(clockHz / 1000) kHz bus (\(percent) % of it)"
        }
    }

    /// Bytes on the wire per second for one sensor's FIFO drains, following each
    /// driver's drain pattern:
    /// - ADXL34x: INT_SOURCE and FIFO_STATUS before, FIFO_STATUS after, then one 6-byte
    ///   read per sample (the chip pops one entry per read, no wrap);
    /// - LIS3DH: FIFO_SRC before and after, then bursts of whole samples up to the
    ///   adapter's read length (the output registers wrap);
    /// - LSM6DSO: FIFO_STATUS1/2 before and after, then bursts of 7-byte tagged words,
    ///   two words per sample with the gyroscope on.
    public static func bytesPerSecond(chip: ChipModel, dataRateHz: Double, watermark: Int, gyro: Bool, maxReadLength: Int) -> Double {
        let drainsPerSecond = dataRateHz / Double(max(1, watermark))
        switch chip.family {
        case .adxl34x:
            let status = 3.0 * Double(readOverheadBytes + 1)
            let perSample = Double(readOverheadBytes + 6)
            return drainsPerSecond * status + dataRateHz * perSample
        case .lis3dh:
            let status = 2.0 * Double(readOverheadBytes + 1)
            let samplesPerBurst = max(1, maxReadLength / 6)
            let burstsPerSecond = (dataRateHz / Double(samplesPerBurst)).rounded(.up)
            return drainsPerSecond * status + dataRateHz * 6 + burstsPerSecond * Double(readOverheadBytes)
        case .lsm6dso:
            let status = 2.0 * Double(readOverheadBytes + 2)
            let wordsPerSecond = dataRateHz * (gyro ? 2 : 1)
            let wordsPerBurst = max(1, maxReadLength / 7)
            let burstsPerSecond = (wordsPerSecond / Double(wordsPerBurst)).rounded(.up)
            return drainsPerSecond * status + wordsPerSecond * 7 + burstsPerSecond * Double(readOverheadBytes)
        }
    }

    /// The verdict for the sensors sharing one bus.
    public static func evaluate(sensors: [(chip: ChipModel, configuration: SensorConfiguration)], clockHz: Int, maxReadLength: Int) -> Verdict {
        let loads = sensors.map { sensor in
            SensorLoad(
                chip: sensor.chip,
                dataRateHz: sensor.configuration.dataRateHz,
                bytesPerSecond: bytesPerSecond(chip: sensor.chip, dataRateHz: sensor.configuration.dataRateHz,
                                               watermark: sensor.configuration.fifoWatermark,
                                               gyro: sensor.chip.hasGyro && sensor.configuration.enableGyro,
                                               maxReadLength: maxReadLength),
                minimumBytesPerSecond: sensor.configuration.dataRateHz * 6)
        }
        return Verdict(sensors: loads, clockHz: clockHz)
    }
}
