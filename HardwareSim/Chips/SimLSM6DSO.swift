import Hardware
import StrideCore

/// Register-level model of the LSM6DSO / LSM6DSOX / LSM6DSO32 (LSM6DSO datasheet DS12140
/// §9, LSM6DSO32 datasheet DS12814).
///
/// Modelled: WHO_AM_I; CTRL1_XL, CTRL2_G (data rate, full scale); CTRL3_C (SW_RESET,
/// IF_INC, H_LACTIVE); CTRL5_C (accelerometer and gyroscope self-test forces); the output
/// registers OUTX_L_G..OUTZ_H_A; FIFO_CTRL1..4 (watermark in words, batch enables, bypass,
/// FIFO and continuous modes); FIFO_STATUS1/2 (DIFF_FIFO, FIFO_WTM_IA, FIFO_OVR_IA,
/// FIFO_FULL_IA, OVER_RUN_LATCHED); INT1_CTRL/INT2_CTRL routing of the FIFO threshold,
/// overrun and full flags to the pin; the tagged FIFO of 7-byte words, each popped when
/// its last byte (0x7E) is read, the pointer wrapping from 0x7E to 0x78.
///
/// Simplifications: samples are produced at the accelerometer's data rate (or the
/// gyroscope's when the accelerometer is off), and the batch rates are taken as "on at the
/// data rate" when non-zero; each sample's words enter the FIFO together, gyroscope first
/// then accelerometer; the tag's TAG_CNT and parity bits read 0; which words a sample
/// holds follows the registers at the time they are read. The FIFO holds 512 words
/// (DS12140 §9: 3 KB); the shared core counts samples, so with two words per sample the
/// model trims the oldest words beyond 512 itself. FIFO mode (001) stops at the core's
/// sample capacity and is not exact with two words per sample; the driver does not use it.
public final class SimLSM6DSO: SimI2CDevice, @unchecked Sendable {
    /// Register addresses used by the model (DS12140 §9).
    private enum Reg {
        static let fifoCtrl1 = 0x07      // FIFO_CTRL1: WTM[7:0]
        static let fifoCtrl2 = 0x08      // FIFO_CTRL2: bit 0 = WTM[8]
        static let fifoCtrl3 = 0x09      // FIFO_CTRL3: BDR_GY[7:4], BDR_XL[3:0]
        static let fifoCtrl4 = 0x0a      // FIFO_CTRL4: FIFO_MODE[2:0]
        static let int1Ctrl = 0x0d       // INT1_CTRL
        static let int2Ctrl = 0x0e       // INT2_CTRL
        static let whoAmI = 0x0f         // WHO_AM_I
        static let ctrl1XL = 0x10        // CTRL1_XL: ODR_XL[7:4], FS_XL[3:2]
        static let ctrl2G = 0x11         // CTRL2_G: ODR_G[7:4], FS_G[3:2], FS_125 bit 1
        static let ctrl3C = 0x12         // CTRL3_C
        static let ctrl5C = 0x14         // CTRL5_C: ST_G[3:2], ST_XL[1:0]
        static let statusReg = 0x1e      // STATUS_REG: GDA bit 1, XLDA bit 0
        static let outGyro = 0x22        // OUTX_L_G .. OUTZ_H_G
        static let outAccel = 0x28       // OUTX_L_A .. OUTZ_H_A
        static let fifoStatus1 = 0x3a    // FIFO_STATUS1: DIFF_FIFO[7:0]
        static let fifoStatus2 = 0x3b    // FIFO_STATUS2
        static let fifoTag = 0x78        // FIFO_DATA_OUT_TAG
        static let fifoLast = 0x7e       // FIFO_DATA_OUT_Z_H, last byte of a word
        static let count = 0x80          // size of the register file
    }

    /// WHO_AM_I value of all three chips (DS12140 §9, WHO_AM_I).
    public static let whoAmIValue: UInt8 = 0x6c
    /// CTRL3_C reset value: IF_INC set (DS12140 §9, CTRL3_C).
    public static let ctrl3CReset: UInt8 = 0x04
    /// FIFO depth in words: 3 KB of 7-byte words (DS12140 §9, FIFO_CTRL1 / ChipModel.fifoCapacity).
    public static let capacityWords = ChipModel.lsm6dso.fifoCapacity
    /// Full-scale output code: the data registers are int16 two's complement.
    private static let countLimit: Int32 = 32767

