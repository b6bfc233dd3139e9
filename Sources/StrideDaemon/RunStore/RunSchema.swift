import StrideCore

/// The run record's schema: table definitions and the text codes stored for enums.
/// docs/RUN-RECORD.md describes the same schema for people; keep the two in step.
public enum RunSchema {
    /// The schema version written in `PRAGMA user_version` and `run.schema_version`. A
    /// reader refuses a file with a higher version.
    public static let version: Int32 = 1

    /// `PRAGMA application_id` of a run record: "SGRD" in ASCII (SQLite file format §1.3.12:
    /// a 32-bit integer at offset 68 that identifies the application's file format).
    public static let applicationID: Int32 = 0x5347_5244

    /// The file name suffix.
    public static let fileExtension = "sqlite"

    /// Column-name stems for the per-stride metrics, with their units, in `StrideMetric` order.
    static func column(_ metric: StrideMetric) -> String {
        switch metric {
        case .strideTime: return "stride_time_ms"
        case .stepTime: return "step_time_ms"
        case .contactTime: return "contact_time_ms"
        case .flightTime: return "flight_time_ms"
        case .dutyFactor: return "duty_factor"
        case .peakTibialAcceleration: return "pta_g"
        case .loadingRate: return "loading_rate_g_per_s"
        }
    }

    /// Short metric names without units, for SI columns (SI is in % whatever the unit).
    static func key(_ metric: StrideMetric) -> String {
        switch metric {
        case .strideTime: return "stride_time"
        case .stepTime: return "step_time"
        case .contactTime: return "contact_time"
        case .flightTime: return "flight_time"
        case .dutyFactor: return "duty_factor"
        case .peakTibialAcceleration: return "pta"
        case .loadingRate: return "loading_rate"
        }
    }

    static func metric(key: String) -> StrideMetric? { StrideMetric.all.first { Self.key($0) == key } }

    static func text(_ side: Side) -> String {
        switch side {
        case .left: return "left"
        case .right: return "right"
        case .stepA: return "A"
        case .stepB: return "B"
        }
    }

    static func side(_ text: String) -> Side? { Side.allCases.first { Self.text($0) == text } }

    static func text(_ kind: GaitEventKind) -> String { kind == .initialContact ? "IC" : "TO" }

    static func eventKind(_ text: String) -> GaitEventKind? {
        switch text {
        case "IC": return .initialContact
        case "TO": return .toeOff
        default: return nil
        }
    }

    static func text(_ activity: Activity) -> String {
        switch activity {
        case .unknown: return "unknown"
        case .standing: return "standing"
        case .walking: return "walking"
        case .running: return "running"
        }
    }

    static func activity(_ text: String) -> Activity? {
        [Activity.unknown, .standing, .walking, .running].first { Self.text($0) == text }
    }

    static func text(_ kind: CompensationAlert.Kind) -> String {
        switch kind {
        case .raised: return "raised"
        case .escalated: return "escalated"
        case .cleared: return "cleared"
        }
    }

    static func alertKind(_ text: String) -> CompensationAlert.Kind? {
        [CompensationAlert.Kind.raised, .escalated, .cleared].first { Self.text($0) == text }
    }

    static func text(_ side: AlertSide) -> String {
        switch side {
        case .leg(let s): return text(s)
        case .both: return "both"
        }
    }

    static func alertSide(_ text: String) -> AlertSide? {
        if text == "both" { return .both }
        return side(text).map { .leg($0) }
    }

    /// Per-metric columns with a prefix and suffix, e.g. ("left_", "") → left_stride_time_ms …
    static func metricColumns(prefix: String, unitless: Bool = false) -> [String] {
        StrideMetric.all.map { prefix + (unitless ? key($0) : column($0)) }
    }

