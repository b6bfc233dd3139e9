import StrideCore

/// Driver for the ST LIS3DH (±2..16 g, 32-level FIFO), run in high-resolution mode.
///
/// The chip answers WHO_AM_I 0x33 at 0x18 or 0x19 (SA0 low / high). Samples are 12-bit,
/// left-justified in 16-bit two's complement words (OUT_X_L..OUT_Z_H).
///
/// The FIFO holds 32 samples. In stream mode a full FIFO overwrites its oldest sample and
/// sets OVRN_FIFO. With the sub-address MSB set (I2C auto-increment), a read that starts at
/// OUT_X_L rolls back from OUT_Z_H to OUT_X_L and pops the next FIFO sample, so a whole
/// drain is one burst of 6·N bytes: split here at sample boundaries into reads of at most
/// `bus.maxReadLength` bytes, each restarting at OUT_X_L.
///
/// The watermark interrupt can be routed only to INT1 (datasheet §5.1: watermark, empty and
/// overrun interrupts go to INT1 through CTRL_REG3; CTRL_REG6 has no FIFO source for INT2),
/// so asking for INT2 is refused.
///
/// References: LIS3DH datasheet DocID17530 Rev 2: Table 4 (mechanical characteristics),
/// §3.2 (operating modes, self-test), §5.1 (FIFO), §6.1.1 (I2C operation), §7 (register
/// map), §8 (register description).
public final class LIS3DHDriver: AccelerometerDriver {
    private enum Register: UInt8 {
        case whoAmI = 0x0f       // §7/§8 WHO_AM_I, reads 0x33
        case ctrlReg1 = 0x20     // §8 CTRL_REG1: ODR[7:4], LPen, Zen/Yen/Xen
        case ctrlReg3 = 0x22     // §8 CTRL_REG3: interrupt sources routed to INT1
        case ctrlReg4 = 0x23     // §8 CTRL_REG4: BDU, BLE, FS[5:4], HR, ST[2:1], SIM
        case ctrlReg5 = 0x24     // §8 CTRL_REG5: BOOT, FIFO_EN, latching
        case ctrlReg6 = 0x25     // §8 CTRL_REG6: sources routed to INT2, INT polarity
        case outXL = 0x28        // §8 OUT_X_L .. OUT_Z_H (0x2D), left-justified, little-endian
        case fifoCtrl = 0x2e     // §8 FIFO_CTRL_REG: FM[7:6], TR, FTH[4:0]
        case fifoSrc = 0x2f      // §8 FIFO_SRC_REG: WTM, OVRN_FIFO, EMPTY, FSS[4:0]
    }

