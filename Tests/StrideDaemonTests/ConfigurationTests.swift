import Foundation
import Hardware
import Logging
import StrideCore
import Testing
@testable import StrideDaemon

/// The repository's root, found from this file's path.
private let repositoryRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
private let defaultFilePath = repositoryRoot.appendingPathComponent("config/strideguard.yaml").path
private let badFolder = repositoryRoot.appendingPathComponent("config/bad")

/// The bad files in config/bad.
private let badFiles: [String] = ((try? FileManager.default.contentsOfDirectory(atPath: badFolder.path)) ?? [])
    .filter { $0.hasSuffix(".yaml") }.sorted()

/// A file's `# expect: KEY | TEXT` lines.
private func expectations(in path: String) -> [(key: String, text: String)] {
    let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
    return text.split(separator: "\n").compactMap { line in
        guard line.hasPrefix("# expect:") else { return nil }
        let body = line.dropFirst("# expect:".count)
        let parts = body.split(separator: "|", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
        guard parts.count == 2 else { return nil }
        return (parts[0], parts[1])
    }
}

@Suite("Configuration")
struct ConfigurationTests {
    @Test("the default file loads, validates without warnings, and is the README's wiring")
    func defaultFile() throws {
        let report = ConfigurationLoader(environment: [:]).load(path: defaultFilePath)
        #expect(report.problems.isEmpty, "\(report.problems.map(\.description).joined(separator: "\n"))")
        let configuration = try report.validConfiguration()
        let readme = DaemonConfiguration.readmeWiring
        #expect(configuration.sensors == readme.sensors)
        #expect(configuration.buzzer == readme.buzzer)
        #expect(configuration.patterns == BuzzerPattern.defaults)
        #expect(configuration.core == CoreSettings())
        #expect(configuration.runDirectory == "/var/lib/strideguard")
        #expect(configuration.logLevel == .info)
        #expect(configuration.busSettings(for: "/dev/i2c-1") == BusSettings(clockHz: 400_000, maxReadLength: 4096))
        let summary = configuration.summaryLines.joined(separator: "\n")
        #expect(summary.contains("left: left-shank, ADXL375 at 0x53 on /dev/i2c-1, 800 Hz, ±200 g, watermark 16 (every 20 ms), INT1 → /dev/gpiochip0 line 17"))
        #expect(summary.contains("/dev/i2c-1: 2 sensors (adxl375 at 800 Hz, adxl375 at 800 Hz) need"))
        #expect(summary.contains("buzzer: /dev/gpiochip0 line 18, active high"))
    }

    @Test("the README's wiring in code validates cleanly")
    func readmeWiring() {
        #expect(DaemonConfiguration.readmeWiring.validate().isEmpty)
    }

    @Test("core settings map onto the stride analyser's configuration")
    func coreMapping() {
        let core = CoreSettings(windowSteps: 40, warmupMinutes: 2, baselineMinutes: 5, sensitivity: 2)
        let analyzer = core.analyzerConfiguration()
        let defaults = StrideAnalyzerConfiguration()
        #expect(analyzer.windowSteps == 40)
        #expect(analyzer.baseline.warmupSeconds == 120)
        #expect(analyzer.baseline.learnSeconds == 300)
        for metric in StrideMetric.all {
            #expect(analyzer.thresholds.siRaisePoints[metric] == defaults.thresholds.siRaisePoints[metric].map { $0 / 2 })
        }
    }

    @Test("config/bad holds bad files, each with its expected messages")
    func badFilesExist() {
        #expect(badFiles.count >= 10)
        for file in badFiles {
            #expect(!expectations(in: badFolder.appendingPathComponent(file).path).isEmpty, "\(file) has no # expect: lines")
        }
    }

    @Test("each bad file is refused with its messages", arguments: badFiles)
    func badFile(_ name: String) {
        let path = badFolder.appendingPathComponent(name).path
        let report = ConfigurationLoader(environment: [:]).load(path: path)
        #expect(!report.isValid)
        #expect(!report.errors.isEmpty)
        for expected in expectations(in: path) {
            let found = report.problems.contains { $0.key == expected.key && $0.message.contains(expected.text) }
            #expect(found, "\(name): no problem at '\(expected.key)' saying '\(expected.text)'; got:\n\(report.problems.map(\.description).joined(separator: "\n"))")
        }
        // Every message names the file (or the variable) and, but for file-level ones, the key.
        for problem in report.problems where !problem.key.isEmpty {
            #expect(problem.description.hasPrefix("\(problem.severity == .warning ? "warning: " : "")\(path): \(problem.key): "))
        }
    }

    @Test("all problems are collected, not just the first")
    func collectsAll() {
        let report = ConfigurationLoader(environment: [:]).load(path: badFolder.appendingPathComponent("wrong-names.yaml").path)
        #expect(report.errors.count >= 4)
    }

    @Test("environment variables override the file")
    func environmentOverrides() throws {
        let environment = [
            "STRIDEGUARD_RUN_DIRECTORY": "/media/sd/strideguard",
            "STRIDEGUARD_LOG_LEVEL": "debug",
            "STRIDEGUARD_BUZZER_LINE": "23",
            "STRIDEGUARD_BUZZER_ACTIVE": "low",
            "STRIDEGUARD_SENSORS_LEFT_DATA_RATE_HZ": "1600",
            "STRIDEGUARD_SENSORS_RIGHT_ADDRESS": "0x53",
            "STRIDEGUARD_SENSORS_RIGHT_INTERRUPT_LINE": "22",
            "STRIDEGUARD_BUSES_I2C_1_CLOCK_HZ": "1000000",
            "STRIDEGUARD_PATTERNS_SENSORS_UP": "200,100,200",
            "STRIDEGUARD_CORE_SENSITIVITY": "1.5",
            "PATH": "/usr/bin",
        ]
        let report = ConfigurationLoader(environment: environment).load(path: defaultFilePath)
        // The right sensor now shares the left one's address: an error, attributed to the variable.
        let clash = report.errors.first { $0.key == "sensors.right.address" }
        #expect(clash?.source == "environment STRIDEGUARD_SENSORS_RIGHT_ADDRESS")
        #expect(clash?.description.hasPrefix("environment STRIDEGUARD_SENSORS_RIGHT_ADDRESS: sensors.right.address: 0x53 on /dev/i2c-1") == true)
        let configuration = try #require(report.configuration)
        #expect(configuration.runDirectory == "/media/sd/strideguard")
        #expect(configuration.logLevel == .debug)
        #expect(configuration.buzzer == BuzzerSettings(line: GPIOLineSettings(chip: "/dev/gpiochip0", line: 23), activeLevel: .low))
        #expect(configuration.sensors.first { $0.name == "left" }?.dataRateHz == 1600)
        #expect(configuration.sensors.first { $0.name == "right" }?.interrupt?.line == 22)
        #expect(configuration.busSettings(for: "/dev/i2c-1").clockHz == 1_000_000)
        #expect(configuration.patterns[.sensorsUp] == BuzzerPattern(alternatingMs: [200, 100, 200]))
        #expect(configuration.patterns[.leftCompensating] == BuzzerPattern.defaults[.leftCompensating])
        #expect(configuration.core.sensitivity == 1.5)
        #expect(report.source.environmentOverrides["buzzer.line"] == "STRIDEGUARD_BUZZER_LINE")
    }

    @Test("a bad value from the environment names the variable; an unknown variable is a warning")
    func environmentProblems() throws {
        let environment = ["STRIDEGUARD_BUZZER_LINE": "eighteen", "STRIDEGUARD_BUZER_ACTIVE": "low",
                           "STRIDEGUARD_SENSORS_SACRUM_CHIP": "lsm6dso32"]
        let report = ConfigurationLoader(environment: environment).load(path: defaultFilePath)
        let bad = try #require(report.errors.first { $0.key == "buzzer.line" })
        #expect(bad.description == "environment STRIDEGUARD_BUZZER_LINE: buzzer.line: 'eighteen' is not a whole number (GPIO line offset)")
        let typo = try #require(report.warnings.first { $0.source == "environment STRIDEGUARD_BUZER_ACTIVE" })
        #expect(typo.message.contains("did you mean STRIDEGUARD_BUZZER_ACTIVE?"))
        #expect(report.warnings.contains { $0.source == "environment STRIDEGUARD_SENSORS_SACRUM_CHIP" })
    }

    @Test("the buzzer can be switched off from a drop-in")
    func buzzerDisabled() throws {
        let report = ConfigurationLoader(environment: ["STRIDEGUARD_BUZZER_ENABLED": "false"]).load(path: defaultFilePath)
        #expect(try report.validConfiguration().buzzer == nil)
    }

    @Test("bus budget: two sensors at 1600 Hz overload a 100 kHz bus, and are tight on 400 kHz")
    func busBudget() {
        var configuration = DaemonConfiguration.readmeWiring
        for index in configuration.sensors.indices { configuration.sensors[index].dataRateHz = 1600 }
        configuration.buses["/dev/i2c-1"] = BusSettings(clockHz: 100_000)
        let overloaded = configuration.validate().filter { $0.key == "buses.i2c-1.clock_hz" }
        #expect(overloaded.count == 1)
        #expect(overloaded.first?.severity == .error)
        #expect(overloaded.first?.message.contains("/dev/i2c-1 is overloaded: 2 sensors (adxl375 at 1600 Hz, adxl375 at 1600 Hz) need") == true)
        #expect(overloaded.first?.message.contains("on a 100 kHz bus") == true)

        configuration.buses["/dev/i2c-1"] = BusSettings(clockHz: 400_000)
        let tight = configuration.validate().filter { $0.key == "buses.i2c-1.clock_hz" }
        #expect(tight.map(\.severity) == [.warning])
        #expect(tight.first?.message.contains("is tight") == true)
    }

    @Test("a rate the driver rounds up is a warning with the rate it will use")
    func roundedRate() {
        var configuration = DaemonConfiguration.readmeWiring
        configuration.sensors[0].dataRateHz = 1000
        let problems = configuration.validate()
        #expect(problems.map(\.severity) == [.warning])
        #expect(problems.first?.description == "warning: <built-in>: sensors.left.data_rate_hz: the ADXL375 has no 1000 Hz; "
                + "the driver will use 1600 Hz (allowed 100, 200, 400, 800, 1600, 3200)")
    }

    @Test("self_test defaults to on, can be switched off per sensor (a warning), and reaches the sensor spec")
    func selfTestKey() throws {
        let defaults = try ConfigurationLoader(environment: [:]).load(path: defaultFilePath).validConfiguration()
        #expect(defaults.sensors.allSatisfy { $0.selfTest })
        #expect(defaults.sensorSpecs.allSatisfy { $0.selfTest })

        // From a file.
        let text = try String(contentsOfFile: defaultFilePath, encoding: .utf8)
            .replacingOccurrences(of: "    address: 0x1d\n", with: "    address: 0x1d\n    self_test: false\n")
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("strideguard-self-test-\(getpid()).yaml")
        try text.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let report = ConfigurationLoader(environment: [:]).load(path: file.path)
        #expect(report.errors.isEmpty, "\(report.errors.map(\.description))")
        #expect(report.warnings.map(\.key) == ["sensors.right.self_test"])
        let configuration = try report.validConfiguration()
        #expect(configuration.sensors.first { $0.name == "left" }?.selfTest == true)
        #expect(configuration.sensors.first { $0.name == "right" }?.selfTest == false)
        #expect(configuration.sensorSpecs.map(\.selfTest) == configuration.sensors.map(\.selfTest))
        #expect(configuration.summaryLines.contains { $0.hasPrefix("  right:") && $0.hasSuffix(", self-test off") })

        // From the environment; a value that is not a boolean is an error naming the key.
        let overridden = ConfigurationLoader(environment: ["STRIDEGUARD_SENSORS_LEFT_SELF_TEST": "false"]).load(path: defaultFilePath)
        #expect(try overridden.validConfiguration().sensors.first { $0.name == "left" }?.selfTest == false)
        let bad = ConfigurationLoader(environment: ["STRIDEGUARD_SENSORS_LEFT_SELF_TEST": "perhaps"]).load(path: defaultFilePath)
        #expect(bad.errors.contains { $0.key == "sensors.left.self_test" })
    }

    @Test("an interrupt line left out means polling, with a warning")
    func polling() throws {
        var configuration = DaemonConfiguration.readmeWiring
        configuration.sensors[1].interrupt = nil
        let problems = configuration.validate()
        #expect(problems.count == 1)
        #expect(problems.first?.key == "sensors.right.interrupt.line")
        #expect(problems.first?.message.contains("polled every 20 ms") == true)
    }

    @Test("a missing file, a directory: one clear error and status 78")
    func unreadable() {
        let missing = ConfigurationCheck(path: "/nonexistent/strideguard.yaml", environment: [:])
        #expect(missing.status == 78)
        #expect(missing.diagnostics.first == "/nonexistent/strideguard.yaml: cannot read the configuration: no such file "
                + "(the commented default is config/strideguard.yaml in the repository)")
        let directory = ConfigurationCheck(path: badFolder.path, environment: [:])
        #expect(directory.status == DaemonExitStatus.configurationError)
        #expect(directory.diagnostics.first?.contains("it is a directory") == true)
    }

    @Test("check-config: 0 and a summary for the default file, 78 and every problem for a bad one")
    func check() {
        let good = ConfigurationCheck(path: defaultFilePath, environment: [:])
        #expect(good.status == 0)
        #expect(good.diagnostics.isEmpty)
        #expect(good.output.last == "\(defaultFilePath): valid")
        #expect(good.output.contains("run directory: /var/lib/strideguard"))
        let bad = ConfigurationCheck(path: badFolder.appendingPathComponent("bus-overloaded.yaml").path, environment: [:])
        #expect(bad.status == 78)
        #expect(bad.output.isEmpty)
        #expect(bad.diagnostics.count == bad.report.problems.count + 1)
    }

    @Test("values holding ', ' do not upset the key listing")
    func inventoryWithCommas() {
        let yaml = """
            sensors:
              left: {placement: left-shank, chip: adxl375, address: 0x53, interrupt: {line: 17}}
              right: {placement: right-shank, chip: adxl375, address: 0x1d, interrupt: {line: 27}}
            run_directory: "/var/lib/a, b"
            """
        let report = ConfigurationLoader(environment: [:]).load(yaml: yaml, file: "inline.yaml")
        #expect(report.isValid)
        #expect(report.problems.isEmpty, "\(report.problems.map(\.description).joined(separator: "\n"))")
        #expect(report.configuration?.runDirectory == "/var/lib/a, b")
    }
}

