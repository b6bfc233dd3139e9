import StrideCore

/// Driver for the ST LSM6DSO, LSM6DSOX (±2..16 g) and LSM6DSO32 (±4..32 g), accelerometer
/// and gyroscope.
///
/// All three answer WHO_AM_I 0x6C and share the register map used here, so which one is
/// fitted comes from the configuration; they differ in the accelerometer full-scale codes
/// and sensitivities. The LSM6DSO32 suits the shank (tibial peaks of 20-25 g clip a ±16 g
/// part); any of them suits the sacrum.
///
/// The FIFO holds 3 KB: 512 words of a tag byte and six data bytes. Accelerometer and
/// gyroscope words interleave when both are batched, so a sample with the gyroscope on is
/// two words, and the watermark (FIFO_CTRL1/2) counts words. The FIFO output registers
/// FIFO_DATA_OUT_TAG..FIFO_DATA_OUT_Z_H (0x78..0x7E) pop one word when its last byte is
/// read, and the address pointer wraps from 0x7E back to 0x78 (IF_INC), so one burst
/// read of 7·N bytes pops N words. Bursts are split at word boundaries into reads of at
/// most `bus.maxReadLength` bytes.
///
/// References: LSM6DSO datasheet DS12140 (§9 register description, §4.1 mechanical
/// characteristics, §6.1.1 I2C address), LSM6DSO32 datasheet DS12814 (same map,
/// §4.1 for the ±4..32 g sensitivities), LSM6DSOX datasheet DS13128; ST application
/// note AN5192 (FIFO tags); the Linux st_lsm6dsx IIO driver for the drain pattern.
public final class LSM6DSODriver: AccelerometerDriver {
    private enum Register: UInt8 {
        case fifoCtrl1 = 0x07       // DS12140 §9 FIFO_CTRL1, watermark WTM[7:0] (words)
        case fifoCtrl2 = 0x08       // DS12140 §9 FIFO_CTRL2, bit 0 = WTM[8]
        case fifoCtrl3 = 0x09       // DS12140 §9 FIFO_CTRL3, BDR_GY[7:4], BDR_XL[3:0]
        case fifoCtrl4 = 0x0a       // DS12140 §9 FIFO_CTRL4, FIFO_MODE[2:0]
        case int1Ctrl = 0x0d        // DS12140 §9 INT1_CTRL, sources routed to INT1
        case int2Ctrl = 0x0e        // DS12140 §9 INT2_CTRL, sources routed to INT2
        case whoAmI = 0x0f          // DS12140 §9 WHO_AM_I, reads 0x6C
        case ctrl1XL = 0x10         // DS12140 §9 CTRL1_XL, ODR_XL[7:4], FS_XL[3:2]
        case ctrl2G = 0x11          // DS12140 §9 CTRL2_G, ODR_G[7:4], FS_G[3:2], FS_125 bit 1
        case ctrl3C = 0x12          // DS12140 §9 CTRL3_C, BOOT, BDU, H_LACTIVE, PP_OD, IF_INC, SW_RESET
        case ctrl5C = 0x14          // DS12140 §9 CTRL5_C, ST_G[3:2], ST_XL[1:0]
        case outXLG = 0x22          // DS12140 §9 OUTX_L_G .. OUTZ_H_G, little-endian
        case outXLA = 0x28          // DS12140 §9 OUTX_L_A .. OUTZ_H_A, little-endian
        case fifoStatus1 = 0x3a     // DS12140 §9 FIFO_STATUS1, DIFF_FIFO[7:0] (words)
        case fifoStatus2 = 0x3b     // DS12140 §9 FIFO_STATUS2, flags and DIFF_FIFO[9:8]
        case fifoDataOutTag = 0x78  // DS12140 §9 FIFO_DATA_OUT_TAG, then X/Y/Z at 0x79..0x7E
    }