    /// Data rates for ODR codes 0001..1010, Hz (DS12140 §9, CTRL1_XL; 416/1666/3332/6664
    /// named as in ChipModel).
    private static let rateTable: [UInt8: Double] = [
        0x1: 12.5, 0x2: 26, 0x3: 52, 0x4: 104, 0x5: 208, 0x6: 416, 0x7: 833, 0x8: 1666, 0x9: 3332, 0xa: 6664,
    ]
    /// Accelerometer mg/LSB by FS_XL code: LSM6DSO/DSOX ±2/±16/±4/±8 g (DS12140 §4.1).
    private static let dsoMgPerLSB: [Float] = [0.061, 0.488, 0.122, 0.244]
    /// Accelerometer mg/LSB by FS_XL code: LSM6DSO32 ±4/±32/±8/±16 g (DS12814 §4.1).
    private static let dso32MgPerLSB: [Float] = [0.122, 0.976, 0.244, 0.488]
    /// Gyroscope mdps/LSB by FS_G code: ±250/500/1000/2000 dps (DS12140 §4.1).
    private static let gyroMdpsPerLSB: [Float] = [8.75, 17.5, 35, 70]
    /// Gyroscope mdps/LSB with FS_125 set: ±125 dps (DS12140 §4.1).
    private static let gyro125MdpsPerLSB: Float = 4.375
    /// TAG_SENSOR values (AN5192 FIFO tag list): gyroscope and accelerometer, not compressed.
    private static let tagGyro: UInt8 = 0x01
    private static let tagAccel: UInt8 = 0x02

    /// Register file (0x00..0x7F), reset values: WHO_AM_I 0x6C, CTRL3_C 0x04, others 0.
    public private(set) var registers = [UInt8](repeating: 0, count: Reg.count)
    public let address: UInt8
    /// The model: .lsm6dso, .lsm6dsox or .lsm6dso32.
    public let chip: ChipModel
    /// Sampling, FIFO (in samples) and pin.
    public let core: SimSensorCore
    /// Which interrupt pin is wired to the edge line.
    public var wiredPin: InterruptPin = .int1
    /// Accelerometer positive self-test force per axis, g: inside the 50..1700 mg limits
    /// (DS12140 §4.1, LA_ST). The negative self-test applies it with the opposite sign.
    public var selfTestForce = Vector3(x: 0.6, y: 0.6, z: 0.6)
    /// Gyroscope positive self-test rate per axis, dps: inside the 150..700 dps limits
    /// (DS12140 §4.1, G_ST).
    public var gyroSelfTestRate = Vector3(x: 300, y: 300, z: 300)
    /// Words of the oldest sample already read out (0 or 1 with the gyroscope batched).
    public private(set) var wordsReadFromHead = 0
    private var overrunLatched = false

    /// Creates the model and connects its interrupt pin to `line` if given.
    public init(chip: ChipModel = .lsm6dso, address: UInt8 = 0x6a, clock: VirtualClock, source: any SignalSource, line: SimEdgeLine? = nil) {
        self.chip = chip
        self.address = address
        core = SimSensorCore(clock: clock, source: source, capacity: Self.capacityWords)
        resetRegisters()
        core.interruptLine = line
        line?.connect(core)
        core.quantise = { [unowned self] accel, gyro in self.quantise(accel, gyro) }
        core.pinLevel = { [unowned self] in self.pinLevel() }
    }

    private func resetRegisters() {
        for i in registers.indices { registers[i] = 0 }
        registers[Reg.whoAmI] = Self.whoAmIValue
        registers[Reg.ctrl3C] = Self.ctrl3CReset
    }

    // MARK: state derived from the registers

    private var accelRateHz: Double { Self.rateTable[registers[Reg.ctrl1XL] >> 4] ?? 0 }
    private var gyroRateHz: Double { Self.rateTable[registers[Reg.ctrl2G] >> 4] ?? 0 }
    private var accelBatched: Bool { registers[Reg.fifoCtrl3] & 0x0f != 0 && accelRateHz > 0 }
    private var gyroBatched: Bool { registers[Reg.fifoCtrl3] >> 4 != 0 && gyroRateHz > 0 }

    /// FIFO words each sample contributes now.
    public var wordsPerSample: Int { (accelBatched ? 1 : 0) + (gyroBatched ? 1 : 0) }

    /// Unread words in the FIFO.
    public var fifoWords: Int { max(0, core.fifo.count * wordsPerSample - wordsReadFromHead) }

    private var watermarkWords: Int { Int(registers[Reg.fifoCtrl1]) | Int(registers[Reg.fifoCtrl2] & 0x01) << 8 }

