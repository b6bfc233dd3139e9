import Hardware
import StrideCore

/// Register-level model of the ADXL345 / ADXL375 (ADXL345 datasheet Rev. G, Table 19).
///
/// Modelled: DEVID, BW_RATE, POWER_CTL, INT_ENABLE, INT_MAP, INT_SOURCE, DATA_FORMAT,
/// DATAX0..DATAZ1, FIFO_CTL, FIFO_STATUS; a 32-entry FIFO in bypass, FIFO or stream
/// mode; pop on every read that covers the data registers; watermark and overrun
/// interrupts on INT1 or INT2 (active high); the self-test force.
public final class SimADXL34x: SimI2CDevice, @unchecked Sendable {
    /// Register file, reset values from Table 19 (BW_RATE resets to 0x0A = 100 Hz).
    public private(set) var registers = [UInt8](repeating: 0, count: 0x3a)
    public let address: UInt8
    /// The model: .adxl345 or .adxl375.
    public let chip: ChipModel
    /// Sampling, FIFO and pin.
    public let core: SimSensorCore
    /// Which interrupt pin is wired to the edge line.
    public var wiredPin: InterruptPin = .int1
    /// Self-test force per axis, g: mid-band of the datasheet limits (ADXL345 Table 1;
    /// ADXL375: 6.4 g typical on Z).
    public var selfTestForce: Vector3

    private static let rateTable: [UInt8: Double] = [0x0a: 100, 0x0b: 200, 0x0c: 400, 0x0d: 800, 0x0e: 1600, 0x0f: 3200]

    /// Creates the model and connects its interrupt pin to `line` if given.
    public init(chip: ChipModel = .adxl345, address: UInt8 = 0x53, clock: VirtualClock, source: any SignalSource, line: SimEdgeLine? = nil) {
        self.chip = chip
        self.address = address
        core = SimSensorCore(clock: clock, source: source, capacity: ChipModel.adxl345.fifoCapacity)
        selfTestForce = chip == .adxl375 ? Vector3(x: 0, y: 0, z: 6.4) : Vector3(x: 0.9, y: -0.9, z: 1.5)
        registers[0x00] = 0xe5
        registers[0x2c] = 0x0a
        core.interruptLine = line
        line?.connect(core)
        core.quantise = { [unowned self] accel, _ in self.quantise(accel) }
        core.pinLevel = { [unowned self] in self.pinLevel() }
    }

    private var sourceBits: UInt8 {
        var bits: UInt8 = 0x80  // DATA_READY: always set once data exists (not modelled further)
        if core.fifo.count >= Int(registers[0x38] & 0x1f) && registers[0x38] & 0xc0 != 0 { bits |= 0x02 }
        if core.overrun { bits |= 0x01 }
        return bits
    }

    private func pinLevel() -> Bool {
        let enabled = sourceBits & registers[0x2e]
        let toInt2 = registers[0x2f]
        let onPin = wiredPin == .int2 ? enabled & toInt2 : enabled & ~toInt2
        return onPin != 0
    }

    private func quantise(_ accel: Vector3) -> RawFrame {
        let perG: Float
        let limit: Int32
        if chip == .adxl375 {
            perG = 1 / 0.049
            limit = 4095
        } else {
            perG = 1 / 0.0039
            let fullRes = registers[0x31] & 0x08 != 0
            let rangeBits = Int32(registers[0x31] & 0x03)
            // Full resolution: 10 bits at ±2 g growing to 13 bits at ±16 g; otherwise 10 bits.
            limit = fullRes ? (512 << rangeBits) - 1 : 511
        }
        var a = accel
        if registers[0x31] & 0x80 != 0 {
            a.x += selfTestForce.x
            a.y += selfTestForce.y
            a.z += selfTestForce.z
        }
        return RawFrame(ax: counts(a.x, perG: perG, limit: limit), ay: counts(a.y, perG: perG, limit: limit),
                        az: counts(a.z, perG: perG, limit: limit), gx: 0, gy: 0, gz: 0, timeNs: 0)
    }

    public func write(register: UInt8, value: UInt8) {
        core.catchUp()
        guard Int(register) < registers.count, register != 0x00, register != 0x30, register != 0x39 else { return }
        registers[Int(register)] = value
        switch register {
        case 0x2c, 0x2d:
            let measuring = registers[0x2d] & 0x08 != 0
            core.setDataRate(measuring ? Self.rateTable[registers[0x2c] & 0x0f] ?? 100 : 0)
        case 0x38:
            let mode = value >> 6
            core.fifoEnabled = mode != 0
            core.fullBehaviour = mode == 0b01 ? .stopCollecting : .dropOldest
            if mode == 0 { core.clearFIFO() }
        default:
            break
        }
        core.updatePin(atNs: core.clock.nowNs)
    }

    public func read(register: UInt8, into buffer: UnsafeMutableRawBufferPointer) {
        core.catchUp()
        var coversData = false
        var frame = core.fifoEnabled && !core.fifo.isEmpty ? core.fifo[0] : core.latest
        for i in 0..<buffer.count {
            let r = Int(register) + i
            switch r {
            case 0x30: buffer[i] = sourceBits
            case 0x39: buffer[i] = UInt8(min(core.fifo.count, 32)) | (sourceBits & 0x02 != 0 ? 0x80 : 0)
            case 0x32...0x37:
                coversData = true
                let values = [frame.ax, frame.ay, frame.az]
                let word = UInt16(bitPattern: values[(r - 0x32) / 2])
                buffer[i] = (r - 0x32) % 2 == 0 ? UInt8(word & 0xff) : UInt8(word >> 8)
            default:
                buffer[i] = r < registers.count ? registers[r] : 0
            }
        }
        // Reading the data registers pops one FIFO entry and clears overrun (datasheet "FIFO").
        if coversData && core.fifoEnabled {
            frame = core.pop()
            core.overrun = false
            core.updatePin(atNs: core.clock.nowNs)
        }
    }
}