    /// CTRL3_C bit 0: software reset, restores the user registers (self-clearing).
    private static let ctrl3SoftwareReset: UInt8 = 1 << 0
    /// CTRL3_C bit 2: register address auto-increment on multi-byte access (default 1).
    private static let ctrl3AutoIncrement: UInt8 = 1 << 2
    /// CTRL3_C bit 6: block data update (output registers not updated between LSB and MSB reads).
    private static let ctrl3BlockDataUpdate: UInt8 = 1 << 6
    /// Time allowed for the software reset to complete, ns: a generous bound (the Linux
    /// st_lsm6dsx driver waits 50 ms after SW_RESET); configure is not on the sample path.
    private static let resetSettleNs: UInt64 = 50_000_000

    /// INT1_CTRL/INT2_CTRL bit 3: FIFO watermark (INT1_FIFO_TH / INT2_FIFO_TH).
    private static let intFIFOThreshold: UInt8 = 1 << 3
    /// INT1_CTRL/INT2_CTRL bit 4: FIFO overrun (INT1_FIFO_OVR / INT2_FIFO_OVR).
    private static let intFIFOOverrun: UInt8 = 1 << 4

    /// FIFO_CTRL4 FIFO_MODE[2:0] = 000: bypass, FIFO disabled and emptied (DS12140 §9, FIFO_CTRL4).
    private static let fifoModeBypass: UInt8 = 0b000
    /// FIFO_CTRL4 FIFO_MODE[2:0] = 110: continuous, the newest word overwrites the oldest when full.
    private static let fifoModeContinuous: UInt8 = 0b110

    /// FIFO_STATUS2 bits 1:0: DIFF_FIFO[9:8], the high bits of the unread word count.
    private static let status2DiffHighMask: UInt8 = 0x03
    /// FIFO_STATUS2 bit 3: OVER_RUN_LATCHED, latched overrun, cleared by reading FIFO_STATUS2.
    private static let status2OverrunLatched: UInt8 = 1 << 3
    /// FIFO_STATUS2 bit 6: FIFO_OVR_IA, the FIFO is full and at least one word was overwritten.
    private static let status2Overrun: UInt8 = 1 << 6

    /// FIFO_DATA_OUT_TAG bits 7:3: TAG_SENSOR, which sensor wrote the word (AN5192, FIFO tag list).
    private static let tagSensorShift: UInt8 = 3
    /// TAG_SENSOR 0x01: gyroscope, not compressed (AN5192, FIFO tag list).
    private static let tagGyroscope: UInt8 = 0x01
    /// TAG_SENSOR 0x02: accelerometer, not compressed (AN5192, FIFO tag list).
    private static let tagAccelerometer: UInt8 = 0x02
    /// Bytes per FIFO word: the tag and X, Y, Z as 16-bit little-endian (DS12140 §9, FIFO_DATA_OUT_*).
    public static let bytesPerWord = 7

    /// CTRL5_C ST_XL[1:0] = 01: accelerometer positive self-test (DS12140 §9, CTRL5_C).
    private static let selfTestAccelPositive: UInt8 = 0b01
    /// CTRL5_C ST_G[3:2] = 01: gyroscope positive self-test (DS12140 §9, CTRL5_C).
    private static let selfTestGyroPositive: UInt8 = 0b01 << 2

    /// Output data rate codes for ODR_XL / ODR_G [7:4] and, identical for these rates, the
    /// FIFO batch-rate codes BDR_XL / BDR_GY (DS12140 §9, CTRL1_XL, CTRL2_G, FIFO_CTRL3).
    /// The ST tables list 417/1667/3333/6667 Hz; ChipModel names them 416/1666/3332/6664.
    private static let rateCodes: [(hz: Double, code: UInt8)] = [
        (104, 0x4), (208, 0x5), (416, 0x6), (833, 0x7), (1666, 0x8), (3332, 0x9), (6664, 0xa),
    ]

