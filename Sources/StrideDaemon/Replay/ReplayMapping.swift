import StrideCore

/// Why a replay failed, with the sysexits code the command exits with.
public enum ReplayError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A bad option or mapping (EX_USAGE, 64).
    case usage(String)
    /// An input file is missing or unreadable (EX_NOINPUT, 66).
    case noInput(file: String, reason: String)
    /// The file's contents do not fit the mapping (EX_DATAERR, 65). `line` is 1-based
    /// (the header is line 1), 0 when the problem is not on one line.
    case data(file: String, line: Int, column: String?, message: String)
    /// An output file cannot be written (EX_CANTCREAT, 73).
    case cannotWrite(path: String, reason: String)

    /// The process exit code (BSD sysexits.h).
    public var exitCode: Int32 {
        switch self {
        case .usage: return 64
        case .data: return 65
        case .noInput: return 66
        case .cannotWrite: return 73
        }
    }

    /// One line for the terminal.
    public var description: String {
        switch self {
        case .usage(let m): return m
        case .noInput(let f, let r): return "\(f): \(r)"
        case .data(let f, let line, let column, let m):
            var s = f
            if line > 0 { s += ":\(line)" }
            if let column { s += ": column '\(column)'" }
            return s + ": " + m
        case .cannotWrite(let p, let r): return "cannot write \(p): \(r)"
        }
    }
}

/// Unit of the acceleration columns.
public enum AccelerationUnit: String, Sendable, CaseIterable {
    /// Standard gravity, g.
    case g
    /// Metres per second squared.
    case metresPerSecondSquared = "m/s2"

    /// Standard gravity, m/s² (CGPM 1901, the conventional value of g₀).
    public static let standardGravity = 9.80665

    /// Accepts `g`, `m/s2`, `m/s^2`, `m/s²`, `mps2`.
    public init?(name: String) {
        switch name.lowercased() {
        case "g": self = .g
        case "m/s2", "m/s^2", "m/s²", "mps2", "ms2", "m/s/s": self = .metresPerSecondSquared
        default: return nil
        }
    }

    /// Factor to g.
    public var toG: Double { self == .g ? 1 : 1 / Self.standardGravity }
}

/// Unit of the gyroscope columns.
public enum AngularRateUnit: String, Sendable, CaseIterable {
    /// Degrees per second.
    case degreesPerSecond = "deg/s"
    /// Radians per second.
    case radiansPerSecond = "rad/s"

    /// Accepts `deg/s`, `dps`, `°/s`, `rad/s`, `rps`.
    public init?(name: String) {
        switch name.lowercased() {
        case "deg/s", "dps", "°/s", "degrees/s": self = .degreesPerSecond
        case "rad/s", "rps", "radians/s": self = .radiansPerSecond
        default: return nil
        }
    }

    /// Factor to degrees per second.
    public var toDegreesPerSecond: Double { self == .degreesPerSecond ? 1 : 180 / Double.pi }
}

/// Unit of the time column.
public enum TimeUnit: String, Sendable, CaseIterable {
    /// Seconds.
    case seconds = "s"
    /// Milliseconds.
    case milliseconds = "ms"

    /// Accepts `s`, `sec`, `ms`.
    public init?(name: String) {
        switch name.lowercased() {
        case "s", "sec", "seconds": self = .seconds
        case "ms", "milliseconds": self = .milliseconds
        default: return nil
        }
    }

    /// Factor to seconds.
    public var toSeconds: Double { self == .seconds ? 1 : 1e-3 }
}

/// A CSV column feeding one axis, optionally negated (`-acc_y`).
public struct ColumnReference: Sendable, Equatable {
    /// The header name.
    public var name: String
    /// Use minus the column's value.
    public var negated: Bool

    /// Creates a reference.
    public init(name: String, negated: Bool = false) {
        self.name = name
        self.negated = negated
    }
}

