import ArgumentParser
import Foundation
import HardwareSim
import StrideCore

/// `strideguard synth`: a virtual run's raw sensor signals and its ground truth, as CSV.
struct SynthCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "synth",
        abstract: "Synthesise a run from a scenario: raw sensor signals and ground truth as CSV.",
        discussion: """
            Runs the virtual runner over a scenario (config/scenarios/*.yaml, format in \
            config/scenarios/README.md) and writes, into the output folder:
              <placement>.csv   time_s, ax_g, ay_g, az_g, gx_dps, gy_dps, gz_dps (sensor frame, gravity included)
              events.csv        every initial contact and toe-off per leg
              strides.csv       per-stride true metrics per leg
              si.csv            the true symmetry index of each metric, once a second
              drifts.csv        every drift and its true onset
            Times are seconds from the start of the run. The signals are the true ones: no chip
            range, quantisation or clipping (the simulated chips add those).

            Examples:
              strideguard synth --scenario config/scenarios/fatigue-ramp-left.yaml
              strideguard synth --scenario config/scenarios/hills.yaml --out /tmp/hills --rate 1000 --placements left-shank,right-shank
              strideguard synth --scenario config/scenarios/steady-symmetric.yaml --minutes 2
            """
    )

    @Option(help: "The scenario file (YAML).")
    var scenario: String

    @Option(help: "Output folder (created if needed). Default: synth-<scenario name>.")
    var out: String?

    @Option(help: "Sample rate of the signal files, Hz (1 to 10000).")
    var rate: Double = 800

    @Option(help: "Placements to write, comma-separated: left-shank, right-shank, sacrum. Default: all three.")
    var placements: String = Placement.allCases.map(\.rawValue).joined(separator: ",")

    @Option(help: "Write only the first N minutes of the run.")
    var minutes: Double?

    func parsedPlacements() throws -> [Placement] {
        var out: [Placement] = []
        for name in placements.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !name.isEmpty {
            guard let p = Placement(rawValue: name) else {
                throw ValidationError("--placements: '\(name)' is not a placement; expected left-shank, right-shank or sacrum")
            }
            if !out.contains(p) { out.append(p) }
        }
        guard !out.isEmpty else { throw ValidationError("--placements: name at least one of left-shank, right-shank, sacrum") }
        return out
    }

    func validate() throws {
        guard rate.isFinite, (1...10_000).contains(rate) else {
            throw ValidationError("--rate: '\(rate)' is not allowed; expected 1 to 10000 Hz")
        }
        if let minutes, !(minutes.isFinite && minutes > 0) {
            throw ValidationError("--minutes: '\(minutes)' is not allowed; expected a positive number of minutes")
        }
        _ = try parsedPlacements()
    }

    func run() throws {
        let parsed: Scenario
        do {
            parsed = try ScenarioParser.load(path: scenario)
        } catch {
            FileHandle.standardError.write(Data("strideguard synth: \(error.description)\n".utf8))
            throw ExitCode(error.exitStatus)
        }
        let folder = out ?? "synth-\(parsed.name)"
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            FileHandle.standardError.write(Data("strideguard synth: cannot create \(folder): \(error.localizedDescription)\n".utf8))
            throw ExitCode(73)  // EX_CANTCREAT
        }
        let runner = VirtualRunner(scenario: parsed)
        let durationS = min(parsed.durationS, (minutes ?? .infinity) * 60)
        do {
            try writeSignals(runner, placements: try parsedPlacements(), durationS: durationS, folder: folder)
            let counts = try writeTruth(runner, durationS: durationS, folder: folder)
            print("\(folder): \(Int(durationS)) s of \(parsed.name) at \(rate) Hz; \(counts.events) events, \(counts.strides) strides")
        } catch let error as CSVWriter.Failure {
            FileHandle.standardError.write(Data("strideguard synth: \(error.message)\n".utf8))
            throw ExitCode(73)  // EX_CANTCREAT: an output file could not be written
        }
    }

    private func writeSignals(_ runner: VirtualRunner, placements: [Placement], durationS: Double, folder: String) throws {
        let count = Int((durationS * rate).rounded(.down))
        for placement in placements {
            let source = runner.source(for: placement)
            let writer = try CSVWriter(path: "\(folder)/\(placement.rawValue).csv")
            writer.line("time_s,ax_g,ay_g,az_g,gx_dps,gy_dps,gz_dps")
            for k in 0...count {
                let t = Double(k) / rate
                let s = source.sample(atNs: runner.ns(t))
                writer.fixed(t, 6); writer.comma()
                writer.fixed(Double(s.accel.x), 5); writer.comma()
                writer.fixed(Double(s.accel.y), 5); writer.comma()
                writer.fixed(Double(s.accel.z), 5); writer.comma()
                writer.fixed(Double(s.gyro.x), 3); writer.comma()
                writer.fixed(Double(s.gyro.y), 3); writer.comma()
                writer.fixed(Double(s.gyro.z), 3); writer.newline()
            }
            try writer.close()
        }
    }

    private func writeTruth(_ runner: VirtualRunner, durationS: Double, folder: String) throws -> (events: Int, strides: Int) {
        let events = try CSVWriter(path: "\(folder)/events.csv")
        events.line("time_s,side,kind,peak_g,loading_rate_g_per_s")
        let strides = try CSVWriter(path: "\(folder)/strides.csv")
        strides.line("side,ic_s,to_s,next_ic_s,stride_time_s,step_time_s,contact_time_s,flight_time_s,duty_factor,pta_g,loading_rate_g_per_s,activity,speed_mps,slope_pct,steady")
        var nEvents = 0, nStrides = 0
        var stream = runner.groundTruth()
        let endNs = runner.ns(durationS)
        func sideName(_ s: Side) -> String { s == .left ? "left" : s == .right ? "right" : s == .stepA ? "A" : "B" }
        loop: while let item = stream.next() {
            switch item {
            case .event(let e):
                if e.timeNs > endNs { break loop }
                events.fixed(runner.seconds(e.timeNs), 6); events.comma()
                events.text(sideName(e.side)); events.comma()
                events.text(e.kind == .initialContact ? "IC" : "TO"); events.comma()
                if e.kind == .initialContact {
                    events.fixed(Double(e.peakG), 3); events.comma()
                    events.fixed(Double(e.loadingRateGPerS), 1)
                } else {
                    events.comma()
                }
                events.newline()
                nEvents += 1
            case .stride(let s):
                if s.nextICNs > endNs { continue }
                strides.text(sideName(s.side)); strides.comma()
                strides.fixed(runner.seconds(s.icNs), 6); strides.comma()
                strides.fixed(runner.seconds(s.toNs), 6); strides.comma()
                strides.fixed(runner.seconds(s.nextICNs), 6); strides.comma()
                strides.fixed(s.strideTimeS, 6); strides.comma()
                strides.fixed(s.stepTimeS, 6); strides.comma()
                strides.fixed(s.contactTimeS, 6); strides.comma()
                strides.fixed(s.flightTimeS, 6); strides.comma()
                strides.fixed(s.dutyFactor, 4); strides.comma()
                strides.fixed(s.ptaG, 3); strides.comma()
                strides.fixed(s.loadingRateGPerS, 1); strides.comma()
                strides.text(s.activity.rawValue); strides.comma()
                strides.fixed(s.speedMps, 2); strides.comma()
                strides.fixed(s.slopePct, 1); strides.comma()
                strides.text(s.steady ? "1" : "0"); strides.newline()
                nStrides += 1
            }
        }
        try events.close()
        try strides.close()

        let si = try CSVWriter(path: "\(folder)/si.csv")
        let metrics = GaitMetric.allCases
        si.line("time_s,activity," + metrics.map { "si_\($0.rawValue)" }.joined(separator: ","))
        var t = 0.0
        while t <= durationS {
            let ns = runner.ns(t)
            si.fixed(t, 1); si.comma()
            si.text(runner.scenario.segment(atS: t).segment.activity.rawValue)
            for m in metrics {
                si.comma()
                if let v = runner.trueSymmetryIndex(m, atNs: ns) { si.fixed(v, 4) }
            }
            si.newline()
            t += 1
        }
        try si.close()

        let drifts = try CSVWriter(path: "\(folder)/drifts.csv")
        drifts.line("leg,metric,shape,start_s,full_s,amount,unit")
        for d in runner.driftOnsets {
            drifts.line("\(d.leg.rawValue),\(d.metric.rawValue),\(d.shape.rawValue),\(runner.seconds(d.startNs)),\(runner.seconds(d.fullNs)),\(d.amount),\(d.unit.rawValue)")
        }
        try drifts.close()
        return (nEvents, nStrides)
    }
}

