import Foundation
import GRDB
import Hardware
import StrideCore

/// Why a run record cannot be read. Each case's description is a full sentence for the
/// runner, naming the file.
public enum RunReaderError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No such file.
    case notFound(path: String)
    /// The file exists but cannot be opened (permissions, I/O).
    case unreadable(path: String, message: String)
    /// The file is not an SQLite database at all.
    case notSQLite(path: String)
    /// An SQLite database, but not a StrideGuard run record.
    case notARunRecord(path: String, detail: String)
    /// A run record written by a newer StrideGuard.
    case newerSchema(path: String, found: Int, supported: Int)
    /// A run record that holds nothing to show (the daemon stopped before its first commit
    /// of data, or the file was created and never written).
    case emptyRecord(path: String, detail: String)
    /// A damaged file: SQLite reports corruption, or a stored value makes no sense.
    case corrupted(path: String, detail: String)
    /// Another SQLite error.
    case sqlite(path: String, code: Int32, message: String)

    public var description: String {
        switch self {
        case .notFound(let p):
            return "\(p): no such file"
        case .unreadable(let p, let m):
            return "\(p): cannot be read: \(m)"
        case .notSQLite(let p):
            return "\(p): not a run record (not an SQLite database at all)"
        case .notARunRecord(let p, let d):
            return "\(p): an SQLite database, but not a StrideGuard run record (\(d))"
        case .newerSchema(let p, let found, let supported):
            return "\(p): written by a newer StrideGuard (run record schema \(found); this version reads up to \(supported)); update strideguard to read it"
        case .emptyRecord(let p, let d):
            return "\(p): an empty run record: \(d)"
        case .corrupted(let p, let d):
            return "\(p): the run record is damaged (\(d)); `sqlite3 FILE .recover` may save part of it"
        case .sqlite(let p, let code, let m):
            return "\(p): SQLite error \(code): \(m)"
        }
    }
}

/// The run-level facts of a record (the `run` table).
public struct RunMetadata: Sendable, Equatable {
    /// Short id (the file name's suffix).
    public var runID: String
    /// The daemon's version that wrote it.
    public var appVersion: String
    /// The record's schema version.
    public var schemaVersion: Int
    /// "run", "simulate", "replay" …
    public var mode: String
    /// Wall-clock start (millisecond precision).
    public var startDate: Date
    /// CLOCK_MONOTONIC at the start, ns.
    public var startNs: UInt64
    /// CLOCK_MONOTONIC at the end, ns; nil when the run was cut off.
    public var endNs: UInt64?
    /// Newest time in the committed data, ns (the end of a cut-off run).
    public var lastDataNs: UInt64
    /// The daemon closed the record normally.
    public var complete: Bool
    /// Why recording stopped ("closed", "disk full", an SQLite error), nil when cut off.
    public var stopReason: String?
    /// Samples dropped between acquisition and the disk.
    public var droppedSamples: Int
    /// Records dropped between the analyser and the disk.
    public var droppedRecords: Int

    /// Seconds from the start to the end (or to the last committed data of a cut-off run).
    public var durationSeconds: Double {
        let end = endNs ?? lastDataNs
        return end > startNs ? Double(end - startNs) * 1e-9 : 0
    }
}

/// The configuration a run used.
public struct RunConfigurationRecord: Sendable, Equatable {
    /// Where it was read from.
    public var sourcePath: String?
    /// The YAML text.
    public var yaml: String
    /// The effective configuration as JSON, when the daemon stored it.
    public var json: String?
}

/// A summary of one run for `strideguard runs`.
public struct RunSummary: Sendable, Equatable {
    /// The run table.
    public var metadata: RunMetadata
    /// Tags in the order given.
    public var tags: [RunTag]
    /// Seconds spent running (from the activity changes).
    public var runningSeconds: Double
    /// Strides recorded (both legs, good or flagged).
    public var strides: Int
    /// Alerts raised or escalated (cues given).
    public var alerts: Int
    /// Samples stored, all sensors.
    public var samples: Int
    /// True when nothing but the start was recorded.
    public var isEmpty: Bool { samples == 0 && strides == 0 }
}