/// Which frame a placement's axes are given in.
public enum AxisFrame: Sendable, Equatable {
    /// The sensor's own x, y, z; gravity calibration finds the body axes.
    case sensor
    /// Body axes: vertical (sacrum) or axial (shank), antero-posterior, medio-lateral.
    case body
}

/// The columns of one placement. Index 0, 1, 2 = x, y, z (sensor frame) or
/// vertical/axial, antero-posterior, medio-lateral (body frame).
public struct PlacementColumns: Sendable, Equatable {
    /// Sensor or body frame (nil until the first axis is named).
    public var frame: AxisFrame?
    /// Acceleration columns.
    public var accel: [ColumnReference?] = [nil, nil, nil]
    /// Angular-rate columns.
    public var gyro: [ColumnReference?] = [nil, nil, nil]

    /// Creates an empty set.
    public init() {}

    /// Whether any gyroscope axis is mapped.
    public var hasGyro: Bool { gyro.contains { $0 != nil } }
}

/// How a recording CSV maps onto placements and axes: the result of the command's
/// options and of a mapping file (same options, one per line).
public struct ReplayMapping: Sendable, Equatable {
    /// The input files; a file bound to a placement (`left-shank=FILE`) serves that
    /// placement's columns, an unbound one every placement not bound elsewhere.
    public var files: [(placement: Placement?, path: String)] = []
    /// Name of the time column.
    public var timeColumn = "time_s"
    /// Unit of the time column.
    public var timeUnit: TimeUnit = .seconds
    /// Unit of every acceleration column.
    public var accelerationUnit: AccelerationUnit = .g
    /// Unit of every angular-rate column.
    public var angularRateUnit: AngularRateUnit = .degreesPerSecond
    /// Nominal sample rate, Hz; nil to estimate it from the time column.
    public var sampleRateHz: Double?
    /// The columns per placement.
    public var columns: [Placement: PlacementColumns] = [:]
    /// Nominal mounting per placement (sensor frame only).
    public var mountings: [Placement: MountingAxes] = [:]

    /// Creates an empty mapping (time column `time_s` in seconds, g, deg/s).
    public init() {}

    /// The synth layout (`strideguard synth`'s per-placement files): sensor-frame
    /// `ax_g, ay_g, az_g` and `gx_dps, gy_dps, gz_dps`. Used for a placement bound to a
    /// file when no column names it.
    public static let synthLayout: PlacementColumns = {
        var c = PlacementColumns()
        c.frame = .sensor
        c.accel = [ColumnReference(name: "ax_g"), ColumnReference(name: "ay_g"), ColumnReference(name: "az_g")]
        c.gyro = [ColumnReference(name: "gx_dps"), ColumnReference(name: "gy_dps"), ColumnReference(name: "gz_dps")]
        return c
    }()

    public static func == (a: ReplayMapping, b: ReplayMapping) -> Bool {
        a.files.map { "\($0.placement?.rawValue ?? ""):\($0.path)" } == b.files.map { "\($0.placement?.rawValue ?? ""):\($0.path)" }
            && a.timeColumn == b.timeColumn && a.timeUnit == b.timeUnit && a.accelerationUnit == b.accelerationUnit
            && a.angularRateUnit == b.angularRateUnit && a.sampleRateHz == b.sampleRateHz && a.columns == b.columns
            && a.mountings == b.mountings
    }

    // MARK: - Options