    /// FIFO_STATUS2 without DIFF_FIFO: WTM_IA bit 7, OVR_IA bit 6, FULL_IA bit 5, OVER_RUN_LATCHED bit 3.
    private var statusFlags: UInt8 {
        guard core.fifoEnabled else { return overrunLatched ? 0x08 : 0 }
        let words = fifoWords
        var bits: UInt8 = 0
        if watermarkWords > 0 && words >= watermarkWords { bits |= 0x80 }
        if core.overrun || words > Self.capacityWords { bits |= 0x40 }
        // Smart FIFO full: full at the next data-rate period (DS12140 §9, FIFO_STATUS2).
        if words + wordsPerSample > Self.capacityWords { bits |= 0x20 }
        if overrunLatched || core.overrun { bits |= 0x08 }
        return bits
    }

    private func pinLevel() -> Bool {
        let flags = statusFlags
        // INTx_CTRL bit 3 FIFO_TH, bit 4 FIFO_OVR, bit 5 FIFO_FULL (DS12140 §9, INT1_CTRL).
        var sources: UInt8 = 0
        if flags & 0x80 != 0 { sources |= 0x08 }
        if flags & 0x40 != 0 { sources |= 0x10 }
        if flags & 0x20 != 0 { sources |= 0x20 }
        let routing = registers[wiredPin == .int2 ? Reg.int2Ctrl : Reg.int1Ctrl]
        let active = sources & routing != 0
        let activeLow = registers[Reg.ctrl3C] & 0x20 != 0  // H_LACTIVE
        return activeLow ? !active : active
    }

    private func quantise(_ accel: Vector3, _ gyro: Vector3) -> RawFrame {
        let fsCode = Int(registers[Reg.ctrl1XL] >> 2 & 0x03)
        let mg = (chip == .lsm6dso32 ? Self.dso32MgPerLSB : Self.dsoMgPerLSB)[fsCode]
        let perG = 1000 / mg
        let ctrl2 = registers[Reg.ctrl2G]
        let mdps = ctrl2 & 0x02 != 0 ? Self.gyro125MdpsPerLSB : Self.gyroMdpsPerLSB[Int(ctrl2 >> 2 & 0x03)]
        let perDps = 1000 / mdps
        var a = accel
        switch registers[Reg.ctrl5C] & 0x03 {  // ST_XL: 01 positive, 10 negative
        case 0b01: a = Vector3(x: a.x + selfTestForce.x, y: a.y + selfTestForce.y, z: a.z + selfTestForce.z)
        case 0b10: a = Vector3(x: a.x - selfTestForce.x, y: a.y - selfTestForce.y, z: a.z - selfTestForce.z)
        default: break
        }
        var g = gyro
        switch registers[Reg.ctrl5C] >> 2 & 0x03 {  // ST_G: 01 positive, 11 negative
        case 0b01: g = Vector3(x: g.x + gyroSelfTestRate.x, y: g.y + gyroSelfTestRate.y, z: g.z + gyroSelfTestRate.z)
        case 0b11: g = Vector3(x: g.x - gyroSelfTestRate.x, y: g.y - gyroSelfTestRate.y, z: g.z - gyroSelfTestRate.z)
        default: break
        }
        let gyroOn = gyroRateHz > 0
        return RawFrame(ax: counts(a.x, perG: perG, limit: Self.countLimit),
                        ay: counts(a.y, perG: perG, limit: Self.countLimit),
                        az: counts(a.z, perG: perG, limit: Self.countLimit),
                        gx: gyroOn ? counts(g.x, perG: perDps, limit: Self.countLimit) : 0,
                        gy: gyroOn ? counts(g.y, perG: perDps, limit: Self.countLimit) : 0,
                        gz: gyroOn ? counts(g.z, perG: perDps, limit: Self.countLimit) : 0,
                        timeNs: 0)
    }

    // MARK: FIFO words

    /// Brings the core up to now and drops the oldest words beyond the FIFO's 512.
    private func sync() {
        core.catchUp()
        guard core.fifoEnabled else { return }
        var dropped = false
        while fifoWords > Self.capacityWords {
            dropOldestWord()
            dropped = true
        }
        if dropped {
            core.overrun = true
            overrunLatched = true
            core.updatePin(atNs: core.clock.nowNs)
        }
    }

    private func dropOldestWord() {
        wordsReadFromHead += 1
        if wordsReadFromHead >= wordsPerSample {
            wordsReadFromHead = 0
            _ = core.pop()
        }
    }

    /// The oldest unread word: its tag and X, Y, Z counts; tag 0 when the FIFO is empty.
    private func headWord() -> (tag: UInt8, x: Int16, y: Int16, z: Int16) {
        guard core.fifoEnabled, let frame = core.fifo.first, wordsPerSample > 0 else { return (0, 0, 0, 0) }
        // Gyroscope word first, then accelerometer.
        if gyroBatched && wordsReadFromHead == 0 {
            return (Self.tagGyro << 3, frame.gx, frame.gy, frame.gz)
        }
        return (Self.tagAccel << 3, frame.ax, frame.ay, frame.az)
    }