/// One tag of a run (`--tag key=value`).
public struct RunTag: Sendable, Equatable {
    /// The key.
    public var key: String
    /// The value.
    public var value: String
    /// Creates a tag.
    public init(key: String, value: String) {
        self.key = key
        self.value = value
    }
}

/// One file of a run directory, read or not.
public struct RunListing: Sendable {
    /// The file.
    public var path: String
    /// Its summary, or why it cannot be read.
    public var summary: Result<RunSummary, RunReaderError>
}

/// Reads a run record (read-only; the record may still be being written: WAL lets a reader
/// see every committed second while the recorder goes on).
public final class RunReader: Sendable {
    /// The newest schema this reader understands.
    public static let supportedSchemaVersion = Int(RunSchema.version)

    /// The file.
    public let path: String
    /// The run table.
    public let metadata: RunMetadata
    private let database: DatabaseQueue

    /// Opens and validates `path`.
    ///
    /// - Parameter allowEmpty: accept a record that holds nothing but its start (the run
    ///   list shows such files); by default that is `.emptyRecord`.
    /// - Throws: `RunReaderError` naming what is wrong with the file.
    public init(path: String, allowEmpty: Bool = false) throws(RunReaderError) {
        self.path = path
        let fm = FileManager.default
        guard fm.fileExists(atPath: path) else { throw .notFound(path: path) }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw .unreadable(path: path, message: "permission denied or not a regular file")
        }
        let head: Data
        do {
            head = try handle.read(upToCount: 16) ?? Data()
            try handle.close()
        } catch {
            throw .unreadable(path: path, message: "\(error)")
        }
        if head.isEmpty {
            let walSize = (try? fm.attributesOfItem(atPath: path + "-wal")[.size] as? Int) ?? 0
            if walSize == 0 {
                throw .emptyRecord(path: path, detail: "the file is empty (0 bytes): the daemon stopped before it wrote anything")
            }
        } else if head != Data("SQLite format 3\0".utf8) {
            throw .notSQLite(path: path)
        }