    /// Applies one option by its long name without dashes (`csv`, `time`, `time-unit`,
    /// `units`, `gyro-units`, `rate`, `column`, `mounting`) and its value; `origin` names
    /// where it came from for the message ("--column", "map.txt:3").
    public mutating func apply(option: String, value: String, origin: String) throws(ReplayError) {
        let v = value.replayTrimmed
        switch option {
        case "csv":
            if let eq = v.firstIndex(of: "="), let p = Placement(rawValue: String(v[..<eq]).replayTrimmed) {
                files.append((p, String(v[v.index(after: eq)...]).replayTrimmed))
            } else {
                files.append((nil, v))
            }
        case "time":
            guard !v.isEmpty else { throw .usage("\(origin): the time column needs a name") }
            timeColumn = v
        case "time-unit":
            guard let u = TimeUnit(name: v) else { throw .usage("\(origin): unknown time unit '\(v)'; expected s or ms") }
            timeUnit = u
        case "units":
            guard let u = AccelerationUnit(name: v) else {
                throw .usage("\(origin): unknown acceleration unit '\(v)'; expected g or m/s2")
            }
            accelerationUnit = u
        case "gyro-units":
            guard let u = AngularRateUnit(name: v) else {
                throw .usage("\(origin): unknown angular-rate unit '\(v)'; expected deg/s or rad/s")
            }
            angularRateUnit = u
        case "rate":
            guard let r = Double(v), r.isFinite, r > 0, r <= 100_000 else {
                throw .usage("\(origin): '\(v)' is not a sample rate; expected Hz, e.g. 500")
            }
            sampleRateHz = r
        case "column":
            try applyColumn(v, origin: origin)
        case "mounting":
            try applyMounting(v, origin: origin)
        default:
            throw .usage("\(origin): unknown option '\(option)'; expected csv, time, time-unit, units, gyro-units, rate, column or mounting")
        }
    }

    /// `PLACEMENT.AXIS=[-]COLUMN`, AXIS one of x y z (sensor frame), v/axial ap ml (body
    /// frame), or gyro.AXIS for the angular rate.
    private mutating func applyColumn(_ spec: String, origin: String) throws(ReplayError) {
        guard let eq = spec.firstIndex(of: "=") else {
            throw .usage("\(origin): '\(spec)' is not PLACEMENT.AXIS=COLUMN (e.g. sacrum.v=acc_v_g)")
        }
        let key = String(spec[..<eq]).replayTrimmed.lowercased()
        var column = String(spec[spec.index(after: eq)...]).replayTrimmed
        var negated = false
        if column.hasPrefix("-") { negated = true; column.removeFirst() }
        guard !column.isEmpty else { throw .usage("\(origin): '\(spec)' names no column") }
        guard let dot = key.firstIndex(of: ".") else {
            throw .usage("\(origin): '\(key)' needs PLACEMENT.AXIS (e.g. left-shank.axial)")
        }
        let placementName = String(key[..<dot])
        guard let placement = Placement(rawValue: placementName) else {
            throw .usage("\(origin): '\(placementName)' is not a placement; expected left-shank, right-shank or sacrum")
        }
        var axis = String(key[key.index(after: dot)...])
        var isGyro = false
        if axis.hasPrefix("gyro.") { isGyro = true; axis.removeFirst(5) }
        let frame: AxisFrame
        let index: Int
        switch axis {
        case "x": (frame, index) = (.sensor, 0)
        case "y": (frame, index) = (.sensor, 1)
        case "z": (frame, index) = (.sensor, 2)
        case "v", "vertical" where placement == .sacrum: (frame, index) = (.body, 0)
        case "axial" where placement != .sacrum: (frame, index) = (.body, 0)
        case "ap": (frame, index) = (.body, 1)
        case "ml": (frame, index) = (.body, 2)
        default:
            let body = placement == .sacrum ? "v, ap, ml" : "axial, ap, ml"
            throw .usage("\(origin): '\(axis)' is not an axis of \(placement.rawValue); expected x, y, z (sensor frame) or \(body) (body frame), optionally after gyro.")
        }
        var c = columns[placement] ?? PlacementColumns()
        if let f = c.frame, f != frame {
            throw .usage("\(origin): \(placement.rawValue) mixes sensor-frame (x, y, z) and body-frame axes; use one frame per placement")
        }
        c.frame = frame
        if isGyro { c.gyro[index] = ColumnReference(name: column, negated: negated) }
        else { c.accel[index] = ColumnReference(name: column, negated: negated) }
        columns[placement] = c
    }