    /// I2C sub-address bit 7: auto-increment the register pointer in a multi-byte read (§6.1.1).
    private static let autoIncrement: UInt8 = 0x80
    /// CTRL_REG1 bits 2:0: Zen, Yen, Xen, all three axes on (§8 CTRL_REG1).
    private static let axesXYZ: UInt8 = 0b111
    /// CTRL_REG1 bits 7:4 = 0000: power-down (§8 CTRL_REG1, ODR table).
    private static let powerDown: UInt8 = 0
    /// CTRL_REG3 bit 2, I1_WTM: FIFO watermark interrupt on INT1 (§8 CTRL_REG3).
    private static let i1Watermark: UInt8 = 1 << 2
    /// CTRL_REG3 bit 1, I1_OVERRUN: FIFO overrun interrupt on INT1 (§8 CTRL_REG3).
    private static let i1Overrun: UInt8 = 1 << 1
    /// CTRL_REG4 bit 7, BDU: output registers not updated until both bytes are read (§8 CTRL_REG4).
    private static let blockDataUpdate: UInt8 = 1 << 7
    /// CTRL_REG4 bit 3, HR: high-resolution (12-bit) output, with LPen = 0 (§3.2.1, Table 10).
    private static let highResolution: UInt8 = 1 << 3
    /// CTRL_REG4 bits 2:1 = 01: self-test 0 (§8 CTRL_REG4, self-test mode configuration).
    private static let selfTest0: UInt8 = 0b01 << 1
    /// CTRL_REG4 bits 5:4: full-scale selection, shifted into place (§8 CTRL_REG4).
    private static let fullScaleShift: UInt8 = 4
    /// CTRL_REG5 bit 6, FIFO_EN: FIFO enable (§5.1, §8 CTRL_REG5).
    private static let fifoEnable: UInt8 = 1 << 6
    /// CTRL_REG6: all sources off INT2, interrupts active high (H_LACTIVE bit 1 = 0) (§8 CTRL_REG6).
    private static let int2NothingActiveHigh: UInt8 = 0
    /// FIFO_CTRL_REG FM[7:6] = 00: bypass; leaving it resets the FIFO (§5.1.1).
    private static let fifoModeBypass: UInt8 = 0b00 << 6
    /// FIFO_CTRL_REG FM[7:6] = 10: stream mode, oldest sample overwritten when full (§5.1.3).
    private static let fifoModeStream: UInt8 = 0b10 << 6
    /// FIFO_SRC_REG bit 6, OVRN_FIFO: a FIFO slot was overwritten, so the FIFO holds 32 (§5.1).
    private static let fifoOverrun: UInt8 = 1 << 6
    /// FIFO_SRC_REG bits 4:0, FSS: samples stored (§8 FIFO_SRC_REG).
    private static let fifoLevelMask: UInt8 = 0x1f
    /// Bytes per FIFO sample: X, Y, Z as 16-bit little-endian words (§8 OUT_X_L..OUT_Z_H).
    private static let bytesPerSample = 6
    /// FIFO depth, samples (§5.1: 32 levels for each of X, Y, Z).
    private static let fifoDepth = ChipModel.lis3dh.fifoCapacity
    /// Right shift from the left-justified word to 12-bit counts in high-resolution mode (§3.2.1).
    private static let highResolutionShift: Int16 = 4
    /// Right shift from the left-justified word to 10-bit counts in normal mode (§3.2.1).
    private static let normalModeShift: Int16 = 6
    /// Largest 12-bit code, counts: the output saturates here (two's complement, §3.2.1).
    private static let clipHigh: Int32 = 2047

    /// ODR[3:0] codes for CTRL_REG1 bits 7:4 in normal / high-resolution mode, the rates we
    /// offer (≥ 100 Hz) (§8 CTRL_REG1, data rate configuration table: 0101 100 Hz, 0110
    /// 200 Hz, 0111 400 Hz, 1001 1.344 kHz).
    private static let rateCodes: [(hz: Double, code: UInt8)] = [(100, 0x5), (200, 0x6), (400, 0x7), (1344, 0x9)]

    /// Full-scale codes for CTRL_REG4 FS[1:0] and the high-resolution sensitivity, g/digit
    /// (Table 4, "So": 1, 2, 4, 12 mg/digit at ±2, 4, 8, 16 g).
    private static let ranges: [(g: Double, code: UInt8, gPerDigit: Float)] = [
        (2, 0b00, 0.001), (4, 0b01, 0.002), (8, 0b10, 0.004), (16, 0b11, 0.012),
    ]

    /// Self-test runs in normal mode at ±2 g, where Table 4 states its limits.
    /// Normal-mode sensitivity at ±2 g, g/digit (Table 4, "So", normal mode: 4 mg/digit).
    private static let selfTestGPerDigit: Float = 0.004
    /// Self-test output change limits, LSb in normal mode at ±2 g (Table 4, "Vst": 17 min, 360 max).
    private static let selfTestMinimumLSb: Float = 17
    private static let selfTestMaximumLSb: Float = 360
    /// The same limits in g, per axis (LSb × 4 mg/digit): 0.068 g to 1.44 g.
    private static let selfTestMinimum = Vector3(x: selfTestMinimumLSb * selfTestGPerDigit, y: selfTestMinimumLSb * selfTestGPerDigit,
                                                 z: selfTestMinimumLSb * selfTestGPerDigit)
    private static let selfTestMaximum = Vector3(x: selfTestMaximumLSb * selfTestGPerDigit, y: selfTestMaximumLSb * selfTestGPerDigit,
                                                 z: selfTestMaximumLSb * selfTestGPerDigit)
    /// Self-test data rate code, 100 Hz (§8 CTRL_REG1: 0101).
    private static let selfTestRateCode: UInt8 = 0x5
    /// Self-test sample period at 100 Hz, ns.
    private static let selfTestPeriodNs: UInt64 = 10_000_000
    /// Samples averaged per self-test phase.
    private static let selfTestSamples = 16
    /// Settling after power-up or switching the self-test force: 8 samples at 100 Hz, above the
    /// longest mode-change turn-on time of 7/ODR (Table 11) and the 1/ODR + 1 ms the filter needs.
    private static let selfTestSettleNs: UInt64 = 80_000_000