    /// One accelerometer full scale: the FS_XL[1:0] code and the sensitivity.
    private struct AccelRange {
        /// Full scale, ±g.
        var g: Double
        /// FS_XL[1:0] code (CTRL1_XL bits 3:2).
        var code: UInt8
        /// Sensitivity, g per LSB.
        var gPerLSB: Float
    }

    /// LSM6DSO/LSM6DSOX full scales: FS_XL 00 = ±2, 10 = ±4, 11 = ±8, 01 = ±16 g (DS12140
    /// §9, CTRL1_XL); sensitivities 0.061/0.122/0.244/0.488 mg/LSB (DS12140 §4.1 mechanical characteristics, LA_So).
    private static let dsoRanges: [AccelRange] = [
        AccelRange(g: 2, code: 0b00, gPerLSB: 0.000061),
        AccelRange(g: 4, code: 0b10, gPerLSB: 0.000122),
        AccelRange(g: 8, code: 0b11, gPerLSB: 0.000244),
        AccelRange(g: 16, code: 0b01, gPerLSB: 0.000488),
    ]
    /// LSM6DSO32 full scales: FS_XL 00 = ±4, 10 = ±8, 11 = ±16, 01 = ±32 g (DS12814 CTRL1_XL
    /// table); sensitivities 0.122/0.244/0.488/0.976 mg/LSB (DS12814 §4.1 mechanical characteristics, LA_So).
    private static let dso32Ranges: [AccelRange] = [
        AccelRange(g: 4, code: 0b00, gPerLSB: 0.000122),
        AccelRange(g: 8, code: 0b10, gPerLSB: 0.000244),
        AccelRange(g: 16, code: 0b11, gPerLSB: 0.000488),
        AccelRange(g: 32, code: 0b01, gPerLSB: 0.000976),
    ]

    /// Gyroscope full scale used for running, ±dps: shank angular velocity exceeds 1000 deg/s
    /// in swing (running-gait-facts.md), so the widest range.
    public static let gyroRangeDps: Double = 2000
    /// CTRL2_G FS_G[1:0] = 11: ±2000 dps (DS12140 §9, CTRL2_G), placed at bits 3:2.
    private static let gyroRangeBits: UInt8 = 0b11 << 2
    /// Gyroscope sensitivity at ±2000 dps: 70 mdps/LSB (DS12140 §4.1 mechanical characteristics, G_So).
    public static let gyroDpsPerLSB: Float = 0.070

    /// Accelerometer self-test output change limits, |g|, at ±4 g: 50..1700 mg (DS12140
    /// §4.1 mechanical characteristics, LA_ST; DS12814 gives the same limits for the LSM6DSO32).
    private static let accelSelfTestMin = Vector3(x: 0.050, y: 0.050, z: 0.050)
    private static let accelSelfTestMax = Vector3(x: 1.700, y: 1.700, z: 1.700)
    /// Gyroscope self-test output change limits, |dps|, at ±2000 dps: 150..700 dps
    /// (DS12140 §4.1 mechanical characteristics, G_ST).
    private static let gyroSelfTestMin = Vector3(x: 150, y: 150, z: 150)
    private static let gyroSelfTestMax = Vector3(x: 700, y: 700, z: 700)
    /// Accelerometer self-test data rate: 52 Hz (ODR code 0011), as ST's self-test procedure
    /// (ST's LSM6DSO self-test example procedure).
    private static let selfTestAccelRate: (hz: Double, code: UInt8) = (52, 0x3)
    /// Gyroscope self-test data rate: 208 Hz (ODR code 0101), as ST's self-test procedure.
    private static let selfTestGyroRate: (hz: Double, code: UInt8) = (208, 0x5)
    /// Settling after switching a sensor on or the self-test force: 100 ms, as ST's procedure.
    private static let selfTestSettleNs: UInt64 = 100_000_000
    /// Samples averaged per self-test phase (ST's procedure averages five).
    private static let selfTestSamples = 5