    /// `PLACEMENT=UP,FORWARD`, each a sensor axis with an optional sign: `sacrum=x,z`.
    private mutating func applyMounting(_ spec: String, origin: String) throws(ReplayError) {
        let usage = ReplayError.usage("\(origin): '\(spec)' is not PLACEMENT=UP,FORWARD with sensor axes (e.g. sacrum=x,z or left-shank=-y,x)")
        guard let eq = spec.firstIndex(of: "="), let p = Placement(rawValue: String(spec[..<eq]).replayTrimmed.lowercased()) else { throw usage }
        let axes = spec[spec.index(after: eq)...].split(separator: ",").map { String($0).replayTrimmed.lowercased() }
        guard axes.count == 2, let up = Self.axisVector(axes[0]), let forward = Self.axisVector(axes[1]),
              up.dot(forward) == 0 else { throw usage }
        mountings[p] = MountingAxes(up: up, forward: forward)
    }

    private static func axisVector(_ s: String) -> Vector3? {
        var name = s
        var sign: Float = 1
        if name.hasPrefix("-") { sign = -1; name.removeFirst() } else if name.hasPrefix("+") { name.removeFirst() }
        switch name {
        case "x": return Vector3(x: sign, y: 0, z: 0)
        case "y": return Vector3(x: 0, y: sign, z: 0)
        case "z": return Vector3(x: 0, y: 0, z: sign)
        default: return nil
        }
    }

    /// Reads a mapping file: one option a line, `NAME VALUE` (or `NAME=VALUE` for the
    /// single-valued options), `#` starts a comment.
    public mutating func apply(mappingText text: String, file: String) throws(ReplayError) {
        var lineNumber = 0
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNumber += 1
            var line = Substring(raw)
            if let hash = line.firstIndex(of: "#") { line = line[..<hash] }
            let t = String(line).replayTrimmed
            if t.isEmpty { continue }
            let name: String, value: String
            if let space = t.firstIndex(where: { $0 == " " || $0 == "\t" }) {
                name = String(t[..<space]); value = String(t[space...]).replayTrimmed
            } else if let eq = t.firstIndex(of: "=") {
                name = String(t[..<eq]); value = String(t[t.index(after: eq)...])
            } else {
                throw .usage("\(file):\(lineNumber): '\(t)' is not 'OPTION VALUE'")
            }
            try apply(option: name.hasPrefix("--") ? String(name.dropFirst(2)) : name, value: value,
                      origin: "\(file):\(lineNumber)")
        }
    }

    /// Checks that the mapping names something to replay.
    public func validate() throws(ReplayError) {
        guard !files.isEmpty else { throw .usage("name a recording with --csv FILE") }
        let unbound = files.filter { $0.placement == nil }
        guard unbound.count <= 1 else { throw .usage("several --csv files: bind each to its placement, e.g. --csv left-shank=left.csv") }
        for (p, c) in columns where c.accel.allSatisfy({ $0 == nil }) {
            throw .usage("\(p.rawValue): map at least one acceleration axis (only gyroscope axes named)")
        }
        if columns.isEmpty, unbound.count == 1 {
            throw .usage("map the file's columns with --column PLACEMENT.AXIS=COLUMN (e.g. --column sacrum.v=acc_v_g)")
        }
    }

    /// Each placement to read, with its file and columns.
    public func plan() throws(ReplayError) -> [(placement: Placement, path: String, columns: PlacementColumns)] {
        try validate()
        var out: [(Placement, String, PlacementColumns)] = []
        for p in Placement.allCases {
            if let bound = files.first(where: { $0.placement == p }) {
                out.append((p, bound.path, columns[p] ?? Self.synthLayout))
            } else if let c = columns[p] {
                guard let unbound = files.first(where: { $0.placement == nil }) else {
                    throw .usage("\(p.rawValue) has columns but no file: add --csv FILE or --csv \(p.rawValue)=FILE")
                }
                out.append((p, unbound.path, c))
            }
        }
        return out
    }
}

extension String {
    var replayTrimmed: String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" || f == "\r" { s.removeFirst() }
        while let l = s.last, l == " " || l == "\t" || l == "\r" { s.removeLast() }
        return String(s)
    }
}
