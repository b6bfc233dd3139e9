import Foundation
import Hardware
import StrideCore

/// How the axes of a sample chunk are stored.
public enum SampleChunkEncoding: UInt8, Sendable {
    /// Signed 16-bit codes times a per-chunk scale: used when every value of the chunk is
    /// exactly `Float(code) * scale`, which holds for what the drivers deliver
    /// (`Float(register code) * sensitivity`), so nothing is lost.
    case int16 = 1
    /// IEEE-754 single precision: the fallback when a value is not an exact multiple of the
    /// chip's sensitivity (filtered or synthetic data).
    case float32 = 2
}

/// Errors decoding a sample chunk.
struct SampleChunkDecodingError: Error, CustomStringConvertible {
    var description: String
}

/// The binary layout of one `sample_chunks.data` BLOB, little-endian throughout
/// (docs/RUN-RECORD.md, "Sample chunks"):
///
/// ```
/// offset  size  field
///  0      1     format version (1)
///  1      1     encoding: 1 = int16 × scale, 2 = float32
///  2      1     options: bit 0 = gyroscope block present
///  3      1     reserved (0)
///  4      4     n: sample count (uint32)
///  8      4     accelerometer scale, g per code (float32; 1 for float32 encoding)
/// 12      4     gyroscope scale, dps per code (float32; 1 for float32 encoding)
/// 16      4n    time offsets from the chunk's start_ns, ns (uint32)
/// 16+4n   n     sample flags (uint8: bit 0 clipped, 1 has gyro, 2 after gap)
/// 16+5n   6n|12n  accelerometer x,y,z per sample (int16 or float32)
/// …       6n|12n  gyroscope x,y,z per sample, only with option bit 0
/// ```
enum SampleChunkCodec {
    static let formatVersion: UInt8 = 1
    static let headerSize = 16
    static let gyroPresent: UInt8 = 1 << 0

    /// Encodes `samples` (offsets from `startNs` must fit in a uint32: the chunk builder
    /// guarantees it). int16 when every value is an exact multiple of the scales, float32
    /// otherwise.
    static func encode(_ samples: ArraySlice<IMUSample>, startNs: UInt64, accelScale: Float?, gyroScale: Float?)
        -> (data: Data, encoding: SampleChunkEncoding)
    {
        let n = samples.count
        var hasGyro = false
        for s in samples where s.gyro.x.bitPattern != 0 || s.gyro.y.bitPattern != 0 || s.gyro.z.bitPattern != 0
            || s.flags.contains(.hasGyro) {
            hasGyro = true
            break
        }
        var int16 = false
        if let a = accelScale, a > 0, a.isFinite {
            int16 = samples.allSatisfy { exact($0.accel, a) }
            if int16, hasGyro {
                if let g = gyroScale, g > 0, g.isFinite {
                    int16 = samples.allSatisfy { exact($0.gyro, g) }
                } else {
                    int16 = false
                }
            }
        }
        let valueSize = int16 ? 2 : 4
        var bytes = [UInt8]()
        bytes.reserveCapacity(headerSize + n * (5 + 3 * valueSize * (hasGyro ? 2 : 1)))
        bytes.append(formatVersion)
        bytes.append(int16 ? SampleChunkEncoding.int16.rawValue : SampleChunkEncoding.float32.rawValue)
        bytes.append(hasGyro ? gyroPresent : 0)
        bytes.append(0)
        append(UInt32(truncatingIfNeeded: n), to: &bytes)
        let aScale: Float = int16 ? (accelScale ?? 1) : 1
        let gScale: Float = int16 && hasGyro ? (gyroScale ?? 1) : 1
        append(aScale.bitPattern, to: &bytes)
        append(gScale.bitPattern, to: &bytes)
        for s in samples {
            let offset = s.timeNs >= startNs ? s.timeNs - startNs : 0
            append(UInt32(truncatingIfNeeded: offset), to: &bytes)
        }
        for s in samples { bytes.append(s.flags.rawValue) }
        func component(_ x: Float, _ scale: Float) {
            if int16 {
                append(UInt16(bitPattern: Int16((x / scale).rounded())), to: &bytes)
            } else {
                append(x.bitPattern, to: &bytes)
            }
        }
        func axes(_ v: Vector3, _ scale: Float) {
            component(v.x, scale)
            component(v.y, scale)
            component(v.z, scale)
        }
        for s in samples { axes(s.accel, aScale) }
        if hasGyro { for s in samples { axes(s.gyro, gScale) } }
        return (Data(bytes), int16 ? .int16 : .float32)
    }

