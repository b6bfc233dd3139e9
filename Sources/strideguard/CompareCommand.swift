import ArgumentParser
import Foundation
import StrideDaemon

/// `strideguard compare A B [...]`.
struct CompareCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Compare several runs' asymmetry side by side, with their tags, and say which differences are noise.",
        discussion: """
            The first run is the reference. For contact time, step time and PTA it shows each \
            leg's median, the median window SI and its window-to-window spread, and whether \
            each later run differs from the first by more than run-to-run noise (the larger \
            of 1.96 × the bootstrap standard error of the difference over non-overlapping \
            windows, and the pooled window-to-window spread of the SI).
            """
    )

    @Argument(help: "Two or more runs: paths, run ids, or `latest`.")
    var runs: [String]

    @Option(help: "The run directory (to find runs by id).")
    var dir: String?

    func validate() throws {
        guard runs.count >= 2 else { throw ValidationError("give at least two runs to compare") }
    }

    func run() throws {
        let directory = RunRecordAccess.directory(dir)
        var reports = [RunReport]()
        for r in runs { reports.append(try RunRecordAccess.load(RunRecordAccess.resolve(r, directory: directory))) }
        print(RunComparison(reports).render(), terminator: "")
    }
}
