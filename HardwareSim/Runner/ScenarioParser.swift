import Foundation
import StrideCore
import Yams

/// A scenario file that cannot be used: which file, where, which key, the bad value and
/// what is allowed.
public struct ScenarioError: Error, Equatable, CustomStringConvertible {
    /// The file (or "<string>" when parsed from text).
    public var file: String
    /// The line, when known (1-based).
    public var line: Int?
    /// The key, as a path: `segments[2].speed_mps`.
    public var key: String
    /// The bad value as written ("(missing)" when absent).
    public var value: String
    /// What is allowed there.
    public var allowed: String
    /// The file could not be read at all (missing, a directory, no permission), as opposed
    /// to read and found wrong: command lines exit 66 for the one and 65 for the other.
    public var fileUnreadable: Bool

    /// Creates an error.
    public init(file: String, line: Int?, key: String, value: String, allowed: String, fileUnreadable: Bool = false) {
        self.file = file
        self.line = line
        self.key = key
        self.value = value
        self.allowed = allowed
        self.fileUnreadable = fileUnreadable
    }

    public var description: String {
        let place = line.map { "\(file):\($0)" } ?? file
        if key == "(file)" { return "\(place): cannot read it; expected \(allowed)" }
        return "\(place): \(key): \(value == "(missing)" ? "missing" : "'\(value)' is not allowed"); expected \(allowed)"
    }
}

/// Reads scenario files (YAML; the format is in config/scenarios/README.md).
public enum ScenarioParser {
    /// Loads and checks the scenario at `path`.
    public static func load(path: String) throws(ScenarioError) -> Scenario {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ScenarioError(file: path, line: nil, key: "(file)", value: path, allowed: "a readable scenario file",
                                fileUnreadable: true)
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ScenarioError(file: path, line: nil, key: "(file)", value: "binary data", allowed: "UTF-8 YAML text")
        }
        return try parse(text, file: path)
    }

    /// Parses and checks a scenario from YAML text; `file` names it in errors.
    public static func parse(_ text: String, file: String = "<string>") throws(ScenarioError) -> Scenario {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw yamlError(error, file: file)
        } catch {
            throw ScenarioError(file: file, line: nil, key: "(yaml)", value: "\(error)", allowed: "valid YAML")
        }
        guard let root else {
            throw ScenarioError(file: file, line: nil, key: "(document)", value: "(missing)", allowed: "a mapping with at least 'segments'")
        }
        return try Reader(file: file).scenario(root)
    }

    private static func yamlError(_ error: YamlError, file: String) -> ScenarioError {
        switch error {
        case let .scanner(_, problem, mark, _), let .parser(_, problem, mark, _), let .composer(_, problem, mark, _):
            return ScenarioError(file: file, line: mark.line, key: "(yaml)", value: problem, allowed: "valid YAML")
        default:
            return ScenarioError(file: file, line: nil, key: "(yaml)", value: "\(error)", allowed: "valid YAML")
        }
    }
}

/// The checking reader behind `ScenarioParser`.
private struct Reader {
    let file: String

    func fail(_ node: Node?, _ key: String, _ value: String, _ allowed: String) -> ScenarioError {
        ScenarioError(file: file, line: node?.mark?.line, key: key, value: value, allowed: allowed)
    }

    func text(_ node: Node) -> String {
        switch node {
        case .scalar(let s): return s.string
        case .sequence: return "a list"
        case .mapping: return "a mapping"
        default: return "a YAML alias"  // Yams 6 keeps unresolved aliases as their own node kind
        }
    }

    /// The mapping at `node`, with every key checked against `allowed`.
    func mapping(_ node: Node, _ path: String, allowed: [String]) throws(ScenarioError) -> [String: Node] {
        guard case .mapping(let m) = node else { throw fail(node, path, text(node), "a mapping with keys \(allowed.joined(separator: ", "))") }
        var out: [String: Node] = [:]
        for (k, v) in m {
            let key = k.string ?? text(k)
            let keyPath = path.isEmpty ? key : "\(path).\(key)"
            guard allowed.contains(key) else { throw fail(k, keyPath, key, "one of the keys \(allowed.joined(separator: ", "))") }
            out[key] = v
        }
        return out
    }

