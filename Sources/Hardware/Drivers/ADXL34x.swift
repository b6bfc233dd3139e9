import StrideCore

/// Driver for the Analog Devices ADXL345 (±2..16 g) and ADXL375 (±200 g).
///
/// Both chips share one register map and answer DEVID 0xE5, so which one is fitted comes
/// from the configuration. The ADXL375 is the first choice on the shank: peak tibial
/// acceleration reaches 20-25 g overground (running-gait-facts.md) and would clip a ±16 g
/// ADXL345.
///
/// The FIFO holds 32 samples; in stream mode a full FIFO drops its oldest sample and
/// flags an overrun. Each FIFO entry is popped by one 6-byte read of DATAX0..DATAZ1, so a
/// drain is one transaction per sample (the chip does not wrap the register pointer).
///
/// References: ADXL345 datasheet Rev. G (register map, Table 19, and "FIFO");
/// ADXL375 datasheet Rev. B (same map, 49 mg/LSB).
public final class ADXL34xDriver: AccelerometerDriver {
    private enum Register: UInt8 {
        case devID = 0x00        // Table 19: DEVID, reads 0xE5
        case bwRate = 0x2c       // Table 19: BW_RATE, data rate and low-power
        case powerCtl = 0x2d     // Table 19: POWER_CTL
        case intEnable = 0x2e    // Table 19: INT_ENABLE
        case intMap = 0x2f       // Table 19: INT_MAP (bit set routes to INT2)
        case intSource = 0x30    // Table 19: INT_SOURCE
        case dataFormat = 0x31   // Table 19: DATA_FORMAT
        case dataX0 = 0x32       // Table 19: DATAX0 .. DATAZ1, little-endian
        case fifoCtl = 0x38      // Table 19: FIFO_CTL
        case fifoStatus = 0x39   // Table 19: FIFO_STATUS
    }

    /// POWER_CTL bit 3: measurement mode (register 0x2D).
    private static let powerMeasure: UInt8 = 1 << 3
    /// INT_ENABLE/INT_MAP/INT_SOURCE bit 1: watermark.
    private static let intWatermark: UInt8 = 1 << 1
    /// INT_ENABLE/INT_MAP/INT_SOURCE bit 0: overrun.
    private static let intOverrun: UInt8 = 1 << 0
    /// INT_SOURCE bit 7: data ready.
    private static let intDataReady: UInt8 = 1 << 7
    /// DATA_FORMAT bit 7: apply the self-test force.
    private static let formatSelfTest: UInt8 = 1 << 7
    /// DATA_FORMAT bit 3: full resolution (scale stays 3.9 mg/LSB at every range).
    private static let formatFullRes: UInt8 = 1 << 3
    /// FIFO_CTL bits 7:6 = 10: stream mode (oldest sample dropped when full).
    private static let fifoModeStream: UInt8 = 0b10 << 6
    /// FIFO_CTL bits 7:6 = 00: bypass (FIFO cleared).
    private static let fifoModeBypass: UInt8 = 0
    /// FIFO_STATUS bits 5:0: entries in the FIFO.
    private static let fifoEntriesMask: UInt8 = 0x3f
    /// Bytes per FIFO entry: X, Y, Z as 16-bit little-endian.
    private static let bytesPerSample = 6

    /// ADXL345 full-resolution scale: 3.9 mg/LSB typical (datasheet Table 1, "Scale Factor").
    public static let adxl345GPerLSB: Float = 0.0039
    /// ADXL375 scale: 49 mg/LSB typical (ADXL375 datasheet Table 1, "Scale Factor").
    public static let adxl375GPerLSB: Float = 0.049

