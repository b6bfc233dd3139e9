import ArgumentParser
import Foundation
import StrideDaemon

/// Shared by `runs`, `report`, `export` and `compare`: where the runs are, how a RUN
/// argument is found, and the exit status for each kind of bad record.
enum RunRecordAccess {
    /// Exit status when the record is damaged, empty or not a run record (sysexits EX_DATAERR).
    static let badRecordExit: Int32 = 65
    /// Exit status when the file is missing or unreadable (sysexits EX_NOINPUT).
    static let missingExit: Int32 = 66
    /// Exit status when the report was made but the record was cut off (power loss).
    static let cutOffExit: Int32 = 3

    /// The run directory: `--dir`, else STRIDEGUARD_RUN_DIRECTORY, else the daemon's default.
    static func directory(_ option: String?) -> String {
        option ?? ProcessInfo.processInfo.environment["STRIDEGUARD_RUN_DIRECTORY"] ?? DaemonConfiguration.defaultRunDirectory
    }

    /// A path as given, or the record in `directory` whose file name contains `run` (a run
    /// id such as `3fa9c1`, or a date prefix such as `20251009T08`); "latest" is the newest.
    static func resolve(_ run: String, directory: String) -> String {
        if FileManager.default.fileExists(atPath: run) || run.contains("/") { return run }
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.hasSuffix(".sqlite") }.sorted()
        if run == "latest", let last = names.last { return directory + "/" + last }
        let matches = names.filter { $0.contains(run) }
        return matches.count == 1 ? directory + "/" + matches[0] : run
    }

    /// Prints why the record cannot be read and returns the exit code to leave with.
    static func fail(_ error: RunReaderError) -> ExitCode {
        FileHandle.standardError.write(Data("strideguard: \(error.description)\n".utf8))
        switch error {
        case .notFound, .unreadable: return ExitCode(missingExit)
        default: return ExitCode(badRecordExit)
        }
    }

    /// Loads a report or exits with a clear message.
    static func load(_ path: String, check: Bool = false) throws(ExitCode) -> RunReport {
        do throws(RunReaderError) {
            let reader = try RunReader(path: path)
            if check { try reader.verifyIntegrity() }
            return try RunReport(reader: reader)
        } catch {
            throw fail(error)
        }
    }
}

/// `strideguard runs`: the recorded runs.
struct RunsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runs",
        abstract: "List the recorded runs: date, duration, running time, strides, alerts, tags, complete or cut off.",
        discussion: """
            Reads every *.sqlite run record in the run directory (--dir, else \
            $STRIDEGUARD_RUN_DIRECTORY, else \(DaemonConfiguration.defaultRunDirectory)). Files that \
            cannot be read are listed with the reason. Give the id in the last column to \
            `strideguard report`, `export` or `compare`.
            """
    )

    @Option(help: "The run directory.")
    var dir: String?

    func run() throws {
        let directory = RunRecordAccess.directory(dir)
        let listings: [RunListing]
        do throws(RunReaderError) {
            listings = try RunReader.list(directory: directory)
        } catch {
            throw RunRecordAccess.fail(error)
        }
        print(RunsList.render(listings, directory: directory), terminator: "")
    }
}

/// The text of `strideguard runs`.
enum RunsList {
    static func render(_ listings: [RunListing], directory: String) -> String {
        if listings.isEmpty { return "No run records in \(directory).\n" }
        func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s + " " : s + String(repeating: " ", count: n - s.count) }
        var out = pad("date", 23) + pad("duration", 9) + pad("running", 9) + pad("strides", 8) + pad("alerts", 7) + pad("state", 9) + pad("id", 8) + "tags\n"
        for l in listings {
            let name = URL(fileURLWithPath: l.path).lastPathComponent
            switch l.summary {
            case .success(let s):
                let state = s.isEmpty ? "empty" : s.metadata.complete ? "complete" : "cut off"
                out += pad(ReportFormat.date(s.metadata.startDate), 23) + pad(ReportFormat.clock(s.metadata.durationSeconds), 9)
                out += pad(ReportFormat.clock(s.runningSeconds), 9) + pad("\(s.strides)", 8) + pad("\(s.alerts)", 7) + pad(state, 9)
                out += pad(s.metadata.runID, 8) + s.tags.map { "\($0.key)=\($0.value)" }.joined(separator: ", ") + "\n"
            case .failure(let e):
                out += pad(name, 23) + "unreadable: \(e.description)\n"
            }
        }
        return out
    }
}
