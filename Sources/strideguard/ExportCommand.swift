import ArgumentParser
import Foundation
import StrideCore
import StrideDaemon

/// `strideguard export RUN --csv DIR`.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export a run's strides, events, windows, alerts, faults and activity as CSV.",
        discussion: """
            Writes \(CSVExport.files.joined(separator: ", ")) into DIR, one header row each, \
            units in the column names (_s seconds from the start, _ns the record's monotonic \
            time, _ms, _g, _g_per_s, _percent, _points). Read with pandas.read_csv, R's \
            read.csv or a spreadsheet. Exit status as for `report`.
            """
    )

    @Argument(help: ArgumentHelp("The run: a path, a run id, or `latest`.", valueName: "run"))
    var runRecord: String

    @Option(help: "The folder to write the CSV files into (created if needed).")
    var csv: String

    @Option(help: "The run directory (to find RUN by id).")
    var dir: String?

    func run() throws {
        let path = RunRecordAccess.resolve(runRecord, directory: RunRecordAccess.directory(dir))
        let report = try RunRecordAccess.load(path)
        let events: [GaitEvent]
        do throws(RunReaderError) {
            events = try RunReader(path: path).events()
        } catch {
            throw RunRecordAccess.fail(error)
        }
        do throws(CSVExport.WriteError) {
            for p in try CSVExport.write(report, events: events, to: csv) { print(p) }
        } catch {
            FileHandle.standardError.write(Data("strideguard: \(error.description)\n".utf8))
            throw ExitCode(73)
        }
        if report.isCutOff {
            FileHandle.standardError.write(Data("strideguard: \(path): the record was cut off; exported what was recorded\n".utf8))
            throw ExitCode(RunRecordAccess.cutOffExit)
        }
    }
}
