import Foundation
import StrideCore

/// One placement's samples read from a recording CSV.
public struct RecordingTrack: Sendable {
    /// Where the sensor was worn.
    public var placement: Placement
    /// The file it came from.
    public var path: String
    /// Samples in the sensor frame (g, deg/s), times on the replay clock (see
    /// `RecordingCSVReader.originNs`).
    public var samples: [IMUSample]
    /// Nominal sample rate, Hz (given or estimated from the time column).
    public var sampleRateHz: Double
    /// Whether the medio-lateral (or z) acceleration axis was mapped.
    public var hasMedioLateral: Bool
    /// The nominal mounting handed to the detector.
    public var mounting: MountingAxes
}

/// A recording ready to replay: its tracks and the time base.
public struct ReplayRecording: Sendable {
    /// One track per placement.
    public var tracks: [RecordingTrack]
    /// The earliest time in the files, in the files' own seconds: replay time `originNs`.
    public var originSeconds: Double

    /// Replay-clock ns → seconds in the files' own time base.
    public func seconds(_ timeNs: UInt64) -> Double {
        originSeconds + (Double(timeNs) - Double(RecordingCSVReader.originNs)) * 1e-9
    }
}

/// Reads recording CSVs through a `ReplayMapping`: header row, comma-separated, `.` as
/// the decimal point (what pandas' `to_csv` writes); quoted header names are accepted.
public enum RecordingCSVReader {
    /// The replay clock starts here (ns), so that no time is zero.
    public static let originNs: UInt64 = 1_000_000_000
    /// A sample interval longer than this many nominal periods marks a gap: the next
    /// sample carries `.afterGap` and the detectors restart (jitter in exported time
    /// columns is a fraction of a period; a lost sample makes two).
    public static let gapPeriods = 2.5
    /// Intervals used to estimate the sample rate when none is given.
    public static let rateEstimateIntervals = 1000
    /// The highest sample rate replayed, Hz: the `--rate` option's bound, which an
    /// estimated rate must respect too (the detectors size their buffers by the rate, so a
    /// time column in the wrong unit would otherwise ask for terabytes).
    public static let maximumSampleRateHz = 100_000.0
    /// The largest time magnitude accepted, s: a Unix time in seconds fits (until 2096), and
    /// any two accepted times are less than 2^64 ns apart, so that replay-clock times
    /// cannot overflow.
    public static let maximumAbsoluteTimeSeconds = 4e9
    /// The largest acceleration or angular-rate magnitude accepted, in the file's units:
    /// far beyond any sensor (±200 g is 1961 m/s², gyroscopes stop at ±4000 dps), and small
    /// enough that the detectors' single-precision arithmetic (squares, sums) stays finite.
    public static let maximumSampleMagnitude = 1e6

    /// Reads every placement of the mapping.
    public static func read(_ mapping: ReplayMapping) throws(ReplayError) -> ReplayRecording {
        let plan = try mapping.plan()
        // Read each file once, with the columns all its placements need.
        var tables: [String: Table] = [:]
        for path in Set(plan.map(\.path)).sorted() {
            var needed: [String] = []
            for item in plan where item.path == path {
                for ref in item.columns.accel + item.columns.gyro {
                    if let ref, !needed.contains(ref.name) { needed.append(ref.name) }
                }
            }
            tables[path] = try readTable(path: path, timeColumn: mapping.timeColumn, columns: needed,
                                         timeScale: mapping.timeUnit.toSeconds)
        }
        var origin = Double.infinity
        for t in tables.values { if let f = t.time.first { origin = min(origin, f) } }
        guard origin.isFinite else { throw .data(file: plan.first?.path ?? "", line: 0, column: nil, message: "no samples") }

        var tracks: [RecordingTrack] = []
        for item in plan {
            guard let table = tables[item.path] else { continue }
            let rate: Double
            if let given = mapping.sampleRateHz { rate = given } else {
                rate = try estimatedRate(table, file: item.path, timeColumn: mapping.timeColumn)
            }
            tracks.append(makeTrack(item.placement, item.path, item.columns, table, mapping: mapping, origin: origin, rate: rate))
        }
        return ReplayRecording(tracks: tracks, originSeconds: origin)
    }

