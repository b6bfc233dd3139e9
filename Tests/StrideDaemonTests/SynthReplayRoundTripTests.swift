import Foundation
import Testing

// `strideguard synth` then `strideguard replay` on its files, through the built binary: the
// files each writes have the documented columns (config/scenarios/README.md, docs/REPLAY.md),
// and the core's strides read back from replay's strides.csv agree with synth's own truth.

private let steady = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("config/scenarios/steady-symmetric.yaml").path

/// A CSV file's header and rows, each row by column name.
private struct CSVTable {
    var header: [String]
    var rows: [[String: String]]

    init(path: String) throws {
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").map(String.init)
        let names = lines.first.map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) } ?? []
        header = names
        rows = lines.dropFirst().map { line in
            let cells = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            var row: [String: String] = [:]
            for (name, cell) in zip(names, cells) { row[name] = cell }
            return row
        }
    }

    func numbers(_ column: String, where keep: ([String: String]) -> Bool = { _ in true }) -> [Double] {
        rows.filter(keep).compactMap { $0[column].flatMap(Double.init) }
    }
}

private func median(_ xs: [Double]) -> Double {
    let s = xs.sorted()
    return s.isEmpty ? .nan : (s[(s.count - 1) / 2] + s[s.count / 2]) / 2
}

@Suite("synth and replay, end to end", .enabled(if: builtStrideguard != nil, "strideguard is not built next to the tests"))
struct SynthReplayRoundTripTests {
    @Test func replayOfSynthsShankFilesFindsSynthsStrides() throws {
        let dir = RunStoreTempDirectory()
        let synthOut = dir.path + "/synth", replayOut = dir.path + "/replay"
        let synth = try runStrideguard(["synth", "--scenario", steady, "--minutes", "1.5", "--rate", "800",
                                        "--placements", "left-shank,right-shank", "--out", synthOut])
        #expect(synth.status == 0, "synth: \(synth.stderr)")

        let left = try CSVTable(path: synthOut + "/left-shank.csv")
        #expect(left.header == ["time_s", "ax_g", "ay_g", "az_g", "gx_dps", "gy_dps", "gz_dps"])
        #expect(left.rows.count > 70 * 800, "1.5 min at 800 Hz: \(left.rows.count) rows")
        #expect(!FileManager.default.fileExists(atPath: synthOut + "/sacrum.csv"), "only the placements asked for")
        let truth = try CSVTable(path: synthOut + "/strides.csv")
        #expect(Array(truth.header.prefix(4)) == ["side", "ic_s", "to_s", "next_ic_s"])
        for file in ["events.csv", "si.csv", "drifts.csv"] {
            #expect(FileManager.default.fileExists(atPath: synthOut + "/" + file), "synth wrote \(file)")
        }

        let replay = try runStrideguard(["replay", "--csv", "left-shank=" + synthOut + "/left-shank.csv",
                                         "--csv", "right-shank=" + synthOut + "/right-shank.csv", "--out", replayOut])
        #expect(replay.status == 0, "replay: \(replay.stderr)")
        let strides = try CSVTable(path: replayOut + "/strides.csv")
        let windows = try CSVTable(path: replayOut + "/windows.csv")
        let alerts = try CSVTable(path: replayOut + "/alerts.csv")
        #expect(strides.header.joined(separator: ",") == "side,index,start_s,end_s,stride_time_s,step_time_s,contact_time_s,flight_time_s,duty_factor,pta_g,loading_rate_g_per_s,raw_peak_g,clipped,good,quality")
        #expect(Array(windows.header.prefix(5)) == ["start_s", "end_s", "window_steps", "left_strides", "right_strides"])
        #expect(windows.header.contains("si_contact_time_pct") && windows.header.contains("si_pta_pct"))
        #expect(alerts.header.first == "time_s" && alerts.header.contains("onset_s"))

        for side in ["left", "right"] {
            let good: ([String: String]) -> Bool = { $0["side"] == side && $0["good"] == "1" }
            let running: ([String: String]) -> Bool = { $0["side"] == side && $0["activity"] == "running" }
            let measured = strides.numbers("contact_time_s", where: good)
            let actual = truth.numbers("contact_time_s", where: running)
            #expect(measured.count >= 80, "\(side): \(measured.count) good strides in 1.5 min")
            // The core's contact time agrees with the runner's to within a few ms (the
            // shank targets in CoreOnRunnerTests measure it stride by stride).
            let gap = abs(median(measured) - median(actual)) * 1000
            #expect(gap < 5, "\(side): median contact time \(median(measured)) s measured, \(median(actual)) s true")
            let stride = abs(median(strides.numbers("stride_time_s", where: good)) - median(truth.numbers("stride_time_s", where: running))) * 1000
            #expect(stride < 2, "\(side): median stride time differs by \(stride) ms")
        }
        // Windows of 32 steps come every 8 steps once 16 good strides a leg are in; the SI of
        // a symmetric runner stays near 0 (healthy contact-time asymmetry is under 1 %).
        let si = windows.numbers("si_contact_time_pct")
        #expect(si.count >= 10, "\(si.count) windows")
        #expect(si.allSatisfy { abs($0) < 5 }, "contact-time SI per window: \(si)")
        // 1.5 minutes is inside the warm-up: no baseline, so no alert.
        #expect(alerts.rows.isEmpty)
    }
}