    /// Every statement that creates a version-1 record, in order.
    static var createStatements: [String] {
        let strideMetrics = StrideMetric.all.map { "\(column($0)) REAL" }.joined(separator: ", ")
        let windowColumns = (metricColumns(prefix: "left_") + metricColumns(prefix: "right_")).map { "\($0) REAL" }
            + (metricColumns(prefix: "si_", unitless: true) + metricColumns(prefix: "si_change_", unitless: true)).map { "\($0) REAL" }
        return [
            """
            CREATE TABLE run (
                id INTEGER PRIMARY KEY CHECK (id = 1),
                run_id TEXT NOT NULL,
                app_version TEXT NOT NULL,
                schema_version INTEGER NOT NULL,
                mode TEXT NOT NULL,
                start_utc TEXT NOT NULL,
                start_unix_ms INTEGER NOT NULL,
                start_ns INTEGER NOT NULL,
                end_utc TEXT,
                end_ns INTEGER,
                last_data_ns INTEGER,
                complete INTEGER NOT NULL DEFAULT 0,
                stop_reason TEXT,
                dropped_samples INTEGER NOT NULL DEFAULT 0,
                dropped_records INTEGER NOT NULL DEFAULT 0
            )
            """,
            """
            CREATE TABLE configuration (
                id INTEGER PRIMARY KEY CHECK (id = 1),
                source_path TEXT,
                yaml TEXT NOT NULL,
                summary_json TEXT
            )
            """,
            "CREATE TABLE tags (key TEXT PRIMARY KEY, value TEXT NOT NULL, position INTEGER NOT NULL)",
            """
            CREATE TABLE sensors (
                id INTEGER PRIMARY KEY,
                placement TEXT NOT NULL,
                bus TEXT NOT NULL,
                address INTEGER NOT NULL,
                chip TEXT NOT NULL,
                data_rate_hz REAL,
                range_g REAL,
                fifo_watermark INTEGER,
                gyro_range_dps REAL,
                interrupt_line TEXT,
                samples INTEGER NOT NULL DEFAULT 0,
                overruns INTEGER NOT NULL DEFAULT 0,
                lost_samples INTEGER NOT NULL DEFAULT 0,
                clipped_samples INTEGER NOT NULL DEFAULT 0
            )
            """,
            """
            CREATE TABLE sample_chunks (
                id INTEGER PRIMARY KEY,
                sensor_id INTEGER NOT NULL REFERENCES sensors(id),
                start_ns INTEGER NOT NULL,
                end_ns INTEGER NOT NULL,
                sample_count INTEGER NOT NULL,
                encoding INTEGER NOT NULL,
                data BLOB NOT NULL
            )
            """,
            "CREATE INDEX sample_chunks_by_sensor_time ON sample_chunks(sensor_id, start_ns)",
            """
            CREATE TABLE events (
                id INTEGER PRIMARY KEY,
                time_ns INTEGER NOT NULL,
                kind TEXT NOT NULL,
                side TEXT NOT NULL,
                peak_g REAL NOT NULL,
                clipped INTEGER NOT NULL,
                loading_rate_g_per_s REAL NOT NULL
            )
            """,
            """
            CREATE TABLE strides (
                id INTEGER PRIMARY KEY,
                side TEXT NOT NULL,
                stride_index INTEGER NOT NULL,
                start_ns INTEGER NOT NULL,
                end_ns INTEGER NOT NULL,
                \(strideMetrics),
                raw_peak_g REAL NOT NULL,
                peak_clipped INTEGER NOT NULL,
                quality INTEGER NOT NULL
            )
            """,
            """
            CREATE TABLE windows (
                id INTEGER PRIMARY KEY,
                start_ns INTEGER NOT NULL,
                end_ns INTEGER NOT NULL,
                window_steps INTEGER NOT NULL,
                left_strides INTEGER NOT NULL,
                right_strides INTEGER NOT NULL,
                \(windowColumns.joined(separator: ",\n    "))
            )
            """,
            """
            CREATE TABLE baseline (
                id INTEGER PRIMARY KEY CHECK (id = 1),
                learnt_at_ns INTEGER NOT NULL,
                cadence_spm REAL NOT NULL,
                cadence_low_spm REAL NOT NULL,
                cadence_high_spm REAL NOT NULL,
                speed_m_per_s REAL
            )
            """,
            """
            CREATE TABLE baseline_legs (
                leg TEXT NOT NULL,
                metric TEXT NOT NULL,
                count INTEGER NOT NULL,
                median REAL NOT NULL,
                mad REAL NOT NULL,
                intercept REAL NOT NULL,
                cadence_slope REAL NOT NULL,
                speed_slope REAL NOT NULL,
                residual_sigma REAL NOT NULL,
                long_run_sigma REAL NOT NULL,
                PRIMARY KEY (leg, metric)
            )
            """,
            """
            CREATE TABLE baseline_symmetry (
                metric TEXT PRIMARY KEY,
                si REAL,
                pair_count INTEGER NOT NULL,
                pair_median REAL NOT NULL,
                pair_sigma REAL NOT NULL,
                pair_long_run_sigma REAL NOT NULL
            )
            """,
            """
            CREATE TABLE alerts (
                id INTEGER PRIMARY KEY,
                time_ns INTEGER NOT NULL,
                kind TEXT NOT NULL,
                level INTEGER NOT NULL,
                side TEXT NOT NULL,
                primary_metric TEXT NOT NULL,
                metrics TEXT NOT NULL,
                severity REAL NOT NULL,
                si_change REAL NOT NULL,
                left_change_percent REAL NOT NULL,
                right_change_percent REAL NOT NULL,
                onset_ns INTEGER NOT NULL,
                effective_window_stride_pairs INTEGER NOT NULL
            )
            """,
            """
            CREATE TABLE faults (
                id INTEGER PRIMARY KEY,
                sensor_id INTEGER REFERENCES sensors(id),
                kind TEXT NOT NULL,
                start_ns INTEGER NOT NULL,
                end_ns INTEGER,
                errno INTEGER,
                detail TEXT NOT NULL
            )
            """,
            "CREATE TABLE activity (id INTEGER PRIMARY KEY, time_ns INTEGER NOT NULL, activity TEXT NOT NULL)",
        ]
    }

    /// The tables every version-1 record has.
    static let tables = ["run", "configuration", "tags", "sensors", "sample_chunks", "events", "strides", "windows",
                         "baseline", "baseline_legs", "baseline_symmetry", "alerts", "faults", "activity"]
}

extension UInt64 {
    /// The value as SQLite stores it (INTEGER is a signed 64-bit; monotonic nanoseconds stay
    /// far below 2^63, and the bit pattern round-trips anyway).
    var sqliteInteger: Int64 { Int64(bitPattern: self) }
}

extension Int64 {
    /// Back from SQLite's signed INTEGER.
    var sqliteUnsigned: UInt64 { UInt64(bitPattern: self) }
}