    private static func makeTrack(_ placement: Placement, _ path: String, _ columns: PlacementColumns, _ table: Table,
                                  mapping: ReplayMapping, origin: Double, rate: Double) -> RecordingTrack {
        let n = table.time.count
        let accelScale = mapping.accelerationUnit.toG
        let gyroScale = mapping.angularRateUnit.toDegreesPerSecond
        func series(_ ref: ColumnReference?) -> (values: [Double], sign: Double)? {
            guard let ref, let values = table.values[ref.name] else { return nil }
            return (values, ref.negated ? -1 : 1)
        }
        let a = columns.accel.map(series)
        let g = columns.gyro.map(series)
        let hasGyro = columns.hasGyro
        let gapS = gapPeriods / rate
        var samples: [IMUSample] = []
        samples.reserveCapacity(n)
        for i in 0..<n {
            func value(_ s: (values: [Double], sign: Double)?, _ scale: Double) -> Float {
                guard let s else { return 0 }
                return Float(s.sign * s.values[i] * scale)
            }
            let t = table.time[i]
            var flags: SampleFlags = hasGyro ? [.hasGyro] : []
            if i > 0, t - table.time[i - 1] > gapS { flags.insert(.afterGap) }
            samples.append(IMUSample(
                timeNs: originNs + UInt64(((t - origin) * 1e9).rounded()),
                accel: Vector3(x: value(a[0], accelScale), y: value(a[1], accelScale), z: value(a[2], accelScale)),
                gyro: Vector3(x: value(g[0], gyroScale), y: value(g[1], gyroScale), z: value(g[2], gyroScale)),
                flags: flags))
        }
        // Body-frame columns go to x (vertical/axial), y (forward), z (left): the
        // `.xUpYForward` mounting, so calibration only corrects residual tilt.
        let mounting = columns.frame == .body ? .xUpYForward : (mapping.mountings[placement] ?? .xUpYForward)
        return RecordingTrack(placement: placement, path: path, samples: samples, sampleRateHz: rate,
                              hasMedioLateral: columns.accel[2] != nil, mounting: mounting)
    }

    /// The rate estimated from the time column, refused when above `maximumSampleRateHz`.
    private static func estimatedRate(_ table: Table, file: String, timeColumn: String) throws(ReplayError) -> Double {
        let rate = estimateRate(table.time)
        guard rate <= maximumSampleRateHz else {
            throw .data(file: file, line: 0, column: timeColumn,
                        message: "the time steps (median \(1 / rate) s) give a sample rate of \(rate) Hz, above the "
                            + "\(Int(maximumSampleRateHz)) Hz a replay accepts; check the time unit (--time-unit) or give --rate")
        }
        return rate
    }

    /// Median interval of the first samples, as a rate in Hz.
    static func estimateRate(_ time: [Double]) -> Double {
        let k = min(time.count - 1, rateEstimateIntervals)
        guard k > 0 else { return 100 }
        var d = (0..<k).map { time[$0 + 1] - time[$0] }.filter { $0 > 0 }
        guard !d.isEmpty else { return 100 }
        d.sort()
        return 1 / d[d.count / 2]
    }

    // MARK: - Parsing

    struct Table {
        var time: [Double]
        var values: [String: [Double]]
    }