    public let chip: ChipModel
    public let bus: any I2CBus
    public let address: UInt8
    public private(set) var applied: AppliedConfiguration?
    public private(set) var statistics = DriverStatistics()
    /// The gyroscope part of the last self-test, in dps (the accelerometer part, in g, is
    /// what ``selfTest()`` returns). Nil before a self-test.
    public private(set) var lastGyroSelfTest: SelfTestReport?
    private let clock: any MonotonicClock
    private var timestamper = FIFOTimestamper(dataRateHz: 104)
    private var accelRange: AccelRange
    private var odrCode: UInt8 = 0
    private var gyroOn = false
    /// FIFO words per sample: 1 (accelerometer) or 2 (accelerometer and gyroscope).
    private var wordsPerSample = 1
    /// Byte buffer for FIFO bursts, allocated at configure time so drain allocates nothing.
    private var burst: UnsafeMutableRawBufferPointer?
    /// Whole words that fit in one read: min(maxReadLength / 7, FIFO depth).
    private var burstWords = 0
    /// A word read whose partner has not been read yet (see `take(word:...)`).
    private var pendingAccel: (x: Int16, y: Int16, z: Int16)?
    private var pendingGyro: (x: Int16, y: Int16, z: Int16)?

    /// Creates a driver for an LSM6DSO, LSM6DSOX or LSM6DSO32 at `address` on `bus`.
    public init(chip: ChipModel, bus: any I2CBus, address: UInt8, clock: any MonotonicClock) {
        self.chip = chip
        self.bus = bus
        self.address = address
        self.clock = clock
        let ranges = chip == .lsm6dso32 ? Self.dso32Ranges : Self.dsoRanges
        accelRange = ranges[ranges.count - 1]
    }

    deinit {
        burst?.deallocate()
    }

    private func write(_ register: Register, _ value: UInt8) throws(HardwareError) {
        do { try bus.writeRegister(register.rawValue, value: value, address: address) } catch { throw .bus(error) }
    }

    private func read(_ register: Register) throws(HardwareError) -> UInt8 {
        do { return try bus.readRegister(register.rawValue, address: address) } catch { throw .bus(error) }
    }

    public func verifyIdentity() throws(HardwareError) {
        let id = try read(.whoAmI)
        guard id == ChipFamily.lsm6dso.idValue else {
            throw .wrongChip(expected: .lsm6dso, found: id, bus: bus.name, address: address)
        }
    }

    /// The smallest full scale at or above `requestedG` for this chip.
    private func accelRange(for requestedG: Double) throws(HardwareError) -> AccelRange {
        let ranges = chip == .lsm6dso32 ? Self.dso32Ranges : Self.dsoRanges
        guard let range = ranges.first(where: { $0.g >= requestedG }) else {
            let offered = ranges.map { String(Int($0.g)) }.joined(separator: ", ")
            throw .unsupportedConfiguration("\(chip.rawValue) ranges are ±\(offered) g; asked for ±\(requestedG) g")
        }
        return range
    }

    /// Software reset, then block data update with auto-increment kept on.
    private func resetChip() throws(HardwareError) {
        try write(.ctrl3C, Self.ctrl3SoftwareReset | Self.ctrl3AutoIncrement)
        clock.sleep(untilNs: clock.nowNs + Self.resetSettleNs)
        try write(.ctrl3C, Self.ctrl3BlockDataUpdate | Self.ctrl3AutoIncrement)
    }