    /// Whether every component of `v` is exactly `Float(Int16 code) * scale`.
    private static func exact(_ v: Vector3, _ scale: Float) -> Bool {
        func one(_ x: Float) -> Bool {
            let q = (x / scale).rounded()
            guard q >= -32768, q <= 32767 else { return false }
            return (Float(Int16(q)) * scale).bitPattern == x.bitPattern
        }
        return one(v.x) && one(v.y) && one(v.z)
    }

    private static func append<T: FixedWidthInteger>(_ value: T, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    /// Decodes a chunk back into samples (times = `startNs` + offset).
    static func decode(_ data: Data, startNs: UInt64) throws(SampleChunkDecodingError) -> [IMUSample] {
        let bytes = [UInt8](data)
        guard bytes.count >= headerSize else {
            throw SampleChunkDecodingError(description: "\(bytes.count) bytes, shorter than the \(headerSize)-byte header")
        }
        guard bytes[0] == formatVersion else {
            throw SampleChunkDecodingError(description: "chunk format \(bytes[0]), this reader knows \(formatVersion)")
        }
        guard let encoding = SampleChunkEncoding(rawValue: bytes[1]) else {
            throw SampleChunkDecodingError(description: "unknown encoding \(bytes[1])")
        }
        let hasGyro = bytes[2] & gyroPresent != 0
        let n = Int(u32(bytes, 4))
        let aScale = Float(bitPattern: u32(bytes, 8))
        let gScale = Float(bitPattern: u32(bytes, 12))
        let valueSize = encoding == .int16 ? 2 : 4
        let expected = headerSize + n * (5 + 3 * valueSize * (hasGyro ? 2 : 1))
        guard bytes.count == expected else {
            throw SampleChunkDecodingError(description: "\(bytes.count) bytes for \(n) samples, expected \(expected)")
        }
        let flagsAt = headerSize + 4 * n
        let accelAt = flagsAt + n
        let gyroAt = accelAt + 3 * valueSize * n
        func value(_ at: Int, _ scale: Float) -> Float {
            encoding == .int16 ? Float(Int16(bitPattern: u16(bytes, at))) * scale : Float(bitPattern: u32(bytes, at))
        }
        func vector(_ base: Int, _ i: Int, _ scale: Float) -> Vector3 {
            let at = base + 3 * valueSize * i
            return Vector3(x: value(at, scale), y: value(at + valueSize, scale), z: value(at + 2 * valueSize, scale))
        }
        var out = [IMUSample]()
        out.reserveCapacity(n)
        for i in 0..<n {
            out.append(IMUSample(timeNs: startNs &+ UInt64(u32(bytes, headerSize + 4 * i)),
                                 accel: vector(accelAt, i, aScale),
                                 gyro: hasGyro ? vector(gyroAt, i, gScale) : .zero,
                                 flags: SampleFlags(rawValue: bytes[flagsAt + i])))
        }
        return out
    }

    private static func u32(_ b: [UInt8], _ at: Int) -> UInt32 {
        UInt32(b[at]) | UInt32(b[at + 1]) << 8 | UInt32(b[at + 2]) << 16 | UInt32(b[at + 3]) << 24
    }

    private static func u16(_ b: [UInt8], _ at: Int) -> UInt16 { UInt16(b[at]) | UInt16(b[at + 1]) << 8 }

    /// The accelerometer sensitivity the driver multiplies register codes by, g per code,
    /// for a chip at a range; nil when unknown. The values repeat the drivers' datasheet
    /// constants; if one ever differs, chunks fall back to float32 (still exact, larger).
    static func accelScale(chip: ChipModel, rangeG: Double?) -> Float? {
        switch chip {
        case .adxl345: return ADXL34xDriver.adxl345GPerLSB
        case .adxl375: return ADXL34xDriver.adxl375GPerLSB
        case .lis3dh:
            // LIS3DH datasheet Table 4 "So", high-resolution mode: 1, 2, 4, 12 mg/digit at ±2, 4, 8, 16 g.
            switch rangeG {
            case 2: return 0.001
            case 4: return 0.002
            case 8: return 0.004
            case 16: return 0.012
            default: return nil
            }
        case .lsm6dso, .lsm6dsox, .lsm6dso32:
            // DS12140 / DS12814 §4.1 LA_So: 0.061 mg/LSB per ±2 g of full scale.
            switch rangeG {
            case 2: return 0.000061
            case 4: return 0.000122
            case 8: return 0.000244
            case 16: return 0.000488
            case 32: return 0.000976
            default: return nil
            }
        }
    }

    /// The gyroscope sensitivity, dps per code, nil when the chip has none.
    static func gyroScale(chip: ChipModel) -> Float? { chip.hasGyro ? LSM6DSODriver.gyroDpsPerLSB : nil }
}
