/// Exit statuses the daemon and `strideguard check-config` share.
public enum DaemonExitStatus {
    /// EX_CONFIG from sysexits.h: "something was found in an unconfigured or misconfigured
    /// state". Used for a configuration file that is missing, unreadable or invalid, so
    /// systemd (`RestartPreventExitStatus=78`) does not restart a daemon that cannot work.
    public static let configurationError: Int32 = 78
}

/// One thing wrong (or doubtful) in a configuration, with where it came from.
public struct ConfigurationProblem: Sendable, Equatable, CustomStringConvertible {
    /// How bad it is.
    public enum Severity: String, Sendable, Equatable {
        /// The daemon refuses to start with this.
        case error
        /// The daemon starts, but probably not as meant (a rate that will be rounded, a
        /// tight bus).
        case warning
    }

    /// How bad it is.
    public var severity: Severity
    /// Where the value came from: the file path, or `environment STRIDEGUARD_…`.
    public var source: String
    /// The configuration key, e.g. `sensors.right.address`; empty for the file as a whole.
    public var key: String
    /// What is wrong, with the bad value and what is allowed.
    public var message: String

    /// Creates a problem.
    public init(_ severity: Severity, source: String, key: String, _ message: String) {
        self.severity = severity
        self.source = source
        self.key = key
        self.message = message
    }

    /// `FILE: KEY: MESSAGE`, with `warning: ` in front of warnings.
    public var description: String {
        let prefix = severity == .warning ? "warning: " : ""
        let location = key.isEmpty ? source : "\(source): \(key)"
        return "\(prefix)\(location): \(message)"
    }
}

/// A configuration that the daemon cannot run with: every error found (not just the
/// first), and the warnings that came with them.
public struct ConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file (or `<built-in>`).
    public var file: String
    /// Every problem found, errors and warnings, in the order found.
    public var problems: [ConfigurationProblem]

    /// Creates an error.
    public init(file: String, problems: [ConfigurationProblem]) {
        self.file = file
        self.problems = problems
    }

    /// The errors only.
    public var errors: [ConfigurationProblem] { problems.filter { $0.severity == .error } }

    /// One line per problem.
    public var description: String { problems.map(\.description).joined(separator: "\n") }
}
