/// The accelerometer chips StrideGuard has drivers for.
///
/// Chips that share an ID register value (ADXL345 and ADXL375 both answer DEVID 0xE5;
/// LSM6DSO, LSM6DSOX and LSM6DSO32 all answer WHO_AM_I 0x6C) cannot be told apart by
/// probing: which one is fitted comes from the configuration.
public enum ChipModel: String, Sendable, CaseIterable, Codable {
    /// Analog Devices ADXL345, ±2..16 g, 32-sample FIFO.
    case adxl345
    /// Analog Devices ADXL375, ±200 g high-g, same register map as the ADXL345.
    case adxl375
    /// ST LIS3DH, ±2..16 g, 32-sample FIFO.
    case lis3dh
    /// ST LSM6DSO, accelerometer ±2..16 g and gyroscope, 3 KB FIFO.
    case lsm6dso
    /// ST LSM6DSOX, register-compatible with the LSM6DSO for what we use.
    case lsm6dsox
    /// ST LSM6DSO32, as the LSM6DSO but ±4..32 g.
    case lsm6dso32

    /// The chip family: chips in one family share a driver and an ID value.
    public var family: ChipFamily {
        switch self {
        case .adxl345, .adxl375: return .adxl34x
        case .lis3dh: return .lis3dh
        case .lsm6dso, .lsm6dsox, .lsm6dso32: return .lsm6dso
        }
    }

    /// Whether the chip has a gyroscope.
    public var hasGyro: Bool { family == .lsm6dso }

    /// The accelerometer full-scale ranges the chip offers, in g, smallest first.
    public var rangesG: [Double] {
        switch self {
        case .adxl345: return [2, 4, 8, 16]
        case .adxl375: return [200]
        case .lis3dh: return [2, 4, 8, 16]
        case .lsm6dso, .lsm6dsox: return [2, 4, 8, 16]
        case .lsm6dso32: return [4, 8, 16, 32]
        }
    }

    /// The output data rates the chip offers, in Hz, lowest first (only those useful for
    /// running: 100 Hz and up).
    public var dataRatesHz: [Double] {
        switch family {
        case .adxl34x: return [100, 200, 400, 800, 1600, 3200]
        case .lis3dh: return [100, 200, 400, 1344]
        case .lsm6dso: return [104, 208, 416, 833, 1666, 3332, 6664]
        }
    }

    /// FIFO depth in samples (accelerometer only; for the LSM6DSO the FIFO is shared with
    /// the gyroscope, so it holds half as many sample pairs).
    public var fifoCapacity: Int {
        switch family {
        case .adxl34x: return 32   // ADXL345 datasheet, "FIFO": 32 levels
        case .lis3dh: return 32    // LIS3DH datasheet §3.5: 32 levels per axis
        case .lsm6dso: return 512  // LSM6DSO datasheet §9: 3 KB = 512 words of 6 bytes + tag
        }
    }

    /// Bytes read over the bus per accelerometer sample in a FIFO drain (data only, no
    /// addressing): 6 for plain XYZ FIFOs, 7 (tag + XYZ) per word for the tagged LSM6DSO
    /// FIFO, which also carries a gyroscope word per sample when the gyroscope is on.
    public var fifoBytesPerWord: Int { family == .lsm6dso ? 7 : 6 }

    /// 7-bit I2C addresses the chip can have, set by its address pin.
    public var addresses: [UInt8] {
        switch family {
        case .adxl34x: return [0x53, 0x1d]  // ADXL345 datasheet "I2C": ALT ADDRESS low / high
        case .lis3dh: return [0x18, 0x19]   // LIS3DH datasheet §6.1.1: SA0 low / high
        case .lsm6dso: return [0x6a, 0x6b]  // LSM6DSO datasheet §6.1.1: SA0 low / high
        }
    }
}

/// A set of chips that share one driver and one identity register value.
public enum ChipFamily: String, Sendable, CaseIterable {
    /// ADXL345 and ADXL375.
    case adxl34x
    /// LIS3DH.
    case lis3dh
    /// LSM6DSO, LSM6DSOX, LSM6DSO32.
    case lsm6dso

    /// The register that holds the chip's identity.
    public var idRegister: UInt8 {
        switch self {
        case .adxl34x: return 0x00  // ADXL345 datasheet Table 19: DEVID
        case .lis3dh: return 0x0f   // LIS3DH datasheet §8.6: WHO_AM_I
        case .lsm6dso: return 0x0f  // LSM6DSO datasheet §9.11: WHO_AM_I
        }
    }

    /// The value the identity register holds.
    public var idValue: UInt8 {
        switch self {
        case .adxl34x: return 0xe5  // ADXL345/ADXL375 DEVID
        case .lis3dh: return 0x33   // LIS3DH WHO_AM_I
        case .lsm6dso: return 0x6c  // LSM6DSO/DSOX/DSO32 WHO_AM_I
        }
    }

    /// The chips of this family.
    public var chips: [ChipModel] { ChipModel.allCases.filter { $0.family == self } }

    /// A name for people: "ADXL345/ADXL375".
    public var displayName: String { chips.map { $0.rawValue.uppercased() }.joined(separator: "/") }
}
