import ArgumentParser

/// The one command-line program.
@main
struct StrideGuardCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "strideguard",
        abstract: "Running-gait asymmetry daemon: finds every stride of each leg, learns your baseline, and buzzes when one side starts compensating.",
        subcommands: [ProbeCommand.self, SynthCommand.self, BuzzerOffCommand.self]
            + [ReplayCommand.self]
            + [CheckConfigCommand.self]
            + [RunsCommand.self]
            + [ReportCommand.self]
            + [ExportCommand.self]
            + [CompareCommand.self]
            + [RunCommand.self, SimulateCommand.self]
    )
}