@Suite("Configuration reload")
struct ConfigurationReloadTests {
    @Test("patterns, sensitivity, alert timing and log level apply live")
    func live() {
        let running = DaemonConfiguration.readmeWiring
        var reloaded = running
        reloaded.patterns[.leftCompensating] = BuzzerPattern(alternatingMs: [200, 200, 200])
        reloaded.core.sensitivity = 1.5
        reloaded.core.alertCooldownSeconds = 60
        reloaded.logLevel = .debug
        let plan = ReloadPlan(running: running, reloaded: reloaded)
        #expect(plan.live == ["patterns.left", "core.sensitivity", "core.alert_cooldown_seconds", "log_level"])
        #expect(plan.needingRestart.isEmpty)
        #expect(plan.configuration == reloaded)
    }

    @Test("sensors, buses, lines, run directory and windows need a restart and keep their running values")
    func restart() {
        let running = DaemonConfiguration.readmeWiring
        var reloaded = running
        reloaded.sensors[0].dataRateHz = 1600
        reloaded.buses["/dev/i2c-1"] = BusSettings(clockHz: 100_000)
        reloaded.buzzer = BuzzerSettings(line: GPIOLineSettings(line: 23))
        reloaded.runDirectory = "/tmp/runs"
        reloaded.core.windowSteps = 48
        reloaded.core.sensitivity = 2
        let plan = ReloadPlan(running: running, reloaded: reloaded)
        #expect(plan.live == ["core.sensitivity"])
        #expect(plan.needingRestart == ["core.window_steps", "sensors.left", "buses.i2c-1", "buzzer", "run_directory"])
        var expected = running
        expected.core.sensitivity = 2
        #expect(plan.configuration == expected)
    }

    @Test("an unchanged configuration is an empty plan")
    func unchanged() {
        #expect(ReloadPlan(running: .readmeWiring, reloaded: .readmeWiring).isEmpty)
    }
}

@Suite("strideguard check-config", .enabled(if: builtStrideguard != nil, "strideguard is not built next to the tests"))
struct CheckConfigCommandTests {
    @Test("exit status 0 for the default file, 78 for a bad one and for a missing one")
    func exitStatus() throws {
        let good = try runStrideguard(["check-config", defaultFilePath])
        #expect(good.status == 0)
        #expect(good.stdout.contains("buses:"))
        let bad = try runStrideguard(["check-config", badFolder.appendingPathComponent("wrong-address.yaml").path])
        #expect(bad.status == 78)
        #expect(bad.stderr.contains("sensors.right.address: 0x54 is not an address an ADXL375 can have; allowed 0x53, 0x1d"))
        let missing = try runStrideguard(["check-config", "/nonexistent.yaml"])
        #expect(missing.status == 78)
        #expect(missing.stderr.contains("no such file"))
    }
}