    /// ADXL345 self-test output change limits at 2.5 V, g (datasheet Table 1, "Self-Test").
    private static let adxl345SelfTestMin = Vector3(x: 0.20, y: -2.10, z: 0.30)
    private static let adxl345SelfTestMax = Vector3(x: 2.10, y: -0.20, z: 3.40)
    /// ADXL375 self-test output change, Z axis only specified: 6.4 g typical at 2.5 V
    /// (ADXL375 datasheet Table 1); we accept a wide band around it and ignore X/Y.
    private static let adxl375SelfTestMin = Vector3(x: -100, y: -100, z: 3.0)
    private static let adxl375SelfTestMax = Vector3(x: 100, y: 100, z: 12.0)
    /// Samples averaged per self-test phase.
    private static let selfTestSamples = 16
    /// Settling time after switching the self-test force: 4 samples at 100 Hz
    /// (datasheet "Self-Test": allow the output to settle before reading).
    private static let selfTestSettleNs: UInt64 = 40_000_000
    /// Self-test data rate code: 100 Hz, the rate the datasheet specifies self-test at.
    private static let selfTestRateCode: UInt8 = 0x0a

    /// Data rate codes for BW_RATE bits 3:0 (datasheet Table 7).
    private static let rateCodes: [(hz: Double, code: UInt8)] = [
        (100, 0x0a), (200, 0x0b), (400, 0x0c), (800, 0x0d), (1600, 0x0e), (3200, 0x0f),
    ]

    public let chip: ChipModel
    public let bus: any I2CBus
    public let address: UInt8
    public private(set) var applied: AppliedConfiguration?
    public private(set) var statistics = DriverStatistics()
    private let clock: any MonotonicClock
    private var timestamper = FIFOTimestamper(dataRateHz: 100)
    private var gPerLSB: Float
    private var rawClipLimit: Int32 = 4095
    private var configuration: SensorConfiguration?

    /// Creates a driver for an ADXL345 or ADXL375 at `address` on `bus`.
    public init(chip: ChipModel, bus: any I2CBus, address: UInt8, clock: any MonotonicClock) {
        self.chip = chip
        self.bus = bus
        self.address = address
        self.clock = clock
        self.gPerLSB = chip == .adxl375 ? Self.adxl375GPerLSB : Self.adxl345GPerLSB
    }

    private func write(_ register: Register, _ value: UInt8) throws(HardwareError) {
        do { try bus.writeRegister(register.rawValue, value: value, address: address) } catch { throw .bus(error) }
    }

    private func read(_ register: Register) throws(HardwareError) -> UInt8 {
        do { return try bus.readRegister(register.rawValue, address: address) } catch { throw .bus(error) }
    }

    public func verifyIdentity() throws(HardwareError) {
        let id = try read(.devID)
        guard id == ChipFamily.adxl34x.idValue else {
            throw .wrongChip(expected: .adxl34x, found: id, bus: bus.name, address: address)
        }
    }

    /// DATA_FORMAT range bits 1:0 for a range, and the largest raw value before clipping.
    /// Full resolution gives 10 bits at ±2 g up to 13 bits at ±16 g (datasheet "DATA_FORMAT").
    private func rangeSetting(for requestedG: Double) throws(HardwareError) -> (bits: UInt8, rangeG: Double, clip: Int32) {
        if chip == .adxl375 {
            // ADXL375: fixed ±200 g, 13-bit; the range bits are written as 11 (ADXL375 datasheet "DATA_FORMAT").
            guard requestedG <= 200 else { throw .unsupportedConfiguration("ADXL375 range is ±200 g; asked for ±\(requestedG) g") }
            return (0b11, 200, 4095)
        }
        let table: [(g: Double, bits: UInt8, clip: Int32)] = [(2, 0b00, 511), (4, 0b01, 1023), (8, 0b10, 2047), (16, 0b11, 4095)]
        guard let entry = table.first(where: { $0.g >= requestedG }) else {
            throw .unsupportedConfiguration("ADXL345 ranges are ±2, 4, 8, 16 g; asked for ±\(requestedG) g (fit an ADXL375 for higher)")
        }
        return (entry.bits, entry.g, entry.clip)
    }

