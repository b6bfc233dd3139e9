import ArgumentParser
import Foundation
import LinuxHardware
import Logging
import StrideDaemon

/// `strideguard run`: the daemon on the board (what systemd starts).
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the daemon on the board's sensors (what the systemd service starts).",
        discussion: """
            Reads the configuration, brings the sensors up (probe, self-test, configure), \
            and runs until SIGTERM or SIGINT: every stride of each leg, the runner's \
            baseline, compensation alerts on the buzzer, and a run record in the run \
            directory. SIGHUP reloads the configuration: patterns apply at once, other \
            changes are logged as needing a restart; a bad new file keeps the old one.

            Exit status: 0 on SIGTERM, 78 for a bad configuration, 73 when the run record \
            cannot be created, 69 when the buzzer line cannot be requested.
            """
    )

    @Option(help: "Configuration file.")
    var config = DaemonConfiguration.defaultPath

    @Option(name: .customLong("tag"), help: "A tag for the run record, key=value (repeatable), e.g. --tag shoes=trail.")
    var tags: [String] = []

    @Flag(help: "Do not store raw samples in the run record (analysis only).")
    var noSamples = false

    func validate() throws {
        _ = try parseTags(tags)
    }

    func run() throws {
        let loader = ConfigurationLoader()
        let configuration: DaemonConfiguration
        do {
            let loaded = try loader.loadValid(path: config)
            configuration = loaded.configuration
            for warning in loaded.warnings { printError("\(warning)") }
        } catch {
            printError("\(error)")
            throw ExitCode(DaemonExitStatus.configurationError)
        }
        let level = configuration.logLevel
        let logger = Logger(label: "strideguard") { JournalLogHandler(label: $0, level: level) }
        for line in configuration.summaryLines { logger.info("\(line)") }

        let signals = SignalFlags()
        let yaml = (try? String(contentsOfFile: config, encoding: .utf8)) ?? ""
        let daemon = Daemon(configuration: configuration, platform: LinuxPlatform(),
                            options: Daemon.Options(mode: "run", tags: try parseTags(tags), configurationYAML: yaml,
                                                    configurationPath: config, buzzerThread: true, recordSamples: !noSamples),
                            logger: logger)
        do {
            try daemon.start()
        } catch {
            logger.critical("\(error)")
            throw ExitCode(error.exitStatus)
        }
        // After start, not before: locking memory pages in the whole binary and its
        // libraries, which takes seconds from an SD card (16 s over 9p in the VM test), and
        // the sensors should be up and systemd told READY first.
        RealtimeScheduling.request(logger: logger)
        daemon.run(untilNs: nil, shouldStop: {
            if signals.takeReloadRequest() { reload(daemon, running: configuration, logger: logger, loader: loader) }
            return signals.stopRequested
        })
        daemon.stop(reason: "SIGTERM")
    }

    /// SIGHUP: validate the file again; apply what can change live, keep the rest.
    private func reload(_ daemon: Daemon, running: DaemonConfiguration, logger: Logger, loader: ConfigurationLoader) {
        do {
            let loaded = try loader.loadValid(path: config)
            let plan = ReloadPlan(running: running, reloaded: loaded.configuration)
            daemon.applyLive(plan.configuration)
            let live = plan.live.isEmpty ? "nothing" : plan.live.joined(separator: ", ")
            logger.notice("configuration reloaded: applied \(live)")
            if !plan.needingRestart.isEmpty {
                logger.warning("changed but needing a restart (systemctl restart strideguard): \(plan.needingRestart.joined(separator: ", "))")
            }
        } catch {
            logger.error("configuration reload refused, keeping the running one: \(error)")
        }
    }
}