    public let chip: ChipModel = .lis3dh
    public let bus: any I2CBus
    public let address: UInt8
    public private(set) var applied: AppliedConfiguration?
    public private(set) var statistics = DriverStatistics()
    private let clock: any MonotonicClock
    private var timestamper = FIFOTimestamper(dataRateHz: 100)
    /// Counts at the specified full scale: a sample at or beyond it is flagged clipped.
    private var fullScaleCounts: Int32 = 2047
    private var gPerDigit: Float = 0.012
    private var rateCode: UInt8 = 0x5
    /// Burst buffer for a whole FIFO (32 samples × 6 bytes), allocated once here so that
    /// drain allocates nothing.
    private let burst: UnsafeMutableRawBufferPointer

    /// Creates a driver for an LIS3DH at `address` (0x18 or 0x19) on `bus`.
    public init(bus: any I2CBus, address: UInt8, clock: any MonotonicClock) {
        self.bus = bus
        self.address = address
        self.clock = clock
        burst = UnsafeMutableRawBufferPointer.allocate(byteCount: Self.fifoDepth * Self.bytesPerSample, alignment: 2)
        burst.initializeMemory(as: UInt8.self, repeating: 0)
    }

    deinit {
        burst.deallocate()
    }

    private func write(_ register: Register, _ value: UInt8) throws(HardwareError) {
        do { try bus.writeRegister(register.rawValue, value: value, address: address) } catch { throw .bus(error) }
    }

    private func read(_ register: Register) throws(HardwareError) -> UInt8 {
        do { return try bus.readRegister(register.rawValue, address: address) } catch { throw .bus(error) }
    }

    /// Reads `samples` whole samples from OUT_X_L with auto-increment into the start of
    /// `burst`, in reads of at most `bus.maxReadLength` bytes split at sample boundaries.
    private func readSamples(_ samples: Int) throws(HardwareError) {
        let perRead = max(1, min(Self.fifoDepth, bus.maxReadLength / Self.bytesPerSample))
        var done = 0
        while done < samples {
            let n = min(perRead, samples - done)
            let start = done * Self.bytesPerSample
            let chunk = UnsafeMutableRawBufferPointer(rebasing: burst[start..<(start + n * Self.bytesPerSample)])
            do {
                try bus.readRegisters(Register.outXL.rawValue | Self.autoIncrement, address: address, into: chunk)
            } catch { throw .bus(error) }
            done += n
        }
    }

    /// Sample `index` of `burst` as counts, for a left-justified word shifted right by `shift`.
    private func decode(_ index: Int, shift: Int16) -> (x: Int32, y: Int32, z: Int32) {
        let offset = index * Self.bytesPerSample
        @inline(__always) func word(_ i: Int) -> Int32 {
            let raw = Int16(bitPattern: UInt16(burst[offset + i]) | UInt16(burst[offset + i + 1]) << 8)
            return Int32(raw >> shift)  // arithmetic shift keeps the sign
        }
        return (word(0), word(2), word(4))
    }

    public func verifyIdentity() throws(HardwareError) {
        let id = try read(.whoAmI)
        guard id == ChipFamily.lis3dh.idValue else {
            throw .wrongChip(expected: .lis3dh, found: id, bus: bus.name, address: address)
        }
    }

