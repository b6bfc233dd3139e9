import Foundation
import Hardware
import Logging
import StrideCore
@testable import StrideDaemon
import Testing

/// Shared fixtures of the run-store tests (no tests of its own besides the codec's).

/// A temporary directory removed at deinit.
final class RunStoreTempDirectory {
    let path: String
    init() {
        path = NSTemporaryDirectory() + "runstore-" + UUID().uuidString
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }
    deinit { try? FileManager.default.removeItem(atPath: path) }
}

/// Collects log lines for assertions.
final class RunStoreLogCapture: @unchecked Sendable {  // entries guarded by lock
    private let lock = NSLock()
    private var entries: [(level: Logger.Level, message: String)] = []

    func append(_ level: Logger.Level, _ message: String) {
        lock.lock()
        entries.append((level, message))
        lock.unlock()
    }

    func lines(atLeast level: Logger.Level) -> [String] {
        lock.lock()
        defer { lock.unlock() }
        return entries.filter { $0.level >= level }.map(\.message)
    }

    var logger: Logger {
        Logger(label: "run-store-test") { _ in RunStoreCaptureHandler(capture: self) }
    }
}

struct RunStoreCaptureHandler: LogHandler {
    let capture: RunStoreLogCapture
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?
    var logLevel: Logger.Level = .trace
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }
    func log(event: LogEvent) { capture.append(event.level, event.message.description) }
}

enum RunStoreFixtures {
    static let startNs: UInt64 = 5_000_000_000
    static let startDate = Date(timeIntervalSince1970: 1_760_000_000.25)

    static let sensors = [
        RunSensor(id: 0, placement: .leftShank, bus: "/dev/i2c-1", address: 0x6a, chip: .lsm6dso,
                  applied: AppliedConfiguration(dataRateHz: 833, rangeG: 16, fifoWatermark: 64, gyroRangeDps: 2000),
                  interruptLine: "gpiochip0:17"),
        RunSensor(id: 1, placement: .rightShank, bus: "/dev/i2c-1", address: 0x53, chip: .adxl375,
                  applied: AppliedConfiguration(dataRateHz: 800, rangeG: 200, fifoWatermark: 16), interruptLine: "gpiochip0:27"),
        RunSensor(id: 2, placement: .sacrum, bus: "/dev/i2c-1", address: 0x19, chip: .lis3dh,
                  applied: AppliedConfiguration(dataRateHz: 400, rangeG: 16, fifoWatermark: 16)),
    ]

    static func start(sensors: [RunSensor] = sensors, tags: [(key: String, value: String)] = [("shoes", "pegasus 41"), ("socks", "compression")])
        -> RunStart
    {
        RunStart(appVersion: "0.0.0-test", startDate: startDate, startMonotonicNs: startNs,
                 configurationYAML: "# test\nsensors: []\n", configurationJSON: #"{"sensors":[]}"#,
                 configurationPath: "/etc/strideguard/strideguard.yaml", tags: tags, sensors: sensors, mode: "simulate")
    }

    /// A deterministic pseudo-random generator (xorshift), so tests are repeatable.
    struct Noise {
        var state: UInt64
        mutating func next() -> UInt64 {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return state
        }
        mutating func code(_ limit: Int) -> Int16 { Int16(Int(next() % UInt64(2 * limit + 1)) - limit) }
    }

    /// Samples as the driver of `sensor` delivers them: register codes times the chip's
    /// sensitivity, timed from a fractional period (as the FIFO timestamper does).
    static func samples(sensor: RunSensor, seconds: Double, from t0: UInt64 = startNs, seed: UInt64 = 1) -> [IMUSample] {
        let rate = sensor.applied?.dataRateHz ?? 800
        let period = 1e9 / rate
        let n = Int(seconds * rate)
        let scale = SampleChunkCodec.accelScale(chip: sensor.chip, rangeG: sensor.applied?.rangeG) ?? 0.001
        var noise = Noise(state: seed &* 0x9E37_79B9_7F4A_7C15 | 1)
        var out = [IMUSample]()
        out.reserveCapacity(n)
        for i in 0..<n {
            let t = t0 + UInt64((Double(i) * period).rounded())
            let accel = Vector3(x: Float(noise.code(2000)) * scale, y: Float(noise.code(2000)) * scale, z: Float(noise.code(2000)) * scale)
            var flags: SampleFlags = i % 997 == 0 ? .clipped : []
            var gyro = Vector3.zero
            if sensor.chip.hasGyro {
                flags.insert(.hasGyro)
                gyro = Vector3(x: Float(noise.code(9000)) * LSM6DSODriver.gyroDpsPerLSB, y: Float(noise.code(9000)) * LSM6DSODriver.gyroDpsPerLSB,
                               z: Float(noise.code(9000)) * LSM6DSODriver.gyroDpsPerLSB)
            }
            if i == n / 2 { flags.insert(.afterGap) }
            out.append(IMUSample(timeNs: t, accel: accel, gyro: gyro, flags: flags))
        }
        return out
    }

    static func stride(_ side: Side, _ index: Int, at t: UInt64) -> StrideRecord {
        var m = MetricVector()
        m[.strideTime] = 720.5 + Double(index)
        m[.stepTime] = 360.25
        m[.contactTime] = side == .left ? 231.0 : 224.5
        m[.flightTime] = index % 3 == 0 ? nil : 129.25
        m[.dutyFactor] = 0.3208
        m[.peakTibialAcceleration] = index % 5 == 0 ? nil : 11.375
        m[.loadingRate] = 412.0625
        return StrideRecord(side: side, index: index, startNs: t, endNs: t + 720_500_000, metrics: m, rawPeakG: 16.0,
                            peakClipped: index % 5 == 0, quality: index % 4 == 0 ? [.afterGap, .missingToeOff] : [])
    }

