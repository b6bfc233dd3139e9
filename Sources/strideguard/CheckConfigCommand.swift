import ArgumentParser
import Foundation
import StrideDaemon

/// `strideguard check-config [FILE]`: validates a configuration as the daemon would.
struct CheckConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Check a configuration file as the daemon would, and show what it would do.",
        discussion: """
            Reads the file (and the STRIDEGUARD_* environment variables that override it, \
            as a systemd drop-in would set them), checks everything the daemon checks before \
            it starts (keys, types, each sensor against its chip, duplicate addresses, \
            placements and GPIO lines, the bus budget, patterns, core settings) and prints \
            the sensors, the load of each bus, the buzzer, the patterns, the core settings \
            and the run directory. Every problem goes to standard error, naming the key, \
            the bad value and what is allowed.

            Exit status: 0 when valid (warnings allowed), 78 (EX_CONFIG) when not or when \
            the file cannot be read; the daemon exits with 78 on the same problems.

            Examples:
              strideguard check-config                        # /etc/strideguard/strideguard.yaml
              strideguard check-config config/strideguard.yaml
              STRIDEGUARD_BUSES_I2C_1_CLOCK_HZ=100000 strideguard check-config
            """
    )

    @Argument(help: "The configuration file.")
    var file: String = DaemonConfiguration.defaultPath

    @Flag(help: "Ignore STRIDEGUARD_* environment variables (check the file alone).")
    var noEnvironment = false

    func run() throws {
        let environment = noEnvironment ? [:] : ProcessInfo.processInfo.environment
        let check = ConfigurationCheck(path: file, environment: environment)
        for line in check.output { print(line) }
        for line in check.diagnostics {
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }
        if check.status != 0 { throw ExitCode(check.status) }
    }
}