    public func configure(_ configuration: SensorConfiguration) throws(HardwareError) -> AppliedConfiguration {
        guard let rate = Self.rateCodes.first(where: { $0.hz >= configuration.dataRateHz }) else {
            throw .unsupportedConfiguration("\(chip.rawValue) data rate at most 3200 Hz; asked for \(configuration.dataRateHz) Hz")
        }
        let range = try rangeSetting(for: configuration.rangeG)
        // FIFO_CTL samples field is 5 bits; 0 would fire at once, 32 never (the FIFO holds 32).
        guard (1...31).contains(configuration.fifoWatermark) else {
            throw .unsupportedConfiguration("\(chip.rawValue) FIFO watermark must be 1...31 samples; asked for \(configuration.fifoWatermark)")
        }
        try write(.powerCtl, 0)
        try write(.intEnable, 0)
        try write(.bwRate, rate.code)
        try write(.dataFormat, Self.formatFullRes | range.bits)
        try write(.fifoCtl, Self.fifoModeBypass)
        try write(.fifoCtl, Self.fifoModeStream | UInt8(configuration.fifoWatermark))
        let sources = Self.intWatermark | Self.intOverrun
        try write(.intMap, configuration.interruptPin == .int2 ? sources : 0)
        try write(.intEnable, sources)
        gPerLSB = chip == .adxl375 ? Self.adxl375GPerLSB : Self.adxl345GPerLSB
        rawClipLimit = range.clip
        timestamper = FIFOTimestamper(dataRateHz: rate.hz)
        self.configuration = configuration
        let result = AppliedConfiguration(dataRateHz: rate.hz, rangeG: range.rangeG, fifoWatermark: configuration.fifoWatermark)
        applied = result
        return result
    }

    public func start() throws(HardwareError) {
        guard applied != nil else { throw .notConfigured(bus: bus.name, address: address) }
        timestamper.reset()
        try write(.powerCtl, Self.powerMeasure)
    }

    public func stop() throws(HardwareError) {
        try write(.powerCtl, 0)
    }

