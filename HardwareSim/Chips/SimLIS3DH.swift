import Hardware
import StrideCore

/// Register-level model of the ST LIS3DH (datasheet DocID17530 Rev 2, §5.1, §6.1.1, §7, §8).
///
/// Modelled: WHO_AM_I, CTRL_REG1 (ODR, LPen), CTRL_REG3 (I1_WTM, I1_OVERRUN), CTRL_REG4
/// (FS, HR, ST), CTRL_REG5 (FIFO_EN), CTRL_REG6 (H_LACTIVE), OUT_X_L..OUT_Z_H (left-justified,
/// 8/10/12 bits by operating mode), FIFO_CTRL_REG, FIFO_SRC_REG; the 32-level FIFO in
/// bypass, FIFO and stream mode (stream-to-FIFO behaves as stream: its trigger is not
/// modelled); the I2C sub-address auto-increment bit; the roll-back from OUT_Z_H to OUT_X_L
/// in FIFO mode that pops the next sample, so one burst of 6·N bytes drains N samples; the
/// self-test force. INT2 carries none of the sources modelled (CTRL_REG6 has no FIFO source).
public final class SimLIS3DH: SimI2CDevice, @unchecked Sendable {
    /// WHO_AM_I, §8: fixed identity.
    static let whoAmI: UInt8 = 0x0f
    /// CTRL_REG1..CTRL_REG6, §8.
    static let ctrlReg1: UInt8 = 0x20, ctrlReg3: UInt8 = 0x22, ctrlReg4: UInt8 = 0x23
    static let ctrlReg5: UInt8 = 0x24, ctrlReg6: UInt8 = 0x25
    /// STATUS_REG, §8 (ZYXDA, ZYXOR).
    static let statusReg: UInt8 = 0x27
    /// OUT_X_L and OUT_Z_H: the output block, §8.
    static let outXL: UInt8 = 0x28, outZH: UInt8 = 0x2d
    /// FIFO_CTRL_REG and FIFO_SRC_REG, §8.
    static let fifoCtrl: UInt8 = 0x2e, fifoSrc: UInt8 = 0x2f
    /// Sub-address bit 7: auto-increment in multi-byte transfers (§6.1.1).
    static let autoIncrement: UInt8 = 0x80
    /// Registers that exist (0x00..0x3F, §7).
    static let registerCount = 0x40

    /// Register file; reset values from §7 (CTRL_REG1 = 0x07: power-down, X/Y/Z enabled).
    public private(set) var registers = [UInt8](repeating: 0, count: SimLIS3DH.registerCount)
    public let address: UInt8
    /// Sampling, FIFO and pin.
    public let core: SimSensorCore
    /// Which interrupt pin is wired to the edge line.
    public var wiredPin: InterruptPin = .int1
    /// Self-test 0 force per axis, g (self-test 1 applies its negative). The datasheet gives
    /// only limits (Table 4, Vst 17..360 LSb at ±2 g normal mode = 0.068..1.44 g); these
    /// values sit inside them and keep Z (with 1 g of gravity) under the ±2 g full scale.
    public var selfTestForce = Vector3(x: 0.5, y: 0.5, z: 0.7)

    /// CTRL_REG1 ODR[3:0] → Hz for normal/high-resolution (§8 CTRL_REG1, data rate table).
    private static let rateTable: [UInt8: Double] = [0x1: 1, 0x2: 10, 0x3: 25, 0x4: 50, 0x5: 100, 0x6: 200, 0x7: 400, 0x9: 1344]
    /// Low-power-only rates: 1000 → 1.62 kHz, 1001 → 5.376 kHz (§8 CTRL_REG1).
    private static let lowPowerRateTable: [UInt8: Double] = [0x8: 1620, 0x9: 5376]
    /// Sensitivity in mg/digit by FS for high-resolution, normal, low-power mode (Table 4).
    private static let mgPerDigitHighResolution: [Float] = [1, 2, 4, 12]
    private static let mgPerDigitNormal: [Float] = [4, 8, 16, 48]
    private static let mgPerDigitLowPower: [Float] = [16, 32, 64, 192]

    /// Creates the model at `address` (0x18 with SA0 low, 0x19 high) and connects its
    /// interrupt pin to `line` if given.
    public init(address: UInt8 = 0x18, clock: VirtualClock, source: any SignalSource, line: SimEdgeLine? = nil) {
        self.address = address
        core = SimSensorCore(clock: clock, source: source, capacity: ChipModel.lis3dh.fifoCapacity)
        registers[Int(Self.whoAmI)] = ChipFamily.lis3dh.idValue
        registers[Int(Self.ctrlReg1)] = 0x07
        core.interruptLine = line
        line?.connect(core)
        core.quantise = { [unowned self] accel, _ in self.quantise(accel) }
        core.pinLevel = { [unowned self] in self.pinLevel() }
    }

    private var fifoThreshold: Int { Int(registers[Int(Self.fifoCtrl)] & 0x1f) }

    /// FIFO_SRC_REG (§5.1, §8): WTM when the stored level is at or above FTH, OVRN_FIFO when a
    /// slot was overwritten, EMPTY, FSS = samples stored (5 bits: a full FIFO reads 31).
    private var fifoSource: UInt8 {
        let count = core.fifoEnabled ? core.fifo.count : 0
        var bits = UInt8(min(count, 31))
        if count == 0 { bits |= 0x20 }
        if core.overrun { bits |= 0x40 }
        if watermarkReached { bits |= 0x80 }
        return bits
    }