    public func configure(_ configuration: SensorConfiguration) throws(HardwareError) -> AppliedConfiguration {
        guard let rate = Self.rateCodes.first(where: { $0.hz >= configuration.dataRateHz }) else {
            throw .unsupportedConfiguration("LIS3DH data rate at most 1344 Hz in high-resolution mode; asked for \(configuration.dataRateHz) Hz")
        }
        guard let range = Self.ranges.first(where: { $0.g >= configuration.rangeG }) else {
            throw .unsupportedConfiguration("LIS3DH ranges are ±2, 4, 8, 16 g; asked for ±\(configuration.rangeG) g")
        }
        // FTH is 5 bits; 0 would fire on every sample and 32 cannot be written.
        guard (1..<Self.fifoDepth).contains(configuration.fifoWatermark) else {
            throw .unsupportedConfiguration("LIS3DH FIFO watermark must be 1...31 samples; asked for \(configuration.fifoWatermark)")
        }
        guard configuration.interruptPin == .int1 else {
            throw .unsupportedConfiguration("LIS3DH can signal the FIFO watermark on INT1 only (datasheet §5.1, CTRL_REG3); wire INT1")
        }
        guard bus.maxReadLength >= Self.bytesPerSample else {
            throw .unsupportedConfiguration("\(bus.name) reads at most \(bus.maxReadLength) bytes; an LIS3DH sample needs \(Self.bytesPerSample)")
        }
        try write(.ctrlReg1, Self.powerDown)
        try write(.ctrlReg3, 0)
        try write(.ctrlReg4, Self.blockDataUpdate | range.code << Self.fullScaleShift | Self.highResolution)
        try write(.ctrlReg5, Self.fifoEnable)
        try write(.fifoCtrl, Self.fifoModeBypass)
        try write(.fifoCtrl, Self.fifoModeStream | UInt8(configuration.fifoWatermark))
        try write(.ctrlReg6, Self.int2NothingActiveHigh)
        try write(.ctrlReg3, Self.i1Watermark | Self.i1Overrun)
        gPerDigit = range.gPerDigit
        // At ±16 g the 12-bit codes reach 24.6 g (12 mg/digit), but the datasheet specifies
        // only ±16 g (Table 4, FS): beyond it the reading is not trustworthy, so it counts
        // as clipped. At the other ranges the codes end at the full scale anyway.
        fullScaleCounts = min(Self.clipHigh, Int32((Float(range.g) / range.gPerDigit).rounded(.down)))
        rateCode = rate.code
        timestamper = FIFOTimestamper(dataRateHz: rate.hz)
        let result = AppliedConfiguration(dataRateHz: rate.hz, rangeG: range.g, fifoWatermark: configuration.fifoWatermark)
        applied = result
        return result
    }

    /// Starts sampling: the data rate and the power-down state share CTRL_REG1's ODR field.
    public func start() throws(HardwareError) {
        guard applied != nil else { throw .notConfigured(bus: bus.name, address: address) }
        timestamper.reset()
        try write(.ctrlReg1, rateCode << 4 | Self.axesXYZ)
    }

    public func stop() throws(HardwareError) {
        try write(.ctrlReg1, Self.powerDown)
    }

    /// Averages `selfTestSamples` readings of the output registers (FIFO in bypass), in g.
    private func averageReading() throws(HardwareError) -> Vector3 {
        var sum = (x: Float(0), y: Float(0), z: Float(0))
        for _ in 0..<Self.selfTestSamples {
            clock.sleep(untilNs: clock.nowNs + Self.selfTestPeriodNs)
            try readSamples(1)
            let v = decode(0, shift: Self.normalModeShift)
            sum.x += Float(v.x); sum.y += Float(v.y); sum.z += Float(v.z)
        }
        let scale = Self.selfTestGPerDigit / Float(Self.selfTestSamples)
        return Vector3(x: sum.x * scale, y: sum.y * scale, z: sum.z * scale)
    }