    // MARK: bus interface

    public func write(register: UInt8, value: UInt8) {
        sync()
        let r = Int(register)
        switch r {
        case Reg.whoAmI, Reg.statusReg, Reg.fifoStatus1, Reg.fifoStatus2, Reg.outGyro...(Reg.outAccel + 5), Reg.fifoTag...0x7f:
            return  // read-only
        case Reg.ctrl3C where value & 0x01 != 0:
            // SW_RESET: user registers back to their defaults, FIFO emptied; the bit clears itself.
            resetRegisters()
            core.setDataRate(0)
            core.fifoEnabled = false
            core.clearFIFO()
            wordsReadFromHead = 0
            overrunLatched = false
        case 0..<Reg.count:
            registers[r] = r == Reg.ctrl3C ? value & 0x7f : value  // BOOT self-clears
        default:
            return
        }
        switch r {
        case Reg.ctrl1XL, Reg.ctrl2G:
            let rate = accelRateHz > 0 ? accelRateHz : gyroRateHz
            if rate != core.dataRateHz { core.setDataRate(rate) }
            refreshFIFO()
        case Reg.fifoCtrl3, Reg.fifoCtrl4:
            refreshFIFO()
        default:
            break
        }
        core.updatePin(atNs: core.clock.nowNs)
    }

    /// FIFO_MODE and batching: bypass (000) empties the FIFO; FIFO mode (001) stops when
    /// full; continuous (110) overwrites the oldest. Other modes are not modelled and act
    /// as bypass.
    private func refreshFIFO() {
        let mode = registers[Reg.fifoCtrl4] & 0x07
        let collecting = (mode == 0b001 || mode == 0b110) && wordsPerSample > 0
        core.fullBehaviour = mode == 0b001 ? .stopCollecting : .dropOldest
        if !collecting && (core.fifoEnabled || mode == 0) {
            core.clearFIFO()
            wordsReadFromHead = 0
            overrunLatched = false
        }
        core.fifoEnabled = collecting
    }

    public func read(register: UInt8, into buffer: UnsafeMutableRawBufferPointer) {
        sync()
        let autoIncrement = registers[Reg.ctrl3C] & 0x04 != 0
        var r = Int(register)
        var word = headWord()
        for i in 0..<buffer.count {
            switch r {
            case Reg.fifoStatus1:
                buffer[i] = UInt8(fifoWords & 0xff)
            case Reg.fifoStatus2:
                buffer[i] = statusFlags | UInt8(fifoWords >> 8 & 0x03)
                overrunLatched = false  // OVER_RUN_LATCHED clears when FIFO_STATUS2 is read
            case Reg.statusReg:
                buffer[i] = core.dataRateHz > 0 ? 0x03 : 0
            case Reg.outGyro...(Reg.outGyro + 5):
                let values = [core.latest.gx, core.latest.gy, core.latest.gz]
                buffer[i] = Self.byte(of: values[(r - Reg.outGyro) / 2], high: (r - Reg.outGyro) % 2 == 1)
            case Reg.outAccel...(Reg.outAccel + 5):
                let values = [core.latest.ax, core.latest.ay, core.latest.az]
                buffer[i] = Self.byte(of: values[(r - Reg.outAccel) / 2], high: (r - Reg.outAccel) % 2 == 1)
            case Reg.fifoTag:
                word = headWord()
                buffer[i] = word.tag
            case (Reg.fifoTag + 1)...Reg.fifoLast:
                let values = [word.x, word.y, word.z]
                buffer[i] = Self.byte(of: values[(r - Reg.fifoTag - 1) / 2], high: (r - Reg.fifoTag - 1) % 2 == 1)
                if r == Reg.fifoLast && word.tag != 0 {
                    dropOldestWord()  // reading the word's last byte pops it
                    word = headWord()
                }
            default:
                buffer[i] = r < registers.count ? registers[r] : 0
            }
            // The FIFO output wraps from 0x7E back to 0x78 (IF_INC); elsewhere the pointer
            // advances when IF_INC is set.
            if r == Reg.fifoLast {
                r = Reg.fifoTag
            } else if autoIncrement {
                r = min(r + 1, Reg.count - 1)
            }
        }
        core.updatePin(atNs: core.clock.nowNs)
    }

    private static func byte(of value: Int16, high: Bool) -> UInt8 {
        let bits = UInt16(bitPattern: value)
        return high ? UInt8(bits >> 8) : UInt8(bits & 0xff)
    }
}