    private var watermarkReached: Bool {
        core.fifoEnabled && !core.fifo.isEmpty && core.fifo.count >= fifoThreshold
    }

    private func pinLevel() -> Bool {
        let ctrl3 = registers[Int(Self.ctrlReg3)]
        let int1 = (ctrl3 & 0x04 != 0 && watermarkReached) || (ctrl3 & 0x02 != 0 && core.overrun)
        let active = wiredPin == .int1 ? int1 : false
        let activeLow = registers[Int(Self.ctrlReg6)] & 0x02 != 0  // H_LACTIVE
        return active != activeLow
    }

    /// Output resolution now: (left-justify shift, g per digit, largest code) from LPen, HR and FS (§3.2.1, Table 4).
    private var outputFormat: (shift: Int32, gPerDigit: Float, limit: Int32) {
        let lowPower = registers[Int(Self.ctrlReg1)] & 0x08 != 0
        let highRes = registers[Int(Self.ctrlReg4)] & 0x08 != 0
        let fs = Int((registers[Int(Self.ctrlReg4)] >> 4) & 0x3)
        if lowPower { return (8, Self.mgPerDigitLowPower[fs] / 1000, 127) }
        if highRes { return (4, Self.mgPerDigitHighResolution[fs] / 1000, 2047) }
        return (6, Self.mgPerDigitNormal[fs] / 1000, 511)
    }

    private func quantise(_ accel: Vector3) -> RawFrame {
        let format = outputFormat
        var a = accel
        switch (registers[Int(Self.ctrlReg4)] >> 1) & 0x3 {
        case 0b01:  // self-test 0
            a.x += selfTestForce.x; a.y += selfTestForce.y; a.z += selfTestForce.z
        case 0b10:  // self-test 1
            a.x -= selfTestForce.x; a.y -= selfTestForce.y; a.z -= selfTestForce.z
        default:
            break
        }
        func word(_ value: Float) -> Int16 {
            let c = counts(value, perG: 1 / format.gPerDigit, limit: format.limit)
            return Int16(truncatingIfNeeded: Int32(c) << format.shift)
        }
        return RawFrame(ax: word(a.x), ay: word(a.y), az: word(a.z), gx: 0, gy: 0, gz: 0, timeNs: 0)
    }

    private func applyModes() {
        let ctrl1 = registers[Int(Self.ctrlReg1)]
        let odr = ctrl1 >> 4
        let lowPower = ctrl1 & 0x08 != 0
        let hz = (lowPower ? Self.lowPowerRateTable[odr] : nil) ?? Self.rateTable[odr] ?? 0
        if hz != core.dataRateHz { core.setDataRate(hz) }
        let mode = registers[Int(Self.fifoCtrl)] >> 6
        let enabled = registers[Int(Self.ctrlReg5)] & 0x40 != 0 && mode != 0
        if !enabled && core.fifoEnabled || mode == 0 {
            core.clearFIFO()  // bypass resets the FIFO (§5.1.1)
        }
        core.fifoEnabled = enabled
        core.fullBehaviour = mode == 0b01 ? .stopCollecting : .dropOldest
    }

    public func write(register: UInt8, value: UInt8) {
        core.catchUp()
        let r = register & ~Self.autoIncrement
        // Read-only and reserved registers ignore writes in this model.
        guard Int(r) < registers.count, r >= 0x1e, r != Self.statusReg, r != Self.fifoSrc,
              !(Self.outXL...Self.outZH).contains(r) else { return }
        registers[Int(r)] = value
        switch r {
        case Self.ctrlReg1, Self.ctrlReg5, Self.fifoCtrl:
            applyModes()
        default:
            break
        }
        core.updatePin(atNs: core.clock.nowNs)
    }

    public func read(register: UInt8, into buffer: UnsafeMutableRawBufferPointer) {
        core.catchUp()
        let increments = register & Self.autoIncrement != 0
        var r = register & ~Self.autoIncrement
        var popped = false
        for i in 0..<buffer.count {
            buffer[i] = value(of: r)
            if r == Self.outZH && core.fifoEnabled {
                // The sample slot is read out: pop it; the pointer rolls back to OUT_X_L (§5.1).
                _ = core.pop()
                core.overrun = false
                popped = true
                if increments { r = Self.outXL }
            } else if increments {
                r = (r + 1) & 0x3f
            }
        }
        if popped { core.updatePin(atNs: core.clock.nowNs) }
    }

    private func value(of r: UInt8) -> UInt8 {
        switch r {
        case Self.fifoSrc:
            return fifoSource
        case Self.statusReg:
            return core.produced > 0 ? 0x08 : 0  // ZYXDA once data exists (not modelled further)
        case Self.outXL...Self.outZH:
            let frame = core.fifoEnabled && !core.fifo.isEmpty ? core.fifo[0] : core.latest
            let offset = Int(r - Self.outXL)
            let axis = offset / 2 == 0 ? frame.ax : offset / 2 == 1 ? frame.ay : frame.az
            let word = UInt16(bitPattern: axis)
            return offset % 2 == 0 ? UInt8(word & 0xff) : UInt8(word >> 8)
        default:
            return Int(r) < registers.count ? registers[Int(r)] : 0
        }
    }
}