    public func selfTest() throws(HardwareError) -> SelfTestReport {
        // §3.2.2 and Table 4: the output change with the self-test force on, in normal mode
        // at ±2 g, must lie within Vst. The device must be still.
        let normalTwoG = Self.blockDataUpdate  // FS = 00 (±2 g), HR = 0 (normal mode)
        try write(.ctrlReg1, Self.powerDown)
        try write(.ctrlReg3, 0)
        try write(.ctrlReg5, 0)
        try write(.fifoCtrl, Self.fifoModeBypass)
        try write(.ctrlReg4, normalTwoG)
        try write(.ctrlReg1, Self.selfTestRateCode << 4 | Self.axesXYZ)
        clock.sleep(untilNs: clock.nowNs + Self.selfTestSettleNs)
        let off = try averageReading()
        try write(.ctrlReg4, normalTwoG | Self.selfTest0)
        clock.sleep(untilNs: clock.nowNs + Self.selfTestSettleNs)
        let on = try averageReading()
        try write(.ctrlReg4, normalTwoG)
        try write(.ctrlReg1, Self.powerDown)
        applied = nil  // the chip was reconfigured for the test
        let change = Vector3(x: on.x - off.x, y: on.y - off.y, z: on.z - off.z)
        let report = SelfTestReport(change: change, minimum: Self.selfTestMinimum, maximum: Self.selfTestMaximum)
        guard report.passed else { throw .selfTestFailed(report, bus: bus.name, address: address) }
        return report
    }

    public func drain(into buffer: UnsafeMutableBufferPointer<IMUSample>, interruptTimeNs: UInt64?, nowNs: UInt64) throws(HardwareError) -> DrainResult {
        guard let applied else { throw .notConfigured(bus: bus.name, address: address) }
        // FIFO_SRC before the data: reading a sample frees a slot and clears OVRN_FIFO.
        let source = try read(.fifoSrc)
        let overrun = source & Self.fifoOverrun != 0
        // FSS is 5 bits; a FIFO that overwrote a slot is full (32).
        let firstLevel = overrun ? Self.fifoDepth : Int(source & Self.fifoLevelMask)
        var count = 0
        var clipped = 0
        var interruption: HardwareError?
        do {
            try readFIFO(into: buffer, level: firstLevel, watermark: applied.fifoWatermark, count: &count, clipped: &clipped)
        } catch {
            if count == 0 { throw error }
            interruption = error
        }
        // No FIFO reset after an overrun (as the ADXL34x prototype): stream mode kept the
        // newest 32 samples and reading them clears OVRN_FIFO, so draining is the recovery;
        // a bypass/stream cycle would throw away the samples that arrived while we drained.
        return finish(buffer: buffer, count: count, firstLevel: firstLevel, overrun: overrun,
                      clipped: clipped, interruptTimeNs: interruptTimeNs, nowNs: nowNs, interruption: interruption)
    }

    /// Reads bursts until the level is under the watermark. `count` and `clipped` hold what
    /// was read even when a transfer fails part-way.
    private func readFIFO(into buffer: UnsafeMutableBufferPointer<IMUSample>, level firstLevel: Int, watermark: Int,
                          count: inout Int, clipped: inout Int) throws(HardwareError) {
        var level = firstLevel
        // Drain until the level is under the watermark, so WTM and the INT1 line fall and
        // the next watermark crossing gives a fresh edge.
        while level > 0 && count < buffer.count {
            let n = min(min(level, buffer.count - count), Self.fifoDepth)  // two-argument min: no variadic array
            try readSamples(n)
            for i in 0..<n {
                let v = decode(i, shift: Self.highResolutionShift)
                let isClipped = max(abs(v.x), abs(v.y), abs(v.z)) >= fullScaleCounts
                if isClipped { clipped += 1 }
                buffer[count] = IMUSample(
                    timeNs: 0,
                    accel: Vector3(x: Float(v.x) * gPerDigit, y: Float(v.y) * gPerDigit, z: Float(v.z) * gPerDigit),
                    flags: isClipped ? .clipped : [])
                count += 1
            }
            let after = try read(.fifoSrc)
            level = after & Self.fifoOverrun != 0 ? Self.fifoDepth : Int(after & Self.fifoLevelMask)
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