    public func configure(_ configuration: SensorConfiguration) throws(HardwareError) -> AppliedConfiguration {
        guard let rate = Self.rateCodes.first(where: { $0.hz >= configuration.dataRateHz }) else {
            throw .unsupportedConfiguration("\(chip.rawValue) data rate at most 6664 Hz; asked for \(configuration.dataRateHz) Hz")
        }
        let range = try accelRange(for: configuration.rangeG)
        let words = configuration.enableGyro ? 2 : 1
        // The watermark is 9 bits of words (FIFO_CTRL1/2) and must stay below the FIFO depth
        // so that it can fire before the FIFO overruns.
        let maxSamples = (chip.fifoCapacity - 1) / words
        guard (1...maxSamples).contains(configuration.fifoWatermark) else {
            throw .unsupportedConfiguration("\(chip.rawValue) FIFO watermark must be 1...\(maxSamples) samples "
                + "with the gyroscope \(configuration.enableGyro ? "on" : "off"); asked for \(configuration.fifoWatermark)")
        }
        let wordsThatFit = min(bus.maxReadLength / Self.bytesPerWord, chip.fifoCapacity)
        guard wordsThatFit > 0 else {
            throw .unsupportedConfiguration("\(bus.name) reads at most \(bus.maxReadLength) bytes; a FIFO word is \(Self.bytesPerWord)")
        }
        let watermarkWords = configuration.fifoWatermark * words
        try resetChip()
        // Full scales now; the data rates go in at start(), so the chip stays powered down.
        try write(.ctrl1XL, range.code << 2)
        try write(.ctrl2G, configuration.enableGyro ? Self.gyroRangeBits : 0)
        try write(.fifoCtrl1, UInt8(watermarkWords & 0xff))
        try write(.fifoCtrl2, UInt8(watermarkWords >> 8))
        try write(.fifoCtrl3, (configuration.enableGyro ? rate.code << 4 : 0) | rate.code)
        try write(.fifoCtrl4, Self.fifoModeBypass)
        try write(.fifoCtrl4, Self.fifoModeContinuous)
        try write(configuration.interruptPin == .int2 ? .int2Ctrl : .int1Ctrl, Self.intFIFOThreshold | Self.intFIFOOverrun)

        // Preallocate the burst buffer here, never in drain.
        if burstWords != wordsThatFit || burst == nil {
            burst?.deallocate()
            burst = UnsafeMutableRawBufferPointer.allocate(byteCount: wordsThatFit * Self.bytesPerWord, alignment: 8)
            burstWords = wordsThatFit
        }
        accelRange = range
        odrCode = rate.code
        gyroOn = configuration.enableGyro
        wordsPerSample = words
        timestamper = FIFOTimestamper(dataRateHz: rate.hz)
        let result = AppliedConfiguration(dataRateHz: rate.hz, rangeG: range.g, fifoWatermark: configuration.fifoWatermark,
                                          gyroRangeDps: configuration.enableGyro ? Self.gyroRangeDps : nil)
        applied = result
        return result
    }

    public func start() throws(HardwareError) {
        guard applied != nil else { throw .notConfigured(bus: bus.name, address: address) }
        timestamper.reset()
        pendingAccel = nil
        pendingGyro = nil
        try write(.ctrl1XL, odrCode << 4 | accelRange.code << 2)
        if gyroOn { try write(.ctrl2G, odrCode << 4 | Self.gyroRangeBits) }
    }

    public func stop() throws(HardwareError) {
        // ODR 0000 is power-down; the full scales stay.
        try write(.ctrl1XL, accelRange.code << 2)
        if gyroOn { try write(.ctrl2G, Self.gyroRangeBits) }
    }

