import Foundation
import HardwareSim
import StrideCore
@testable import StrideDaemon
import Testing

/// `strideguard replay --csv`: the reader, the mapping, the outputs, on real and synthetic recordings.
struct ReplayTests {
    /// <package root>
    static var packageRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }
    static var datasets: String { packageRoot.deletingLastPathComponent().appendingPathComponent("shared/datasets").path }

    static func temporaryFolder() -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("replay-tests-\(UInt64.random(in: 0..<UInt64.max))")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir.path
    }

    static func mapping(_ options: [(String, String)]) throws -> ReplayMapping {
        var m = ReplayMapping()
        for (k, v) in options { try m.apply(option: k, value: v, origin: "--\(k)") }
        return m
    }

    /// Rows of a small CSV (header dropped).
    static func rows(_ path: String) -> [[String]] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
        return text.split(whereSeparator: \.isNewline).dropFirst().map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
    }

    // MARK: - Real running recording, sacrum

    @Test func runningSacrumTrialICsMatchTheForcePlate() throws {
        let folder = "\(Self.datasets)/running-sacrum-alcantara2022"
        let trial = 1
        let map = try Self.mapping([("csv", "\(folder)/trials/trial01.csv"), ("column", "sacrum.v=acc_v_g"),
                                    ("column", "sacrum.ap=acc_ap_g"), ("units", "g"), ("rate", "500")])
        let recording = try RecordingCSVReader.read(map)
        let result = Replay.run(recording)
        let out = Self.temporaryFolder()
        try Replay.write(result, recording: recording, to: out)
        // Read the ICs back from events.csv: the file is the product.
        let detected = Self.rows(out + "/events.csv").filter { $0[1] == "IC" }.compactMap { Double($0[0]) }
        let reference = Self.rows("\(folder)/reference_events.csv").filter { Int($0[0]) == trial }.compactMap { Double($0[3]) }
        try #require(reference.count > 10)
        // One-to-one, closest pairs first, within ±50 ms. A detection the reference cannot
        // hold (its stance cut by the recording's start or end: the reference keeps complete
        // stances only) is not a false positive.
        let tolerance = 0.050, lastSample = 2479.0 / 500
        var pairs: [(Double, Int, Int)] = []
        for (i, d) in detected.enumerated() {
            for (j, r) in reference.enumerated() where abs(d - r) <= tolerance { pairs.append((abs(d - r), i, j)) }
        }
        pairs.sort { $0.0 < $1.0 }
        var usedD = Set<Int>(), usedR = Set<Int>()
        var errors: [Double] = []
        for (e, i, j) in pairs where !usedD.contains(i) && !usedR.contains(j) {
            usedD.insert(i); usedR.insert(j); errors.append(e)
        }
        let unmatched = detected.indices.filter { !usedD.contains($0) }
        let fp = unmatched.filter { i in
            let d = detected[i]
            let cutAtEnd = d > (reference.last ?? 0) && d + 0.28 > lastSample
            return !(cutAtEnd || d < tolerance)
        }.count
        let tp = usedR.count, fn = reference.count - tp
        let f1 = 2 * Double(tp) / Double(2 * tp + fp + fn)
        let median = errors.isEmpty ? .nan : errors.sorted()[errors.count / 2]
        print("replay trial01: \(tp) TP, \(fp) FP, \(fn) FN, F1 \(f1), median |IC error| \(median * 1000) ms")
        #expect(f1 >= 0.99)
        #expect(result.lateEvents == 0)
        // Two axes, no medio-lateral: sides alternate A/B.
        #expect(result.events.allSatisfy { $0.side == .stepA || $0.side == .stepB })
    }

    @Test func walkingLowBackRecordingReplaysInMetresPerSecondSquared() throws {
        let file = "\(Self.datasets)/walking-lowback-mobgap/imu/HA_001_Test5_Trial1_lowerback.csv"
        let map = try Self.mapping([("csv", file), ("units", "m/s2"), ("column", "sacrum.x=acc_x"), ("column", "sacrum.y=acc_y"),
                                    ("column", "sacrum.z=acc_z"), ("column", "sacrum.gyro.x=gyr_x"), ("mounting", "sacrum=x,z")])
        let recording = try RecordingCSVReader.read(map)
        #expect(abs(recording.tracks[0].sampleRateHz - 100) < 0.5)
        // Gravity is ≈ 1 g on x after the unit conversion.
        #expect(abs(recording.tracks[0].samples[0].accel.x - 1) < 0.1)
        let result = Replay.run(recording)
        #expect(result.events.contains { $0.kind == .initialContact && ($0.side == .left || $0.side == .right) })
        // Walking: no running strides.
        #expect(result.strides.isEmpty)
    }

    // MARK: - Synthetic shank recording

    @Test func synthShankRecordingGivesTheTrueContactTimes() throws {
        let scenario = try ScenarioParser.load(path: Self.packageRoot.appendingPathComponent("config/scenarios/steady-symmetric.yaml").path)
        let runner = VirtualRunner(scenario: scenario)
        let folder = Self.temporaryFolder()
        let rate = 800.0, seconds = 60.0
        // Written as `strideguard synth` writes it (config/scenarios/README.md).
        for placement in [Placement.leftShank, .rightShank] {
            let source = runner.source(for: placement)
            var text = "time_s,ax_g,ay_g,az_g,gx_dps,gy_dps,gz_dps\n"
            for k in 0...Int(seconds * rate) {
                let t = Double(k) / rate
                let s = source.sample(atNs: runner.ns(t))
                text += String(format: "%.6f,%.5f,%.5f,%.5f,%.3f,%.3f,%.3f\n", t, s.accel.x, s.accel.y, s.accel.z,
                               s.gyro.x, s.gyro.y, s.gyro.z)
            }
            try text.write(toFile: "\(folder)/\(placement.rawValue).csv", atomically: true, encoding: .utf8)
        }
        let map = try Self.mapping([("csv", "left-shank=\(folder)/left-shank.csv"), ("csv", "right-shank=\(folder)/right-shank.csv")])
        let recording = try RecordingCSVReader.read(map)
        let result = Replay.run(recording)
        let truth = runner.recordGroundTruth(untilNs: runner.ns(seconds))
        var errorsMs: [Double] = []
        var matched = 0
        for s in result.strides where s.quality.isGood {
            guard let contact = s.metrics[.contactTime] else { continue }
            let startS = recording.seconds(s.startNs)
            guard let t = truth.strides.first(where: { $0.side == s.side && abs(runner.seconds($0.icNs) - startS) < 0.010 }) else { continue }
            matched += 1
            errorsMs.append(abs(contact - t.contactTimeS * 1000))
        }
        let mae = errorsMs.reduce(0, +) / Double(max(1, errorsMs.count))
        print("replay synth: \(result.strides.count) strides, \(matched) matched to the truth, contact-time MAE \(mae) ms")
        #expect(matched >= 60)
        #expect(mae <= 5)
        #expect(result.lateEvents == 0)
    }

    // MARK: - Bad input

    static func write(_ text: String) -> String {
        let path = temporaryFolder() + "/in.csv"
        try? text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static func failure(_ options: [(String, String)]) -> ReplayError? {
        do {
            let m = try mapping(options)
            _ = try RecordingCSVReader.read(m)
            return nil
        } catch let e as ReplayError {
            return e
        } catch {
            return nil
        }
    }

    @Test func missingFileIsNoInput() {
        let e = Self.failure([("csv", "/nonexistent/rec.csv"), ("column", "sacrum.v=a")])
        #expect(e?.exitCode == 66)
        #expect(e?.description.contains("/nonexistent/rec.csv: no such file") == true)
    }

    @Test func missingColumnNamesFileLineAndColumn() {
        let path = Self.write("time_s,acc_v_g\n0,1\n")
        let e = Self.failure([("csv", path), ("column", "sacrum.v=acc_v_g"), ("column", "sacrum.ap=acc_ap_g")])
        #expect(e?.exitCode == 65)
        #expect(e == .data(file: path, line: 1, column: "acc_ap_g", message: "no such column; the header has: time_s, acc_v_g"))
    }

    @Test func nonNumericCellNamesLineAndColumn() {
        let path = Self.write("time_s,acc_v_g\n0,1\n0.002,abc\n")
        let e = Self.failure([("csv", path), ("column", "sacrum.v=acc_v_g")])
        #expect(e == .data(file: path, line: 3, column: "acc_v_g", message: "'abc' is not a finite number"))
        #expect(e?.description == "\(path):3: column 'acc_v_g': 'abc' is not a finite number")
        let empty = Self.write("time_s,acc_v_g\n0,\n")
        #expect(Self.failure([("csv", empty), ("column", "sacrum.v=acc_v_g")])
            == .data(file: empty, line: 2, column: "acc_v_g", message: "empty cell where a number is expected"))
    }

    @Test func unknownUnitIsAUsageError() {
        let e = Self.failure([("units", "furlongs")])
        #expect(e?.exitCode == 64)
        #expect(e?.description.contains("unknown acceleration unit 'furlongs'") == true)
        #expect(Self.failure([("gyro-units", "rpm")])?.exitCode == 64)
        #expect(Self.failure([("time-unit", "h")])?.exitCode == 64)
        #expect(Self.failure([("column", "knee.v=a")])?.exitCode == 64)
        #expect(Self.failure([("column", "left-shank.v=a")])?.exitCode == 64)  // v is the sacrum's
    }

    @Test func timeGoingBackwardsNamesTheLine() {
        let path = Self.write("t_ms,a\n0,1\n2,1\n1,1\n")
        let e = Self.failure([("csv", path), ("time", "t_ms"), ("time-unit", "ms"), ("column", "sacrum.v=a")])
        #expect(e?.exitCode == 65)
        #expect(e?.description.hasPrefix("\(path):4: column 't_ms': time goes backwards") == true)
    }

    @Test func mappingFileUsesTheSameOptions() throws {
        var m = ReplayMapping()
        try m.apply(mappingText: """
            # Alcantara et al. 2022, one trial
            csv /data/trial01.csv
            time time_s
            units g
            rate=500
            column sacrum.v=acc_v_g
            column sacrum.ap=-acc_ap_g
            """, file: "map.txt")
        #expect(m.sampleRateHz == 500)
        #expect(m.columns[.sacrum]?.accel[1] == ColumnReference(name: "acc_ap_g", negated: true))
        var bad = ReplayMapping()
        #expect(throws: ReplayError.self) { try bad.apply(mappingText: "colum sacrum.v=a", file: "map.txt") }
    }
}
