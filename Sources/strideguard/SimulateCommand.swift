import ArgumentParser
import DaemonSimulation
import Foundation
import HardwareSim
import Logging
import StrideDaemon

/// `strideguard simulate`: the whole daemon on the virtual runner, no device needed.
struct SimulateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate",
        abstract: "Run the daemon on a simulated runner (no device needed).",
        discussion: """
            The same daemon code as `strideguard run`, with simulated chips on a simulated \
            I2C bus instead of the board's: the scenario's virtual runner feeds an ADXL375 \
            on each shank (and an LSM6DSO32 at the sacrum with --sacrum); the buzzer is a \
            simulated GPIO line. Prints a live line as the run goes, writes a run record, \
            and with --json ends with a summary against the runner's ground truth.

            Scenarios: config/scenarios/*.yaml (format in config/scenarios/README.md).

            Faults: --faults random injects, at random but reproducibly from --fault-seed, \
            one fault at a time, starting a minute in, with 20-60 s of quiet between the first \
            four (one of each kind, in random order) and 40-200 s after that: \
            a shank sensor lost for 3-60 s and back, an acquisition stall of 0.1-1.5 s (the \
            FIFOs overrun), a burst of bus errors (1-10 % of transfers for 5-60 s), and a \
            full disk for 20-180 s (the run record pauses and resumes). The schedule is printed to standard error before \
            the run ("fault: at 312.4 s: ..."); with --json the summary's "daemon" part lists \
            each fault with the run-clock time it was applied.

            Examples:
              strideguard simulate --scenario config/scenarios/fatigue-ramp-left.yaml
              strideguard simulate --scenario config/scenarios/steady-symmetric.yaml --minutes 5 --json
              strideguard simulate --scenario config/scenarios/hills.yaml --realtime
              strideguard simulate --scenario config/scenarios/long-symmetric-8h.yaml --minutes 60 --faults random --fault-seed 7 --json
            """
    )

    @Option(help: "Scenario file (YAML).")
    var scenario: String

    @Flag(help: "Run at real time (as on the board) instead of as fast as possible.")
    var realtime = false

    @Option(help: "Run at N times real time.")
    var speed: Double?

    @Option(help: "Simulate only the first N minutes of the scenario.")
    var minutes: Double?

    @Option(help: "Daemon configuration file (default: the README's wiring). Sensors must be at the simulated addresses 0x53, 0x1d (ADXL375) and 0x6a (LSM6DSO32).")
    var config: String?

    @Flag(help: "Add the sacrum sensor (LSM6DSO32) to the default configuration.")
    var sacrum = false

    @Option(help: "Where to write the run record.")
    var runDir = "runs"

    @Option(name: .customLong("tag"), help: "A tag for the run record, key=value (repeatable), e.g. --tag shoes=trail.")
    var tags: [String] = []

    @Flag(help: "End with a JSON summary against the ground truth.")
    var json = false

    @Option(help: "Print the live line every N simulated seconds (default 60; 1 with --realtime).")
    var statusEvery: Double?

    @Flag(help: "Do not store raw samples in the run record (analysis only).")
    var noSamples = false

    @Option(help: "Inject faults: 'none' (default) or 'random' (see below).")
    var faults = "none"

    @Option(help: "Seed of the random fault schedule (default: chosen at random and printed).")
    var faultSeed: UInt64?

    func validate() throws {
        if realtime && speed != nil { throw ValidationError("--realtime and --speed cannot be used together") }
        if let speed, !(speed > 0) { throw ValidationError("--speed must be a positive number, got \(speed)") }
        if let minutes, !(minutes > 0) { throw ValidationError("--minutes must be a positive number, got \(minutes)") }
        if let statusEvery, !(statusEvery > 0) { throw ValidationError("--status-every must be positive, got \(statusEvery)") }
        guard ["none", "random"].contains(faults) else { throw ValidationError("--faults must be 'none' or 'random', got '\(faults)'") }
        if faultSeed != nil && faults != "random" { throw ValidationError("--fault-seed needs --faults random") }
        _ = try parseTags(tags)
    }

    func run() throws {
        let scenarioValue: Scenario
        do {
            scenarioValue = try ScenarioParser.load(path: scenario)
        } catch {
            printError("\(error)")
            throw ExitCode(error.exitStatus)
        }
        var configuration: DaemonConfiguration
        var yaml = ""
        if let config {
            do {
                let loaded = try ConfigurationLoader().loadValid(path: config)
                configuration = loaded.configuration
                for warning in loaded.warnings { printError("\(warning)") }
            } catch {
                printError("\(error)")
                throw ExitCode(DaemonExitStatus.configurationError)
            }
            yaml = (try? String(contentsOfFile: config, encoding: .utf8)) ?? ""
            configuration.runDirectory = runDir
        } else {
            configuration = SimulatedWearable.defaultConfiguration(runDirectory: runDir, withSacrum: sacrum)
        }
        do {
            try FileManager.default.createDirectory(atPath: runDir, withIntermediateDirectories: true)
        } catch {
            printError("cannot create the run directory \(runDir): \(error.localizedDescription)")
            throw ExitCode(73)
        }
        // Notices too with --json (the summary is on stdout, the log on stderr): a reload's
        // outcome is a notice, and scripts/soak.sh waits for it after each SIGHUP.
        let level: Logger.Level = .notice
        let logger = Logger(label: "strideguard") { JournalLogHandler(label: $0, level: level, forJournal: false) }
        let wearable = SimulatedWearable(scenario: scenarioValue, configuration: configuration, tags: try parseTags(tags),
                                         configurationYAML: yaml, recordSamples: !noSamples, logger: logger)
        let pace = realtime ? 1.0 : speed
        let every = statusEvery ?? (pace != nil ? 1 : 60)
        var lastPrinted = -every
        wearable.daemon.onStatus = { status in
            guard status.elapsedSeconds - lastPrinted >= every - 1e-6 else { return }
            lastPrinted = status.elapsedSeconds
            if !json {
                print(status.line)
                fflush(nil)  // a live line is for now, also through a pipe (tee, a test watching the process)
            }
        }
        // Before start: a SIGTERM during start-up then stops the run cleanly instead of killing it.
        let signals = SignalFlags()
        do {
            try wearable.start()
        } catch {
            printError("\(error)")
            throw ExitCode(error.exitStatus)
        }
        let seed = faults == "random" ? (faultSeed ?? UInt64.random(in: 1...999_999)) : nil
        if let seed {
            let seconds = minutes.map { $0 * 60 } ?? wearable.runner.seconds(wearable.runner.endNs)
            let schedule = FaultSchedule.random(seed: seed, seconds: seconds,
                                                addresses: configuration.sensors.filter { $0.placement != .sacrum }.map(\.address))
            printError("fault schedule: seed \(seed), \(schedule.faults.count) faults over \(Int(seconds)) s (times from the daemon's start)")
            for fault in schedule.faults { printError("fault: \(fault.description)") }
            wearable.faultInjector = FaultInjector(schedule: schedule, originNs: wearable.rig.clock.nowNs)
        }
        let wallStart = DispatchTime.now().uptimeNanoseconds
        var running = configuration
        var reloads = (applied: 0, refused: 0)
        wearable.run(seconds: minutes.map { $0 * 60 }, speed: pace, shouldStop: {
            if signals.takeReloadRequest() {
                let outcome = reload(wearable.daemon, running: running, logger: logger)
                if let outcome { reloads.applied += 1 } else if config != nil { reloads.refused += 1 }
                running = outcome ?? running
                wearable.longestPatternOnMs = max(wearable.longestPatternOnMs, RunFigures.longestOnStepMs(running.patterns))
            }
            return signals.stopRequested
        })
        let wall = Double(DispatchTime.now().uptimeNanoseconds - wallStart) / 1e9
        wearable.stop(reason: signals.stopRequested ? "interrupted" : "end of scenario")
        var score = wearable.score(wallSeconds: wall, faultSeed: seed)
        score.daemon?.reloadsApplied = reloads.applied
        score.daemon?.reloadsRefused = reloads.refused
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            if let data = try? encoder.encode(score), let text = String(data: data, encoding: .utf8) { print(text) }
        } else {
            print(SimulationReport.lines(score, runRecord: wearable.daemon.runRecordPath).joined(separator: "\n"))
        }
    }

    /// SIGHUP with --config: validate the file again; apply what can change live (as
    /// `strideguard run` does), keep the running configuration if the file is bad. Without
    /// --config there is no file to reload: say so.
    /// Returns the configuration running afterwards, nil when the reload was refused or ignored.
    private func reload(_ daemon: Daemon, running: DaemonConfiguration, logger: Logger) -> DaemonConfiguration? {
        guard let config else {
            logger.warning("SIGHUP ignored: no --config file to reload (the default configuration is built in)")
            return nil
        }
        do {
            var reloaded = try ConfigurationLoader().loadValid(path: config).configuration
            reloaded.runDirectory = running.runDirectory  // --run-dir wins, as at start
            let plan = ReloadPlan(running: running, reloaded: reloaded)
            daemon.applyLive(plan.configuration)
            let live = plan.live.isEmpty ? "nothing" : plan.live.joined(separator: ", ")
            logger.notice("configuration reloaded: applied \(live)")
            if !plan.needingRestart.isEmpty {
                logger.warning("changed but needing a restart of the simulation: \(plan.needingRestart.joined(separator: ", "))")
            }
            return plan.configuration
        } catch {
            logger.error("configuration reload refused, keeping the running one: \(error)")
            return nil
        }
    }
}

/// `key=value` tags; the key may not be empty.
func parseTags(_ tags: [String]) throws -> [(key: String, value: String)] {
    try tags.map { tag in
        guard let eq = tag.firstIndex(of: "="), eq != tag.startIndex else {
            throw ValidationError("--tag wants key=value, got '\(tag)'")
        }
        return (String(tag[..<eq]), String(tag[tag.index(after: eq)...]))
    }
}

/// Writes a line to standard error.
func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

extension ScenarioError {
    /// Exit status of a command whose scenario file failed to load (sysexits): 66 when it
    /// could not be read at all, 65 when it was read and found wrong.
    var exitStatus: Int32 { fileUnreadable ? 66 : 65 }
}