/// A buffered CSV file writer with a fast fixed-point number formatter (millions of rows).
final class CSVWriter {
    struct Failure: Error { var message: String }

    private let handle: FileHandle
    private let path: String
    private var buffer: [UInt8] = []
    private static let flushBytes = 1 << 20

    init(path: String) throws {
        guard FileManager.default.createFile(atPath: path, contents: nil), let h = FileHandle(forWritingAtPath: path) else {
            throw Failure(message: "cannot write \(path)")
        }
        handle = h
        self.path = path
        buffer.reserveCapacity(Self.flushBytes + 256)
    }

    func text(_ s: String) { buffer.append(contentsOf: s.utf8) }
    func comma() { buffer.append(UInt8(ascii: ",")) }
    func line(_ s: String) { text(s); newline() }

    func newline() {
        buffer.append(UInt8(ascii: "\n"))
        if buffer.count >= Self.flushBytes { flush() }
    }

    /// `x` with `decimals` digits after the point.
    func fixed(_ x: Double, _ decimals: Int) {
        guard x.isFinite else { text("nan"); return }
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let scaled = (abs(x) * scale).rounded()
        guard scaled < 9e17 else { text(String(x)); return }
        var n = UInt64(scaled)
        if x < 0 && n > 0 { buffer.append(UInt8(ascii: "-")) }
        var digits: [UInt8] = []
        digits.reserveCapacity(24)
        var i = 0
        repeat {
            digits.append(UInt8(ascii: "0") + UInt8(n % 10))
            n /= 10
            i += 1
            if i == decimals { digits.append(UInt8(ascii: ".")) }
        } while n > 0 || i <= decimals
        buffer.append(contentsOf: digits.reversed())
    }

    private func flush() {
        handle.write(Data(buffer))
        buffer.removeAll(keepingCapacity: true)
    }

    func close() throws {
        flush()
        do { try handle.close() } catch { throw Failure(message: "cannot close \(path): \(error.localizedDescription)") }
    }
}