    func list(_ node: Node, _ path: String, _ what: String) throws(ScenarioError) -> [Node] {
        guard case .sequence(let s) = node else { throw fail(node, path, text(node), "a list of \(what)") }
        return Array(s)
    }

    func number(_ node: Node?, _ path: String, _ range: ClosedRange<Double>, unit: String, parent: Node? = nil) throws(ScenarioError) -> Double {
        let allowed = "a number from \(fmt(range.lowerBound)) to \(fmt(range.upperBound)) \(unit)"
        guard let node else { throw fail(parent, path, "(missing)", allowed) }
        guard case .scalar(let s) = node, let x = Double(s.string.trimmingCharacters(in: .whitespaces)), x.isFinite, range.contains(x) else {
            throw fail(node, path, text(node), allowed)
        }
        return x
    }

    func optionalNumber(_ node: Node?, _ path: String, _ range: ClosedRange<Double>, unit: String) throws(ScenarioError) -> Double? {
        guard let node else { return nil }
        return try number(node, path, range, unit: unit)
    }

    func choice<T: RawRepresentable & CaseIterable>(_ node: Node?, _ path: String, _ type: T.Type, parent: Node? = nil) throws(ScenarioError) -> T where T.RawValue == String {
        let allowed = "one of " + T.allCases.map(\.rawValue).joined(separator: ", ")
        guard let node else { throw fail(parent, path, "(missing)", allowed) }
        guard case .scalar(let s) = node, let v = T(rawValue: s.string) else { throw fail(node, path, text(node), allowed) }
        return v
    }

    func bool(_ node: Node?, _ path: String) throws(ScenarioError) -> Bool? {
        guard let node else { return nil }
        guard let b = node.bool else { throw fail(node, path, text(node), "true or false") }
        return b
    }

    func fmt(_ x: Double) -> String { x == x.rounded() && abs(x) < 1e15 ? String(Int(x)) : String(x) }

    func scenario(_ root: Node) throws(ScenarioError) -> Scenario {
        let top = try mapping(root, "", allowed: ["name", "description", "seed", "duration_min", "repeat_segments", "runner",
                                                  "segments", "baseline_asymmetry", "drifts", "sensors"])
        let name = top["name"]?.string ?? (file as NSString).lastPathComponent
        let description = top["description"]?.string ?? ""
        var seed: UInt64 = 1
        if let s = top["seed"] {
            guard let v = s.string.flatMap({ UInt64($0) }) else { throw fail(s, "seed", text(s), "a whole number from 0 to 18446744073709551615") }
            seed = v
        }
        guard let segNode = top["segments"] else { throw fail(root, "segments", "(missing)", "a list of segments (activity, speed_mps, slope_pct, duration_min)") }
        let segNodes = try list(segNode, "segments", "segments")
        guard !segNodes.isEmpty else { throw fail(segNode, "segments", "an empty list", "at least one segment") }
        var segments: [Segment] = []
        for (i, n) in segNodes.enumerated() { segments.append(try segment(n, "segments[\(i)]")) }
        let duration = try optionalNumber(top["duration_min"], "duration_min", 0.01...1440, unit: "minutes")
        let repeatSegments = try bool(top["repeat_segments"], "repeat_segments") ?? false

        var ptaScale = 1.0
        var variability = Variability.typical
        if let r = top["runner"] {
            let m = try mapping(r, "runner", allowed: ["pta_scale", "variability"])
            ptaScale = try optionalNumber(m["pta_scale"], "runner.pta_scale", 0.3...3, unit: "(times the model's PTA)") ?? 1
            if let vn = m["variability"] {
                let v = try mapping(vn, "runner.variability", allowed: ["step_time_cv", "contact_time_cv", "pta_cv", "rise_time_cv"])
                let t = Variability.typical
                variability = Variability(
                    stepTimeCV: try optionalNumber(v["step_time_cv"], "runner.variability.step_time_cv", 0...0.3, unit: "(fraction)") ?? t.stepTimeCV,
                    contactTimeCV: try optionalNumber(v["contact_time_cv"], "runner.variability.contact_time_cv", 0...0.3, unit: "(fraction)") ?? t.contactTimeCV,
                    ptaCV: try optionalNumber(v["pta_cv"], "runner.variability.pta_cv", 0...0.3, unit: "(fraction)") ?? t.ptaCV,
                    riseTimeCV: try optionalNumber(v["rise_time_cv"], "runner.variability.rise_time_cv", 0...0.3, unit: "(fraction)") ?? t.riseTimeCV)
            }
        }

        var asymmetry: [Side: [GaitMetric: Double]] = [:]
        if let a = top["baseline_asymmetry"] {
            let m = try mapping(a, "baseline_asymmetry", allowed: ["left", "right"])
            for (legName, side) in [("left", Side.left), ("right", Side.right)] {
                guard let legNode = m[legName] else { continue }
                let path = "baseline_asymmetry.\(legName)"
                let lm = try mapping(legNode, path, allowed: GaitMetric.drivable.map(\.rawValue))
                var values: [GaitMetric: Double] = [:]
                for metric in GaitMetric.drivable {
                    if let x = try optionalNumber(lm[metric.rawValue], "\(path).\(metric.rawValue)", -20...20, unit: "percent") { values[metric] = x }
                }
                asymmetry[side] = values
            }
        }

        var drifts: [Drift] = []
        if let d = top["drifts"] {
            for (i, n) in try list(d, "drifts", "drifts").enumerated() { drifts.append(try drift(n, "drifts[\(i)]")) }
        }

        var sensors: [Placement: SensorOptions] = [:]
        if let s = top["sensors"] {
            let m = try mapping(s, "sensors", allowed: Placement.allCases.map(\.rawValue))
            for placement in Placement.allCases {
                guard let n = m[placement.rawValue] else { continue }
                sensors[placement] = try sensor(n, "sensors.\(placement.rawValue)", placement)
            }
        }
        return Scenario(name: name, description: description, seed: seed, durationMin: duration, segments: segments,
                        repeatSegments: repeatSegments, baselineAsymmetryPct: asymmetry, drifts: drifts,
                        variability: variability, ptaScale: ptaScale, sensors: sensors)
    }

