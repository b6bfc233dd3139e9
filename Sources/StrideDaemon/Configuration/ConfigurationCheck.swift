import Foundation

/// What `strideguard check-config` prints and its exit status, as a value so that it can
/// be tested without running the program.
public struct ConfigurationCheck: Sendable {
    /// Lines for standard output: what the daemon would do, then the verdict.
    public var output: [String]
    /// Lines for standard error: every problem (errors and warnings).
    public var diagnostics: [String]
    /// 0 when valid, ``DaemonExitStatus/configurationError`` (78) when not.
    public var status: Int32
    /// The report behind it.
    public var report: ConfigurationReport

    /// Loads and checks the file at `path` with the overrides in `environment`.
    public init(path: String, environment: [String: String] = ProcessInfo.processInfo.environment) {
        report = ConfigurationLoader(environment: environment).load(path: path)
        diagnostics = report.problems.map(\.description)
        let warnings = report.warnings.count
        let warningText = warnings == 0 ? "" : " (\(warnings) warning\(warnings == 1 ? "" : "s"))"
        if report.isValid, let configuration = report.configuration {
            output = configuration.summaryLines + ["\(path): valid\(warningText)"]
            status = 0
        } else {
            let errors = report.errors.count
            output = []
            diagnostics.append("\(path): \(errors) error\(errors == 1 ? "" : "s")\(warningText); "
                               + "the daemon would refuse this configuration (exit status \(DaemonExitStatus.configurationError))")
            status = DaemonExitStatus.configurationError
        }
    }
}