    /// Averages `selfTestSamples` readings of the data registers, polling data-ready.
    private func averageReading() throws(HardwareError) -> Vector3 {
        var sum = (x: Float(0), y: Float(0), z: Float(0))
        var raw: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0, 0, 0)
        let period: UInt64 = 10_000_000  // 100 Hz self-test rate
        for _ in 0..<Self.selfTestSamples {
            clock.sleep(untilNs: clock.nowNs + period)
            do {
                try withUnsafeMutableBytes(of: &raw) { (buffer) throws(I2CError) in
                    try bus.readRegisters(Register.dataX0.rawValue, address: address, into: buffer)
                }
            } catch { throw .bus(error) }
            let v = withUnsafeBytes(of: raw) { decode($0, offset: 0) }
            sum.x += Float(v.x); sum.y += Float(v.y); sum.z += Float(v.z)
        }
        let n = Float(Self.selfTestSamples)
        return Vector3(x: sum.x / n * gPerLSB, y: sum.y / n * gPerLSB, z: sum.z / n * gPerLSB)
    }

    public func selfTest() throws(HardwareError) -> SelfTestReport {
        // Datasheet "Self-Test": 100 Hz, full resolution at ±16 g, compare the output with
        // and without the self-test force.
        let range = try rangeSetting(for: chip == .adxl375 ? 200 : 16)
        try write(.powerCtl, 0)
        try write(.intEnable, 0)
        try write(.fifoCtl, Self.fifoModeBypass)
        try write(.bwRate, Self.selfTestRateCode)
        try write(.dataFormat, Self.formatFullRes | range.bits)
        try write(.powerCtl, Self.powerMeasure)
        clock.sleep(untilNs: clock.nowNs + Self.selfTestSettleNs)
        let off = try averageReading()
        try write(.dataFormat, Self.formatSelfTest | Self.formatFullRes | range.bits)
        clock.sleep(untilNs: clock.nowNs + Self.selfTestSettleNs)
        let on = try averageReading()
        try write(.dataFormat, Self.formatFullRes | range.bits)
        try write(.powerCtl, 0)
        applied = nil  // the chip was reconfigured for the test
        let change = Vector3(x: on.x - off.x, y: on.y - off.y, z: on.z - off.z)
        let report = chip == .adxl375
            ? SelfTestReport(change: change, minimum: Self.adxl375SelfTestMin, maximum: Self.adxl375SelfTestMax)
            : SelfTestReport(change: change, minimum: Self.adxl345SelfTestMin, maximum: Self.adxl345SelfTestMax)
        guard report.passed else { throw .selfTestFailed(report, bus: bus.name, address: address) }
        return report
    }

    private func decode(_ bytes: UnsafeRawBufferPointer, offset: Int) -> (x: Int32, y: Int32, z: Int32) {
        @inline(__always) func le16(_ i: Int) -> Int32 {
            Int32(Int16(bitPattern: UInt16(bytes[offset + i]) | UInt16(bytes[offset + i + 1]) << 8))
        }
        return (le16(0), le16(2), le16(4))
    }

    public func drain(into buffer: UnsafeMutableBufferPointer<IMUSample>, interruptTimeNs: UInt64?, nowNs: UInt64) throws(HardwareError) -> DrainResult {
        guard let applied else { throw .notConfigured(bus: bus.name, address: address) }
        // Read INT_SOURCE before the data: reading data clears the overrun flag.
        let sources = try read(.intSource)
        let overrun = sources & Self.intOverrun != 0
        let firstLevel = Int(try read(.fifoStatus) & Self.fifoEntriesMask)
        var count = 0
        var clipped = 0
        var interruption: HardwareError?
        do {
            try readFIFO(into: buffer, level: firstLevel, watermark: applied.fifoWatermark, count: &count, clipped: &clipped)
        } catch {
            if count == 0 { throw error }
            interruption = error
        }
        // No FIFO reset after an overrun: stream mode kept the newest 32 samples and
        // reading the data clears the flag (datasheet "INT_SOURCE"), so draining is the
        // recovery; a reset would throw away the samples that arrived while we drained.
        return finish(buffer: buffer, count: count, firstLevel: firstLevel, overrun: overrun,
                      clipped: clipped, interruptTimeNs: interruptTimeNs, nowNs: nowNs, interruption: interruption)
    }

    /// Pops samples until the level is under the watermark, so the interrupt line falls and
    /// the next watermark crossing gives a fresh edge. `count` and `clipped` hold what was
    /// read even when a transfer fails part-way.
    private func readFIFO(into buffer: UnsafeMutableBufferPointer<IMUSample>, level firstLevel: Int, watermark: Int,
                          count: inout Int, clipped: inout Int) throws(HardwareError) {
        var level = firstLevel
        var raw: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0, 0, 0)
        while level > 0 && count < buffer.count {
            let n = min(level, buffer.count - count)
            for _ in 0..<n {
                do {
                    try withUnsafeMutableBytes(of: &raw) { (bytes) throws(I2CError) in
                        try bus.readRegisters(Register.dataX0.rawValue, address: address, into: bytes)
                    }
                } catch { throw .bus(error) }
                let v = withUnsafeBytes(of: raw) { decode($0, offset: 0) }
                let isClipped = abs(v.x) >= rawClipLimit || abs(v.y) >= rawClipLimit || abs(v.z) >= rawClipLimit
                if isClipped { clipped += 1 }
                buffer[count] = IMUSample(
                    timeNs: 0,
                    accel: Vector3(x: Float(v.x) * gPerLSB, y: Float(v.y) * gPerLSB, z: Float(v.z) * gPerLSB),
                    flags: isClipped ? .clipped : [])
                count += 1
            }
            level = Int(try read(.fifoStatus) & Self.fifoEntriesMask)
            if level < watermark { break }
        }
    }

    /// Stamps the batch and updates the statistics.
    private func finish(buffer: UnsafeMutableBufferPointer<IMUSample>, count: Int, firstLevel: Int, overrun: Bool,
                        clipped: Int, interruptTimeNs: UInt64?, nowNs: UInt64, interruption: HardwareError?) -> DrainResult {
        guard let applied else { return DrainResult(overrun: overrun) }
        let lost = timestamper.stampDrain(buffer, count: count, watermark: applied.fifoWatermark, firstLevel: firstLevel,
                                          overrun: overrun, interruptTimeNs: interruptTimeNs, nowNs: nowNs, drainEndNs: clock.nowNs)
        statistics.record(count: count, overrun: overrun, lost: lost, clipped: clipped)
        return DrainResult(count: count, overrun: overrun, lostSamples: lost, clippedSamples: clipped, interruption: interruption)
    }
}