    func segment(_ node: Node, _ path: String) throws(ScenarioError) -> Segment {
        let m = try mapping(node, path, allowed: ["activity", "speed_mps", "slope_pct", "duration_min", "cadence_spm"])
        let activity = try choice(m["activity"], "\(path).activity", RunnerActivity.self, parent: node)
        var speed = 0.0
        switch activity {
        case .running:
            speed = try number(m["speed_mps"], "\(path).speed_mps", GaitModel.runSpeedRangeMps, unit: "m/s for running", parent: node)
        case .walking:
            speed = try number(m["speed_mps"], "\(path).speed_mps", GaitModel.walkSpeedRangeMps, unit: "m/s for walking", parent: node)
        case .standing:
            speed = try optionalNumber(m["speed_mps"], "\(path).speed_mps", 0...0, unit: "m/s when standing") ?? 0
        }
        let slope = try optionalNumber(m["slope_pct"], "\(path).slope_pct", -25...25, unit: "percent grade") ?? 0
        let duration = try number(m["duration_min"], "\(path).duration_min", 0.01...1440, unit: "minutes", parent: node)
        var cadence: Double?
        if m["cadence_spm"] != nil {
            let range: ClosedRange<Double> = activity == .walking ? 80...140 : GaitModel.runCadenceRangeSpm
            cadence = try optionalNumber(m["cadence_spm"], "\(path).cadence_spm", range, unit: "steps/min for \(activity.rawValue)")
        }
        return Segment(activity: activity, speedMps: speed, slopePct: slope, durationMin: duration, cadenceSpm: cadence)
    }

