import ArgumentParser
import Foundation
import StrideCore
import StrideDaemon

/// `strideguard replay --csv FILE`: the core over a recording CSV.
struct ReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Run the stride core over a recording CSV; write events, strides, windows and alerts as CSV.",
        discussion: """
            A column mapping says which column is which placement and axis:
              --column PLACEMENT.AXIS=COLUMN   PLACEMENT: left-shank, right-shank, sacrum
                AXIS: x, y, z (sensor frame: gravity calibration finds the body axes), or
                      v / axial, ap, ml (body frame: sacrum vertical / shank axial, + up;
                      antero-posterior, + forward; medio-lateral, + left);
                      gyro.x ... for the angular rate. A leading '-' on COLUMN negates it.
            Units apply to every column: --units g|m/s2, --gyro-units deg/s|rad/s,
            --time COLUMN (default time_s), --time-unit s|ms. --rate HZ (default: from the
            time column). --mounting PLACEMENT=UP,FORWARD names the sensor axes that point
            up and forward (sensor frame; default x,y). --mapping FILE holds the same
            options one per line ("column sacrum.v=acc_v_g"). Several files: bind each to
            its placement, --csv left-shank=L.csv; a bound file with no --column for its
            placement is read in strideguard synth's layout (ax_g ... gz_dps).
            Formats and examples: docs/REPLAY.md.

            Examples:
              strideguard replay --csv trial01.csv --column sacrum.v=acc_v_g --column sacrum.ap=acc_ap_g --out out
              strideguard replay --csv walk.csv --units m/s2 --column sacrum.x=acc_x --column sacrum.y=acc_y \\
                  --column sacrum.z=acc_z --mounting sacrum=x,z --out out
              strideguard replay --csv left-shank=synth/left-shank.csv --csv right-shank=synth/right-shank.csv --out out
            Exit status: 0 done, 64 bad options, 65 bad data, 66 missing input, 73 cannot write.
            """
    )

    @Option(name: .customLong("csv"), help: "Recording CSV, or PLACEMENT=FILE (repeatable).")
    var csv: [String] = []

    @Option(help: "Mapping file: the options below, one per line.")
    var mapping: String?

    @Option(name: .customLong("column"), help: "PLACEMENT.AXIS=COLUMN (repeatable).")
    var columns: [String] = []

    @Option(help: "Time column (default time_s).")
    var time: String?

    @Option(name: .customLong("time-unit"), help: "s or ms (default s).")
    var timeUnit: String?

    @Option(help: "Acceleration unit: g or m/s2 (default g).")
    var units: String?

    @Option(name: .customLong("gyro-units"), help: "Angular-rate unit: deg/s or rad/s (default deg/s).")
    var gyroUnits: String?

    @Option(help: "Sample rate, Hz (default: estimated from the time column).")
    var rate: String?

    @Option(name: .customLong("mounting"), help: "PLACEMENT=UP,FORWARD sensor axes, e.g. sacrum=x,z (repeatable).")
    var mountings: [String] = []

    @Option(help: "Output folder (created). Without it, only a summary is printed.")
    var out: String?

    func run() throws {
        do throws(ReplayError) {
            let map = try buildMapping()
            let recording = try RecordingCSVReader.read(map)
            let result = Replay.run(recording)
            if let out { try Replay.write(result, recording: recording, to: out) }
            let ics = result.events.filter { $0.kind == .initialContact }.count
            let good = result.strides.filter { $0.quality.isGood }.count
            let tracks = recording.tracks.map { "\($0.placement.rawValue) \($0.samples.count) samples at \(Int($0.sampleRateHz.rounded())) Hz" }
            print("replay: \(tracks.joined(separator: "; ")): \(ics) initial contacts, \(result.events.count - ics) toe-offs, "
                + "\(result.strides.count) strides (\(good) good), \(result.windows.count) windows, \(result.alerts.count) alerts"
                + (out.map { " -> \($0)" } ?? ""))
            for change in result.mountChanges where change.looseSuspected {
                print("replay: warning: \(change.placement.rawValue): the strap looks loose from \(String(format: "%.1f", (Double(change.timeNs) - Double(recording.tracks.first?.samples.first?.timeNs ?? 0)) / 1e9)) s (the signal rings after most impacts); that leg's PTA reads high")
            }
            if result.lateEvents > 0 { print("replay: warning: \(result.lateEvents) events came too late to merge and were dropped") }
        } catch {
            FileHandle.standardError.write(Data("strideguard replay: \(error.description)\n".utf8))
            throw ExitCode(error.exitCode)
        }
    }

    func buildMapping() throws(ReplayError) -> ReplayMapping {
        var m = ReplayMapping()
        if let mapping {
            guard let data = FileManager.default.contents(atPath: mapping) else {
                throw .noInput(file: mapping, reason: "no such mapping file (or unreadable)")
            }
            try m.apply(mappingText: String(decoding: data, as: UTF8.self), file: mapping)
        }
        for f in csv { try m.apply(option: "csv", value: f, origin: "--csv") }
        if let time { try m.apply(option: "time", value: time, origin: "--time") }
        if let timeUnit { try m.apply(option: "time-unit", value: timeUnit, origin: "--time-unit") }
        if let units { try m.apply(option: "units", value: units, origin: "--units") }
        if let gyroUnits { try m.apply(option: "gyro-units", value: gyroUnits, origin: "--gyro-units") }
        if let rate { try m.apply(option: "rate", value: rate, origin: "--rate") }
        for c in columns { try m.apply(option: "column", value: c, origin: "--column") }
        for x in mountings { try m.apply(option: "mounting", value: x, origin: "--mounting") }
        return m
    }
}