    static func readTable(path: String, timeColumn: String, columns: [String], timeScale: Double) throws(ReplayError) -> Table {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw .noInput(file: path, reason: "no such file")
        }
        guard !isDirectory.boolValue else { throw .noInput(file: path, reason: "is a folder, not a CSV file") }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .noInput(file: path, reason: "cannot be read (permissions?)")
        }
        return try parse(data: data, file: path, timeColumn: timeColumn, columns: columns, timeScale: timeScale)
    }

    /// Parses CSV bytes; `file` names it in messages.
    static func parse(data: Data, file: String, timeColumn: String, columns: [String], timeScale: Double) throws(ReplayError) -> Table {
        var bytes = [UInt8](data)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }  // UTF-8 byte-order mark
        let comma = UInt8(ascii: ","), newline = UInt8(ascii: "\n"), cr = UInt8(ascii: "\r")

        // Line ranges.
        var lines: [Range<Int>] = []
        lines.reserveCapacity(bytes.count / 40 + 1)
        var start = 0
        for i in 0..<bytes.count where bytes[i] == newline {
            lines.append(start..<i)
            start = i + 1
        }
        if start < bytes.count { lines.append(start..<bytes.count) }
        func trimCR(_ r: Range<Int>) -> Range<Int> { r.upperBound > r.lowerBound && bytes[r.upperBound - 1] == cr ? r.lowerBound..<(r.upperBound - 1) : r }
        func fields(_ r: Range<Int>) -> [Range<Int>] {
            var out: [Range<Int>] = []
            var s = r.lowerBound
            for i in r where bytes[i] == comma {
                out.append(s..<i)
                s = i + 1
            }
            out.append(s..<r.upperBound)
            return out
        }
        func text(_ r: Range<Int>) -> String { String(decoding: bytes[r], as: UTF8.self) }

        guard let headerRange = lines.first.map(trimCR), !headerRange.isEmpty else {
            throw .data(file: file, line: 1, column: nil, message: "no header row (empty file)")
        }
        var header = fields(headerRange).map { r -> String in
            var s = text(r).replayTrimmed
            if s.count >= 2, s.hasPrefix("\""), s.hasSuffix("\"") { s = String(s.dropFirst().dropLast()) }
            return s
        }
        if header.isEmpty { header = [""] }
        func index(of name: String) throws(ReplayError) -> Int {
            guard let i = header.firstIndex(of: name) else {
                throw .data(file: file, line: 1, column: name,
                            message: "no such column; the header has: \(header.map { $0.isEmpty ? "(unnamed)" : $0 }.joined(separator: ", "))")
            }
            return i
        }
        let timeIndex = try index(of: timeColumn)
        var wanted: [(name: String, index: Int)] = []
        for c in columns { wanted.append((c, try index(of: c))) }
        let lastIndex = max(timeIndex, wanted.map(\.index).max() ?? 0)

        var time: [Double] = []
        time.reserveCapacity(lines.count)
        var values = wanted.map { _ -> [Double] in
            var a: [Double] = []
            a.reserveCapacity(lines.count)
            return a
        }
        var previous = -Double.infinity
        var previousLine = 0
        for (k, raw) in lines.enumerated().dropFirst() {
            let lineNumber = k + 1
            let r = trimCR(raw)
            if r.isEmpty || bytes[r].allSatisfy({ $0 == UInt8(ascii: " ") || $0 == comma }) { continue }
            let f = fields(r)
            guard f.count > lastIndex else {
                throw .data(file: file, line: lineNumber, column: header[min(f.count, header.count - 1)],
                            message: "the row has \(f.count) fields, the header \(header.count)")
            }
            func number(_ i: Int, _ name: String) throws(ReplayError) -> Double {
                let s = text(f[i]).replayTrimmed
                guard let v = Double(s), v.isFinite else {
                    throw .data(file: file, line: lineNumber, column: name,
                                message: s.isEmpty ? "empty cell where a number is expected" : "'\(s)' is not a finite number")
                }
                return v
            }
            let t = try number(timeIndex, timeColumn) * timeScale
            if abs(t) > maximumAbsoluteTimeSeconds {
                throw .data(file: file, line: lineNumber, column: timeColumn,
                            message: "time \(t) s is out of range; times must lie within ±\(maximumAbsoluteTimeSeconds) s "
                                + "(seconds from the start or Unix seconds; check --time-unit)")
            }
            if t < previous {
                throw .data(file: file, line: lineNumber, column: timeColumn,
                            message: "time goes backwards: \(t) s after \(previous) s on line \(previousLine)")
            }
            previous = t
            previousLine = lineNumber
            time.append(t)
            for (j, w) in wanted.enumerated() {
                let v = try number(w.index, w.name)
                guard abs(v) <= maximumSampleMagnitude else {
                    throw .data(file: file, line: lineNumber, column: w.name,
                                message: "\(v) is beyond ±\(maximumSampleMagnitude), which no accelerometer or gyroscope reads; "
                                    + "check the column and its unit")
                }
                values[j].append(v)
            }
        }
        guard !time.isEmpty else { throw .data(file: file, line: 0, column: nil, message: "no data rows after the header") }
        var byName: [String: [Double]] = [:]
        for (j, w) in wanted.enumerated() { byName[w.name] = values[j] }
        return Table(time: time, values: byName)
    }
}