        var configuration = Configuration()
        configuration.readonly = true
        configuration.label = "run-reader"
        let db: DatabaseQueue
        do {
            db = try DatabaseQueue(path: path, configuration: configuration)
        } catch {
            throw Self.map(error, path: path)
        }
        database = db
        metadata = try Self.validate(db, path: path, allowEmpty: allowEmpty)
    }

    private static func validate(_ db: DatabaseQueue, path: String, allowEmpty: Bool) throws(RunReaderError) -> RunMetadata {
        do {
            return try db.read { db throws -> RunMetadata in
                let appID = try Int32.fetchOne(db, sql: "PRAGMA application_id") ?? 0
                let version = try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0
                let tables = Set(try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table'"))
                if appID != RunSchema.applicationID {
                    if tables.isEmpty {
                        throw RunReaderError.emptyRecord(path: path, detail: "an SQLite file with no tables: the daemon stopped before it wrote the record's start")
                    }
                    let names = tables.sorted().prefix(6).joined(separator: ", ")
                    throw RunReaderError.notARunRecord(path: path, detail: "application id \(String(format: "0x%08x", appID)), tables \(names)")
                }
                if version > supportedSchemaVersion {
                    throw RunReaderError.newerSchema(path: path, found: version, supported: supportedSchemaVersion)
                }
                let missing = RunSchema.tables.filter { !tables.contains($0) }
                if version < 1 || !missing.isEmpty {
                    throw RunReaderError.notARunRecord(path: path, detail: "schema version \(version), missing tables \(missing.joined(separator: ", "))")
                }
                guard let row = try Row.fetchOne(db, sql: """
                    SELECT run_id, app_version, schema_version, mode, start_unix_ms, start_ns, end_ns, last_data_ns,
                        complete, stop_reason, dropped_samples, dropped_records FROM run WHERE id = 1
                    """)
                else {
                    throw RunReaderError.emptyRecord(path: path, detail: "the run's start was never committed")
                }
                let c = Cells(row: row, path: path, table: "run")
                let startNs = try c.int("start_ns").sqliteUnsigned
                let meta = RunMetadata(
                    runID: try c.string("run_id"), appVersion: try c.string("app_version"),
                    schemaVersion: Int(try c.int("schema_version")), mode: try c.string("mode"),
                    startDate: Date(timeIntervalSince1970: Double(try c.int("start_unix_ms")) / 1000),
                    startNs: startNs, endNs: try c.optionalInt("end_ns")?.sqliteUnsigned,
                    lastDataNs: try c.optionalInt("last_data_ns")?.sqliteUnsigned ?? startNs,
                    complete: try c.int("complete") != 0, stopReason: try c.optionalString("stop_reason"),
                    droppedSamples: Int(try c.int("dropped_samples")), droppedRecords: Int(try c.int("dropped_records")))
                if !allowEmpty {
                    let data = try Int.fetchOne(db, sql: """
                        SELECT (SELECT COUNT(*) FROM (SELECT 1 FROM sample_chunks LIMIT 1))
                             + (SELECT COUNT(*) FROM (SELECT 1 FROM events LIMIT 1))
                             + (SELECT COUNT(*) FROM (SELECT 1 FROM strides LIMIT 1))
                        """) ?? 0
                    if data == 0 {
                        let when = RunWriter.utc(meta.startDate)
                        throw RunReaderError.emptyRecord(path: path, detail: "started \(when), but no sample, event or stride was recorded (\(meta.complete ? "closed at once" : "cut off before its first second of data"))")
                    }
                }
                return meta
            }
        } catch {
            throw map(error, path: path)
        }
    }

    static func map(_ error: any Error, path: String) -> RunReaderError {
        if let e = error as? RunReaderError { return e }
        if let e = error as? SampleChunkDecodingError { return .corrupted(path: path, detail: "sample chunk: \(e.description)") }
        if let e = error as? DatabaseError {
            switch e.resultCode {
            case .SQLITE_CORRUPT, .SQLITE_NOTADB:
                return .corrupted(path: path, detail: e.message ?? "SQLite error \(e.extendedResultCode.rawValue)")
            case .SQLITE_CANTOPEN, .SQLITE_PERM, .SQLITE_AUTH:
                return .unreadable(path: path, message: e.message ?? "cannot open")
            default:
                return .sqlite(path: path, code: e.extendedResultCode.rawValue, message: e.message ?? "\(e)")
            }
        }
        return .sqlite(path: path, code: -1, message: "\(error)")
    }

    private func read<T>(_ body: (Database) throws -> T) throws(RunReaderError) -> T {
        do {
            return try database.read(body)
        } catch {
            throw Self.map(error, path: path)
        }
    }

    // MARK: Reading

    /// Runs SQLite's `PRAGMA quick_check` over the whole file (reads every page: seconds
    /// for a long run on an SD card, so not done on open).
    public func verifyIntegrity() throws(RunReaderError) {
        let result = try read { db in try String.fetchAll(db, sql: "PRAGMA quick_check") }
        if result != ["ok"] {
            throw .corrupted(path: path, detail: result.prefix(3).joined(separator: "; "))
        }
    }

    /// The configuration used.
    public func configuration() throws(RunReaderError) -> RunConfigurationRecord {
        let p = path
        return try read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT source_path, yaml, summary_json FROM configuration WHERE id = 1") else {
                return RunConfigurationRecord(sourcePath: nil, yaml: "", json: nil)
            }
            let c = Cells(row: row, path: p, table: "configuration")
            return RunConfigurationRecord(sourcePath: try c.optionalString("source_path"), yaml: try c.string("yaml"),
                                          json: try c.optionalString("summary_json"))
        }
    }

    /// Tags in the order given.
    public func tags() throws(RunReaderError) -> [RunTag] {
        let p = path
        return try read { db in
            try Row.fetchAll(db, sql: "SELECT key, value FROM tags ORDER BY position").map { row in
                let c = Cells(row: row, path: p, table: "tags")
                return RunTag(key: try c.string("key"), value: try c.string("value"))
            }
        }
    }

    /// The sensors, by id.
    public func sensors() throws(RunReaderError) -> [RunSensor] {
        let p = path
        return try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM sensors ORDER BY id").map { row in
                let c = Cells(row: row, path: p, table: "sensors")
                guard let placement = Placement(rawValue: try c.string("placement")) else { throw c.bad("placement") }
                guard let chip = ChipModel(rawValue: try c.string("chip")) else { throw c.bad("chip") }
                guard let address = UInt8(exactly: try c.int("address")) else { throw c.bad("address") }
                var applied: AppliedConfiguration?
                if let rate = try c.optionalDouble("data_rate_hz") {
                    applied = AppliedConfiguration(dataRateHz: rate, rangeG: try c.double("range_g"),
                                                   fifoWatermark: Int(try c.int("fifo_watermark")),
                                                   gyroRangeDps: try c.optionalDouble("gyro_range_dps"))
                }
                var stats = DriverStatistics()
                stats.samples = UInt64(max(0, try c.int("samples")))
                stats.overruns = UInt64(max(0, try c.int("overruns")))
                stats.lostSamples = UInt64(max(0, try c.int("lost_samples")))
                stats.clippedSamples = UInt64(max(0, try c.int("clipped_samples")))
                return RunSensor(id: Int(try c.int("id")), placement: placement, bus: try c.string("bus"), address: address,
                                 chip: chip, applied: applied, interruptLine: try c.optionalString("interrupt_line"),
                                 statistics: stats)
            }
        }
    }

    /// Calls `body` with each sample chunk, decoded, in time order (by chunk start; of one
    /// sensor, or of all sensors interleaved by chunk start when `sensor` is nil). Memory
    /// stays at one chunk: use this to replay a long run.
    public func forEachSampleChunk(sensor: Int? = nil, _ body: (_ sensor: Int, _ samples: [IMUSample]) throws -> Void) throws(RunReaderError) {
        let p = path
        try read { db in
            let sql = "SELECT id, sensor_id, start_ns, sample_count, data FROM sample_chunks"
                + (sensor == nil ? "" : " WHERE sensor_id = ?") + " ORDER BY start_ns, id"
            let cursor = try Row.fetchCursor(db, sql: sql, arguments: sensor.map { [$0] } ?? [])
            while let row = try cursor.next() {
                let c = Cells(row: row, path: p, table: "sample_chunks")
                let id = try c.int("id")
                let data = try c.data("data")
                let startNs = try c.int("start_ns").sqliteUnsigned
                let decoded: [IMUSample]
                do throws(SampleChunkDecodingError) {
                    decoded = try SampleChunkCodec.decode(data, startNs: startNs)
                } catch {
                    throw RunReaderError.corrupted(path: p, detail: "sample chunk \(id): \(error.description)")
                }
                guard decoded.count == (try c.int("sample_count")) else {
                    throw RunReaderError.corrupted(path: p, detail: "sample chunk \(id): \(decoded.count) samples, sample_count says \(try c.int("sample_count"))")
                }
                try body(Int(try c.int("sensor_id")), decoded)
            }
        }
    }

    /// Every sample of one sensor, decoded, in time order.
    public func samples(sensor: Int) throws(RunReaderError) -> [IMUSample] {
        var all = [IMUSample]()
        try forEachSampleChunk(sensor: sensor) { _, chunk in all.append(contentsOf: chunk) }
        return all
    }

    /// Samples stored per sensor id (from the chunk rows, without decoding).
    public func sampleCounts() throws(RunReaderError) -> [Int: Int] {
        try read { db in
            var counts = [Int: Int]()
            for row in try Row.fetchAll(db, sql: "SELECT sensor_id, SUM(sample_count) AS n FROM sample_chunks GROUP BY sensor_id") {
                let c = Cells(row: row, path: path, table: "sample_chunks")
                counts[Int(try c.int("sensor_id"))] = Int(try c.int("n"))
            }
            return counts
        }
    }

    /// Gait events in time order.
    public func events() throws(RunReaderError) -> [GaitEvent] {
        let p = path
        return try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM events ORDER BY time_ns, id").map { row in
                let c = Cells(row: row, path: p, table: "events")
                guard let kind = RunSchema.eventKind(try c.string("kind")) else { throw c.bad("kind") }
                guard let side = RunSchema.side(try c.string("side")) else { throw c.bad("side") }
                return GaitEvent(kind: kind, side: side, timeNs: try c.int("time_ns").sqliteUnsigned, peakG: Float(try c.double("peak_g")),
                                 clipped: try c.int("clipped") != 0, loadingRateGPerS: Float(try c.double("loading_rate_g_per_s")))
            }
        }
    }

    /// Strides of both legs, in the order recorded.
    public func strides() throws(RunReaderError) -> [StrideRecord] {
        let p = path
        return try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM strides ORDER BY id").map { row in
                let c = Cells(row: row, path: p, table: "strides")
                guard let side = RunSchema.side(try c.string("side")) else { throw c.bad("side") }
                var metrics = MetricVector()
                for m in StrideMetric.all { metrics[m] = try c.optionalDouble(RunSchema.column(m)) }
                return StrideRecord(side: side, index: Int(try c.int("stride_index")), startNs: try c.int("start_ns").sqliteUnsigned,
                                    endNs: try c.int("end_ns").sqliteUnsigned, metrics: metrics, rawPeakG: try c.double("raw_peak_g"),
                                    peakClipped: try c.int("peak_clipped") != 0,
                                    quality: StrideQuality(rawValue: UInt16(truncatingIfNeeded: try c.int("quality"))))
            }
        }
    }

    /// Symmetry windows in the order recorded.
    public func windows() throws(RunReaderError) -> [SymmetryWindowReport] {
        let p = path
        return try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM windows ORDER BY id").map { row in
                let c = Cells(row: row, path: p, table: "windows")
                var w = SymmetryWindowReport(windowSteps: Int(try c.int("window_steps")))
                w.leftStrides = Int(try c.int("left_strides"))
                w.rightStrides = Int(try c.int("right_strides"))
                w.startNs = try c.int("start_ns").sqliteUnsigned
                w.endNs = try c.int("end_ns").sqliteUnsigned
                for m in StrideMetric.all {
                    w.left[m] = try c.optionalDouble("left_" + RunSchema.column(m))
                    w.right[m] = try c.optionalDouble("right_" + RunSchema.column(m))
                    w.symmetryIndex[m] = try c.optionalDouble("si_" + RunSchema.key(m))
                    w.symmetryIndexChange[m] = try c.optionalDouble("si_change_" + RunSchema.key(m))
                }
                return w
            }
        }
    }

    /// The learnt baseline, nil when none was learnt.
    public func baseline() throws(RunReaderError) -> BaselineModel? {
        let p = path
        return try read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT * FROM baseline WHERE id = 1") else { return nil }
            let c = Cells(row: row, path: p, table: "baseline")
            var b = BaselineModel()
            b.learntAtNs = try c.int("learnt_at_ns").sqliteUnsigned
            b.cadenceStepsPerMinute = try c.double("cadence_spm")
            b.cadenceLow = try c.double("cadence_low_spm")
            b.cadenceHigh = try c.double("cadence_high_spm")
            b.speedMetresPerSecond = try c.optionalDouble("speed_m_per_s")
            for row in try Row.fetchAll(db, sql: "SELECT * FROM baseline_legs") {
                let c = Cells(row: row, path: p, table: "baseline_legs")
                let legText = try c.string("leg")
                guard legText == "left" || legText == "right" else { throw c.bad("leg") }
                guard let m = RunSchema.metric(key: try c.string("metric")) else { throw c.bad("metric") }
                var x = LegMetricBaseline()
                x.count = Int(try c.int("count"))
                x.median = try c.double("median")
                x.mad = try c.double("mad")
                x.intercept = try c.double("intercept")
                x.cadenceSlope = try c.double("cadence_slope")
                x.speedSlope = try c.double("speed_slope")
                x.residualSigma = try c.double("residual_sigma")
                x.longRunSigma = try c.double("long_run_sigma")
                b.legs[(legText == "left" ? 0 : 1) * StrideMetric.count + m.rawValue] = x
            }
            for row in try Row.fetchAll(db, sql: "SELECT * FROM baseline_symmetry") {
                let c = Cells(row: row, path: p, table: "baseline_symmetry")
                guard let m = RunSchema.metric(key: try c.string("metric")) else { throw c.bad("metric") }
                b.symmetryIndex[m] = try c.optionalDouble("si")
                var s = b.pairSymmetry[m.rawValue]  // BaselineModel() holds empty ones
                s.count = Int(try c.int("pair_count"))
                s.median = try c.double("pair_median")
                s.sigma = try c.double("pair_sigma")
                s.longRunSigma = try c.double("pair_long_run_sigma")
                b.pairSymmetry[m.rawValue] = s
            }
            return b
        }
    }

    /// Alerts in time order.
    public func alerts() throws(RunReaderError) -> [CompensationAlert] {
        let p = path
        return try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM alerts ORDER BY time_ns, id").map { row in
                let c = Cells(row: row, path: p, table: "alerts")
                guard let kind = RunSchema.alertKind(try c.string("kind")) else { throw c.bad("kind") }
                guard let side = RunSchema.alertSide(try c.string("side")) else { throw c.bad("side") }
                guard let primary = RunSchema.metric(key: try c.string("primary_metric")) else { throw c.bad("primary_metric") }
                var set = StrideMetricSet()
                for key in try c.string("metrics").split(separator: ",") {
                    guard let m = RunSchema.metric(key: String(key)) else { throw c.bad("metrics") }
                    set.insert(m)
                }
                let finding = CompensationFinding(
                    side: side, primaryMetric: primary, metrics: set, severity: try c.double("severity"),
                    symmetryIndexChange: try c.double("si_change"), leftChangePercent: try c.double("left_change_percent"),
                    rightChangePercent: try c.double("right_change_percent"), onsetNs: try c.int("onset_ns").sqliteUnsigned)
                return CompensationAlert(kind: kind, level: Int(try c.int("level")), timeNs: try c.int("time_ns").sqliteUnsigned,
                                         finding: finding,
                                         effectiveWindowStridePairs: Int(try c.int("effective_window_stride_pairs")))
            }
        }
    }

    /// Faults and gaps in time order.
    public func faults() throws(RunReaderError) -> [RunFault] {
        let p = path
        return try read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM faults ORDER BY start_ns, id").map { row in
                let c = Cells(row: row, path: p, table: "faults")
                let kind = RunFaultKind(rawValue: try c.string("kind")) ?? .other
                return RunFault(sensor: try c.optionalInt("sensor_id").map { Int($0) }, kind: kind,
                                startNs: try c.int("start_ns").sqliteUnsigned, endNs: try c.optionalInt("end_ns")?.sqliteUnsigned,
                                errno: try c.optionalInt("errno").map { Int32(truncatingIfNeeded: $0) },
                                detail: try c.string("detail"))
            }
        }
    }

    /// Activity changes in time order.
    public func activityChanges() throws(RunReaderError) -> [RunActivityChange] {
        let p = path
        return try read { db in
            try Row.fetchAll(db, sql: "SELECT time_ns, activity FROM activity ORDER BY time_ns, id").map { row in
                let c = Cells(row: row, path: p, table: "activity")
                guard let a = RunSchema.activity(try c.string("activity")) else { throw c.bad("activity") }
                return RunActivityChange(timeNs: try c.int("time_ns").sqliteUnsigned, activity: a)
            }
        }
    }

    /// The summary `strideguard runs` shows.
    public func summary() throws(RunReaderError) -> RunSummary {
        let meta = metadata
        let changes = try activityChanges()
        var running = 0.0
        let end = meta.endNs ?? meta.lastDataNs
        for (i, change) in changes.enumerated() where change.activity == .running {
            let until = i + 1 < changes.count ? changes[i + 1].timeNs : end
            if until > change.timeNs { running += Double(until - change.timeNs) * 1e-9 }
        }
        let counts = try read { db in
            (try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM strides") ?? 0,
             try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM alerts WHERE kind IN ('raised', 'escalated')") ?? 0,
             try Int.fetchOne(db, sql: "SELECT COALESCE(SUM(sample_count), 0) FROM sample_chunks") ?? 0)
        }
        return RunSummary(metadata: meta, tags: try tags(), runningSeconds: running, strides: counts.0, alerts: counts.1,
                          samples: counts.2)
    }

    /// The run records in `directory` (files ending in `.sqlite`), oldest first, each with
    /// its summary or why it cannot be read. Empty records are listed (summary `isEmpty`).
    public static func list(directory: String) throws(RunReaderError) -> [RunListing] {
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory)
        } catch {
            throw .unreadable(path: directory, message: "cannot list the run directory: \(error.localizedDescription)")
        }
        var listings = [RunListing]()
        for name in names.sorted() where name.hasSuffix("." + RunSchema.fileExtension) {
            let path = directory + "/" + name
            do throws(RunReaderError) {
                let reader = try RunReader(path: path, allowEmpty: true)
                listings.append(RunListing(path: path, summary: .success(try reader.summary())))
            } catch {
                listings.append(RunListing(path: path, summary: .failure(error)))
            }
        }
        func start(_ l: RunListing) -> Date {
            if case .success(let s) = l.summary { return s.metadata.startDate }
            return .distantFuture
        }
        return listings.sorted { (start($0), $0.path) < (start($1), $1.path) }
    }
}