    /// Averages `selfTestSamples` readings of the output registers starting at `register`,
    /// one per sample period, in counts.
    private func averageCounts(_ register: Register, periodNs: UInt64) throws(HardwareError) -> Vector3 {
        var sum = (x: Float(0), y: Float(0), z: Float(0))
        var raw: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0, 0, 0)
        for _ in 0..<Self.selfTestSamples {
            clock.sleep(untilNs: clock.nowNs + periodNs)
            do {
                try withUnsafeMutableBytes(of: &raw) { (buffer) throws(I2CError) in
                    try bus.readRegisters(register.rawValue, address: address, into: buffer)
                }
            } catch { throw .bus(error) }
            let v = withUnsafeBytes(of: raw) { Self.decode($0, offset: 0) }
            sum.x += Float(v.x); sum.y += Float(v.y); sum.z += Float(v.z)
        }
        let n = Float(Self.selfTestSamples)
        return Vector3(x: sum.x / n, y: sum.y / n, z: sum.z / n)
    }

    /// |on − off| per axis, scaled.
    private static func change(_ on: Vector3, _ off: Vector3, scale: Float) -> Vector3 {
        Vector3(x: abs(on.x - off.x) * scale, y: abs(on.y - off.y) * scale, z: abs(on.z - off.z) * scale)
    }

    /// Runs the accelerometer self-test (returned, in g) and the gyroscope self-test (kept
    /// in ``lastGyroSelfTest``, in dps), following ST's procedure: accelerometer at 52 Hz and
    /// ±4 g, gyroscope at 208 Hz and ±2000 dps, each averaged with and without the positive
    /// self-test force; the datasheet limits apply to the magnitude of the change. Throws
    /// ``HardwareError/selfTestFailed(_:bus:address:)`` with whichever part failed (the
    /// gyroscope report is in dps). Leaves the chip reset and powered down.
    public func selfTest() throws(HardwareError) -> SelfTestReport {
        applied = nil  // the chip is reset and reconfigured for the test
        let range = try accelRange(for: 4)
        try resetChip()
        let accelPeriod = UInt64(1e9 / Self.selfTestAccelRate.hz)
        try write(.ctrl1XL, Self.selfTestAccelRate.code << 4 | range.code << 2)
        clock.sleep(untilNs: clock.nowNs + Self.selfTestSettleNs)
        let accelOff = try averageCounts(.outXLA, periodNs: accelPeriod)
        try write(.ctrl5C, Self.selfTestAccelPositive)
        clock.sleep(untilNs: clock.nowNs + Self.selfTestSettleNs)
        let accelOn = try averageCounts(.outXLA, periodNs: accelPeriod)
        try write(.ctrl5C, 0)
        try write(.ctrl1XL, 0)
        let accelReport = SelfTestReport(change: Self.change(accelOn, accelOff, scale: range.gPerLSB),
                                         minimum: Self.accelSelfTestMin, maximum: Self.accelSelfTestMax)

        let gyroPeriod = UInt64(1e9 / Self.selfTestGyroRate.hz)
        try write(.ctrl2G, Self.selfTestGyroRate.code << 4 | Self.gyroRangeBits)
        clock.sleep(untilNs: clock.nowNs + Self.selfTestSettleNs)
        let gyroOff = try averageCounts(.outXLG, periodNs: gyroPeriod)
        try write(.ctrl5C, Self.selfTestGyroPositive)
        clock.sleep(untilNs: clock.nowNs + Self.selfTestSettleNs)
        let gyroOnCounts = try averageCounts(.outXLG, periodNs: gyroPeriod)
        try write(.ctrl5C, 0)
        try write(.ctrl2G, 0)
        let gyroReport = SelfTestReport(change: Self.change(gyroOnCounts, gyroOff, scale: Self.gyroDpsPerLSB),
                                        minimum: Self.gyroSelfTestMin, maximum: Self.gyroSelfTestMax)
        lastGyroSelfTest = gyroReport

        guard accelReport.passed else { throw .selfTestFailed(accelReport, bus: bus.name, address: address) }
        guard gyroReport.passed else { throw .selfTestFailed(gyroReport, bus: bus.name, address: address) }
        return accelReport
    }

    private static func decode(_ bytes: UnsafeRawBufferPointer, offset: Int) -> (x: Int16, y: Int16, z: Int16) {
        @inline(__always) func le16(_ i: Int) -> Int16 {
            Int16(bitPattern: UInt16(bytes[offset + i]) | UInt16(bytes[offset + i + 1]) << 8)
        }
        return (le16(0), le16(2), le16(4))
    }

    /// FIFO_STATUS1 and FIFO_STATUS2 in one read: unread words and whether it overran.
    private func readStatus() throws(HardwareError) -> (words: Int, overrun: Bool) {
        var raw: (UInt8, UInt8) = (0, 0)
        do {
            try withUnsafeMutableBytes(of: &raw) { (buffer) throws(I2CError) in
                try bus.readRegisters(Register.fifoStatus1.rawValue, address: address, into: buffer)
            }
        } catch { throw .bus(error) }
        let words = Int(raw.0) | Int(raw.1 & Self.status2DiffHighMask) << 8
        return (words, raw.1 & (Self.status2Overrun | Self.status2OverrunLatched) != 0)
    }

    /// Pairs FIFO words into samples by their tags.
    ///
    /// The drain reads whole samples only (a multiple of `wordsPerSample` words), so a
    /// sample whose second word the chip has not written yet stays in the FIFO for the next
    /// drain. Pairing goes by tag, not by position, because the order of the accelerometer
    /// and gyroscope words within a sample is the chip's choice; a word whose partner is
    /// not in this burst (the head of the FIFO was misaligned, e.g. after the chip
    /// overwrote one word) waits in a preallocated slot (`pendingAccel`/`pendingGyro`),
    /// which survives to the next drain. An accelerometer word that meets another before
    /// its gyroscope word is delivered without `.hasGyro`; a lone gyroscope word is dropped.
    ///
    /// - Returns: whether a sample was written at `buffer[index]`, and whether it was clipped.
    @inline(__always)
    private func take(tag: UInt8, word: (x: Int16, y: Int16, z: Int16),
                      into buffer: UnsafeMutableBufferPointer<IMUSample>, at index: Int) -> (written: Bool, clipped: Bool) {
        let sensor = tag >> Self.tagSensorShift
        if !gyroOn {
            guard sensor == Self.tagAccelerometer, index < buffer.count else { return (false, false) }
            return (true, emit(accel: word, gyro: nil, into: buffer, at: index))
        }
        switch sensor {
        case Self.tagAccelerometer:
            if let gyro = pendingGyro {
                pendingGyro = nil
                guard index < buffer.count else { return (false, false) }
                return (true, emit(accel: word, gyro: gyro, into: buffer, at: index))
            }
            if let lone = pendingAccel {
                pendingAccel = word
                guard index < buffer.count else { return (false, false) }
                return (true, emit(accel: lone, gyro: nil, into: buffer, at: index))
            }
            pendingAccel = word
            return (false, false)
        case Self.tagGyroscope:
            if let accel = pendingAccel {
                pendingAccel = nil
                guard index < buffer.count else { return (false, false) }
                return (true, emit(accel: accel, gyro: word, into: buffer, at: index))
            }
            pendingGyro = word
            return (false, false)
        default:
            return (false, false)  // temperature, timestamp, sensor hub: not batched by us
        }
    }

    /// Writes one sample; returns whether an accelerometer axis sat at the int16 limit.
    @inline(__always)
    private func emit(accel a: (x: Int16, y: Int16, z: Int16), gyro g: (x: Int16, y: Int16, z: Int16)?,
                      into buffer: UnsafeMutableBufferPointer<IMUSample>, at index: Int) -> Bool {
        // The output saturates at the 16-bit code limits at full scale (DS12140 §4.1: FS
        // × sensitivity ≈ 2^15 LSB).
        @inline(__always) func atLimit(_ v: Int16) -> Bool { v == .max || v == .min }
        let clipped = atLimit(a.x) || atLimit(a.y) || atLimit(a.z)
        let s = accelRange.gPerLSB
        var flags: SampleFlags = clipped ? .clipped : []
        var gyro = Vector3.zero
        if let g {
            flags.insert(.hasGyro)
            gyro = Vector3(x: Float(g.x) * Self.gyroDpsPerLSB, y: Float(g.y) * Self.gyroDpsPerLSB, z: Float(g.z) * Self.gyroDpsPerLSB)
        }
        buffer[index] = IMUSample(timeNs: 0, accel: Vector3(x: Float(a.x) * s, y: Float(a.y) * s, z: Float(a.z) * s),
                                  gyro: gyro, flags: flags)
        return clipped
    }

    public func drain(into buffer: UnsafeMutableBufferPointer<IMUSample>, interruptTimeNs: UInt64?, nowNs: UInt64) throws(HardwareError) -> DrainResult {
        guard let applied, let burst else { throw .notConfigured(bus: bus.name, address: address) }
        // Status before data: the overrun flags describe what happened before this batch.
        let first = try readStatus()
        let overrun = first.overrun
        let firstLevel = first.words / wordsPerSample
        var count = 0
        var clipped = 0
        var interruption: HardwareError?
        do {
            try readFIFO(into: buffer, words: first.words, watermark: applied.fifoWatermark, burst: burst, count: &count, clipped: &clipped)
        } catch {
            if count == 0 { throw error }
            interruption = error
        }
        if overrun && interruption == nil {
            // Continuous mode kept the newest words; empty the FIFO (bypass) and restart it so
            // the watermark interrupt and the timestamps start again from a known state. Any
            // half-pair is gone with it.
            try write(.fifoCtrl4, Self.fifoModeBypass)
            try write(.fifoCtrl4, Self.fifoModeContinuous)
            pendingAccel = nil
            pendingGyro = nil
        }
        let result = finish(buffer: buffer, count: count, firstLevel: firstLevel, overrun: overrun,
                            clipped: clipped, interruptTimeNs: interruptTimeNs, nowNs: nowNs, interruption: interruption)
        // The reset above threw away what arrived during the drain: the next batch does not
        // continue this one.
        if overrun && interruption == nil { timestamper.breakContinuity() }
        return result
    }

    /// Reads word-aligned bursts until the level is under the watermark. `count` and
    /// `clipped` hold what was read even when a transfer fails part-way.
    private func readFIFO(into buffer: UnsafeMutableBufferPointer<IMUSample>, words firstWords: Int, watermark: Int,
                          burst: UnsafeMutableRawBufferPointer, count: inout Int, clipped: inout Int) throws(HardwareError) {
        var words = firstWords
        // Drain until the level is under the watermark, so the interrupt line falls and the
        // next watermark crossing gives a fresh edge.
        while words >= wordsPerSample && count < buffer.count {
            var wordsLeft = min(words / wordsPerSample, buffer.count - count) * wordsPerSample
            while wordsLeft > 0 {
                let chunk = min(wordsLeft, burstWords)
                let bytes = UnsafeMutableRawBufferPointer(rebasing: burst[0..<(chunk * Self.bytesPerWord)])
                do { try bus.readRegisters(Register.fifoDataOutTag.rawValue, address: address, into: bytes) } catch { throw .bus(error) }
                for w in 0..<chunk {
                    let offset = w * Self.bytesPerWord
                    let word = Self.decode(UnsafeRawBufferPointer(bytes), offset: offset + 1)
                    let taken = take(tag: bytes[offset], word: word, into: buffer, at: count)
                    if taken.written { count += 1 }
                    if taken.clipped { clipped += 1 }
                }
                wordsLeft -= chunk
            }
            words = try readStatus().words
            if words / wordsPerSample < watermark { break }
        }
    }

    /// Stamps the batch and updates the statistics. The watermark and levels are in
    /// samples here (words / words per sample).
    private func finish(buffer: UnsafeMutableBufferPointer<IMUSample>, count: Int, firstLevel: Int, overrun: Bool,
                        clipped: Int, interruptTimeNs: UInt64?, nowNs: UInt64, interruption: HardwareError?) -> DrainResult {
        guard let applied else { return DrainResult(overrun: overrun) }
        let lost = timestamper.stampDrain(buffer, count: count, watermark: applied.fifoWatermark, firstLevel: firstLevel,
                                          overrun: overrun, interruptTimeNs: interruptTimeNs, nowNs: nowNs, drainEndNs: clock.nowNs)
        statistics.record(count: count, overrun: overrun, lost: lost, clipped: clipped)
        return DrainResult(count: count, overrun: overrun, lostSamples: lost, clippedSamples: clipped, interruption: interruption)
    }
}
