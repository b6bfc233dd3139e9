import ArgumentParser
import Foundation
import StrideCore
import StrideDaemon

/// `strideguard report RUN [--html FILE]`.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Summarise a run in the terminal, and optionally as a self-contained HTML page.",
        discussion: """
            RUN is a run record's path, or its id (or any unique part of its file name) in \
            the run directory, or `latest`. The HTML page has inline SVG and CSS only: it \
            opens offline in any browser.

            Exit status: 0 report made; \(RunRecordAccess.cutOffExit) report made of what a \
            cut-off record (power loss) holds; \(RunRecordAccess.badRecordExit) empty, damaged \
            or not a run record; \(RunRecordAccess.missingExit) no such file.
            """
    )

    @Argument(help: ArgumentHelp("The run: a path, a run id, or `latest`.", valueName: "run"))
    var runRecord: String

    @Option(help: "Also write the report as an HTML page to this file.")
    var html: String?

    @Option(help: "The run directory (to find RUN by id).")
    var dir: String?

    @Flag(help: "Check the whole file for damage first (reads every page: slower on an SD card).")
    var check = false

    @Flag(help: "Do not print the terminal summary.")
    var quiet = false

    func run() throws {
        let started = Date()
        let path = RunRecordAccess.resolve(runRecord, directory: RunRecordAccess.directory(dir))
        let report = try RunRecordAccess.load(path, check: check)
        if !quiet { print(TerminalSummary.render(report), terminator: "") }
        if let html {
            do {
                try Data(HTMLReport.render(report).utf8).write(to: URL(fileURLWithPath: html))
            } catch {
                FileHandle.standardError.write(Data("strideguard: cannot write \(html): \(error.localizedDescription)\n".utf8))
                throw ExitCode(73)
            }
            print("HTML report: \(html) (made in \(String(format: "%.2f", Date().timeIntervalSince(started))) s)")
        }
        if report.isCutOff {
            FileHandle.standardError.write(Data("strideguard: \(path): the record was cut off; the report shows what was recorded\n".utf8))
            throw ExitCode(RunRecordAccess.cutOffExit)
        }
    }
}