/// Typed, non-trapping access to a row's columns: a value of the wrong type is reported as
/// a damaged record instead of crashing.
private struct Cells {
    let row: Row
    let path: String
    let table: String

    func bad(_ column: String) -> RunReaderError {
        .corrupted(path: path, detail: "\(table).\(column) holds an unexpected value")
    }

    private func value(_ column: String) -> DatabaseValue { (row[column] as DatabaseValue?) ?? .null }

    func optionalInt(_ column: String) throws(RunReaderError) -> Int64? {
        let v = value(column)
        if v.isNull { return nil }
        guard let x = Int64.fromDatabaseValue(v) else { throw bad(column) }
        return x
    }

    func int(_ column: String) throws(RunReaderError) -> Int64 {
        guard let x = try optionalInt(column) else { throw bad(column) }
        return x
    }

    func optionalDouble(_ column: String) throws(RunReaderError) -> Double? {
        let v = value(column)
        if v.isNull { return nil }
        guard let x = Double.fromDatabaseValue(v) else { throw bad(column) }
        return x
    }

    func double(_ column: String) throws(RunReaderError) -> Double {
        guard let x = try optionalDouble(column) else { throw bad(column) }
        return x
    }

    func optionalString(_ column: String) throws(RunReaderError) -> String? {
        let v = value(column)
        if v.isNull { return nil }
        guard let x = String.fromDatabaseValue(v) else { throw bad(column) }
        return x
    }

    func string(_ column: String) throws(RunReaderError) -> String {
        guard let x = try optionalString(column) else { throw bad(column) }
        return x
    }

    func data(_ column: String) throws(RunReaderError) -> Data {
        let v = value(column)
        guard let x = Data.fromDatabaseValue(v) else { throw bad(column) }
        return x
    }
}