    func drift(_ node: Node, _ path: String) throws(ScenarioError) -> Drift {
        let m = try mapping(node, path, allowed: ["leg", "metric", "shape", "start_min", "over_min", "amount", "unit"])
        let leg = try choice(m["leg"], "\(path).leg", DriftLeg.self, parent: node)
        let metricAllowed = "one of " + GaitMetric.drivable.map(\.rawValue).joined(separator: ", ")
        guard let mn = m["metric"] else { throw fail(node, "\(path).metric", "(missing)", metricAllowed) }
        guard let metric = mn.string.flatMap(GaitMetric.init(rawValue:)), GaitMetric.drivable.contains(metric) else {
            throw fail(mn, "\(path).metric", text(mn), metricAllowed)
        }
        let shape = try choice(m["shape"], "\(path).shape", DriftShape.self, parent: node)
        let start = try number(m["start_min"], "\(path).start_min", 0...1440, unit: "minutes", parent: node)
        var over = 0.0
        if shape == .ramp {
            over = try number(m["over_min"], "\(path).over_min", 0.01...1440, unit: "minutes (a ramp needs a length)", parent: node)
        } else {
            over = try optionalNumber(m["over_min"], "\(path).over_min", 0...1440, unit: "minutes") ?? 0
        }
        let unit = try choice(m["unit"], "\(path).unit", DriftUnit.self, parent: node)
        let fits: [DriftUnit]
        switch metric {
        case .contactTime, .stepTime: fits = [.pct, .si, .ms]
        case .pta: fits = [.pct, .si, .g]
        case .loadingRate: fits = [.pct, .si, .gPerS]
        default: fits = [.pct, .si]
        }
        guard fits.contains(unit) else {
            throw fail(m["unit"], "\(path).unit", unit.rawValue, "for \(metric.rawValue) one of " + fits.map(\.rawValue).joined(separator: ", "))
        }
        let range: ClosedRange<Double>
        switch unit {
        case .pct: range = -50...50
        case .si: range = -30...30
        case .ms: range = -100...100
        case .g: range = -10...10
        case .gPerS: range = -5000...5000
        }
        let amount = try number(m["amount"], "\(path).amount", range, unit: unit.rawValue, parent: node)
        return Drift(leg: leg, metric: metric, shape: shape, startMin: start, overMin: over, amount: amount, unit: unit)
    }

    func sensor(_ node: Node, _ path: String, _ placement: Placement) throws(ScenarioError) -> SensorOptions {
        let m = try mapping(node, path, allowed: ["rotation_deg", "noise_g", "gyro_noise_dps", "loose_mount"])
        var options = SensorOptions.defaults(for: placement)
        if let r = m["rotation_deg"] {
            let allowed = "a list of three angles in degrees [roll, pitch, yaw]"
            guard case .sequence(let s) = r, s.count == 3 else { throw fail(r, "\(path).rotation_deg", text(r), allowed) }
            var angles: [Double] = []
            for (i, a) in s.enumerated() { angles.append(try number(a, "\(path).rotation_deg[\(i)]", -360...360, unit: "degrees")) }
            options.rotation = MountingRotation(rollDeg: angles[0], pitchDeg: angles[1], yawDeg: angles[2])
        }
        options.noiseG = try optionalNumber(m["noise_g"], "\(path).noise_g", 0...5, unit: "g") ?? 0
        options.gyroNoiseDps = try optionalNumber(m["gyro_noise_dps"], "\(path).gyro_noise_dps", 0...100, unit: "deg/s") ?? 0
        if let l = m["loose_mount"] {
            if let b = l.bool {
                options.looseMount = b ? .typical : nil
            } else {
                let lm = try mapping(l, "\(path).loose_mount", allowed: ["resonance_hz", "gain", "decay_s", "extra_noise_g"])
                let t = LooseMount.typical
                options.looseMount = LooseMount(
                    resonanceHz: try optionalNumber(lm["resonance_hz"], "\(path).loose_mount.resonance_hz", 5...200, unit: "Hz") ?? t.resonanceHz,
                    gain: try optionalNumber(lm["gain"], "\(path).loose_mount.gain", 0...2, unit: "(fraction of the impact)") ?? t.gain,
                    decayS: try optionalNumber(lm["decay_s"], "\(path).loose_mount.decay_s", 0.001...0.5, unit: "s") ?? t.decayS,
                    extraNoiseG: try optionalNumber(lm["extra_noise_g"], "\(path).loose_mount.extra_noise_g", 0...5, unit: "g") ?? t.extraNoiseG)
            }
        }
        return options
    }
}