    static func window(at t: UInt64) -> SymmetryWindowReport {
        var w = SymmetryWindowReport(windowSteps: 32)
        w.leftStrides = 16
        w.rightStrides = 15
        w.startNs = t
        w.endNs = t + 12_000_000_000
        for m in StrideMetric.all {
            w.left[m] = 100 + Double(m.rawValue)
            w.right[m] = m == .flightTime ? nil : 99 + Double(m.rawValue)
            w.symmetryIndex[m] = m == .flightTime ? nil : 1.5 - Double(m.rawValue) * 0.25
        }
        w.symmetryIndexChange[.contactTime] = 2.75
        return w
    }

    static func baseline() -> BaselineModel {
        var b = BaselineModel()
        for leg in 0..<2 {
            for m in StrideMetric.all {
                var x = b.legs[leg * StrideMetric.count + m.rawValue]
                x.count = 300 + leg
                x.median = 200 + Double(m.rawValue) + Double(leg) * 0.5
                x.mad = 3.25
                x.intercept = x.median + 0.125
                x.cadenceSlope = -0.875
                x.speedSlope = 0
                x.residualSigma = 4.8
                x.longRunSigma = 6.1
                b.legs[leg * StrideMetric.count + m.rawValue] = x
            }
        }
        for m in StrideMetric.all {
            b.pairSymmetry[m.rawValue].count = 290
            b.pairSymmetry[m.rawValue].median = 0.75
            b.pairSymmetry[m.rawValue].sigma = 3.5
            b.pairSymmetry[m.rawValue].longRunSigma = 4.25
            b.symmetryIndex[m] = m == .dutyFactor ? nil : 0.5
        }
        b.cadenceStepsPerMinute = 171.5
        b.cadenceLow = 166
        b.cadenceHigh = 176
        b.speedMetresPerSecond = nil
        b.learntAtNs = startNs + 600_000_000_000
        return b
    }

    static func alerts(at t: UInt64) -> [CompensationAlert] {
        var set = StrideMetricSet(.contactTime)
        set.insert(.peakTibialAcceleration)
        let raised = CompensationAlert(
            kind: .raised, level: 1, timeNs: t,
            finding: CompensationFinding(side: .leg(.left), primaryMetric: .contactTime, metrics: set, severity: 1.25,
                                         symmetryIndexChange: 4.5, leftChangePercent: 3.25, rightChangePercent: -1.0,
                                         onsetNs: t - 60_000_000_000),
            effectiveWindowStridePairs: 39)
        let cleared = CompensationAlert(
            kind: .cleared, level: 2, timeNs: t + 300_000_000_000,
            finding: CompensationFinding(side: .both, primaryMetric: .stepTime, metrics: StrideMetricSet(.stepTime), severity: 0.5,
                                         symmetryIndexChange: 0.25, leftChangePercent: 2, rightChangePercent: 2.5,
                                         onsetNs: t),
            effectiveWindowStridePairs: 39)
        return [raised, cleared]
    }

    static func fileSize(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path)[.size]) as? Int) ?? 0
    }
}

@Suite("run store: sample chunk codec")
struct RunStoreCodecTests {
    @Test func driverValuesAreStoredAsInt16AndDecodeExactly() throws {
        for sensor in RunStoreFixtures.sensors {
            let samples = RunStoreFixtures.samples(sensor: sensor, seconds: 1)
            let scale = SampleChunkCodec.accelScale(chip: sensor.chip, rangeG: sensor.applied?.rangeG)
            let encoded = SampleChunkCodec.encode(samples[...], startNs: samples[0].timeNs, accelScale: scale,
                                                  gyroScale: SampleChunkCodec.gyroScale(chip: sensor.chip))
            #expect(encoded.encoding == .int16, "\(sensor.chip)")
            let perSample = sensor.chip.hasGyro ? 17 : 11
            #expect(encoded.data.count == SampleChunkCodec.headerSize + perSample * samples.count)
            let decoded = try SampleChunkCodec.decode(encoded.data, startNs: samples[0].timeNs)
            #expect(decoded == samples)
        }
    }

    @Test func valuesOffTheSensitivityGridFallBackToFloat32Exactly() throws {
        var samples = RunStoreFixtures.samples(sensor: RunStoreFixtures.sensors[1], seconds: 0.1)
        samples[3].accel.y = 0.123456789  // not a multiple of 49 mg
        samples[4].accel.z = -0.0         // negative zero must survive bit for bit
        let encoded = SampleChunkCodec.encode(samples[...], startNs: samples[0].timeNs, accelScale: 0.049, gyroScale: nil)
        #expect(encoded.encoding == .float32)
        let decoded = try SampleChunkCodec.decode(encoded.data, startNs: samples[0].timeNs)
        #expect(decoded == samples)
        #expect(decoded[4].accel.z.sign == .minus)
    }

    @Test func aDamagedChunkIsRejected() {
        let samples = RunStoreFixtures.samples(sensor: RunStoreFixtures.sensors[1], seconds: 0.1)
        let encoded = SampleChunkCodec.encode(samples[...], startNs: samples[0].timeNs, accelScale: 0.049, gyroScale: nil)
        #expect(throws: SampleChunkDecodingError.self) {
            try SampleChunkCodec.decode(encoded.data.prefix(encoded.data.count - 1), startNs: 0)
        }
        var wrongVersion = encoded.data
        wrongVersion[0] = 9
        #expect(throws: SampleChunkDecodingError.self) { try SampleChunkCodec.decode(wrongVersion, startNs: 0) }
    }
}
