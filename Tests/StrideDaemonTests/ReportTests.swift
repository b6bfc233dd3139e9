import Foundation
import StrideCore
@testable import StrideDaemon
import Testing

@Suite("report: summary, episodes, suggestions, HTML, CSV, compare")
struct ReportTests {
    typealias F = ReportFixtures

    @Test func aFatigueRunTellsTheEpisodeInPlainWords() throws {
        let dir = RunStoreTempDirectory()
        let report = try RunReport.load(path: F.record(in: dir.path, F.Scenario(fatigue: true)))
        #expect(report.legNames == ["left", "right"])
        #expect(report.episodes.count == 1)
        let e = try #require(report.episodes.first)
        #expect(e.side == .leg(.left))
        #expect(e.cues == 3 && e.highestLevel == 3 && e.cleared == nil)
        #expect(e.text.contains("From about minute 15 your left leg's contact time changed"))
        #expect(e.text.contains("8.1 % longer than your baseline"))
        #expect(e.text.contains("still there when the recording ended"))
        #expect(e.activityAtOnset == .running)
        let suggestions = Suggestions.make(for: report)
        #expect(suggestions.first?.area == "Hip stability, left side first")
        #expect(suggestions.first?.because.contains("More impact on the left side late in the run (episode 1, from minute 33)") == true)
        #expect(e.text.contains("From minute 33 the impact (PTA) on the left side rose too."))
        #expect(suggestions.contains { $0.area == "Core stability" })
        #expect(suggestions.contains { $0.actions.contains { $0.contains("Clamshells with a resistance band") } })
        #expect(suggestions.last?.area == "See a physiotherapist when pain persists")
        // The stop and the gap are found.
        #expect(report.spans.contains { $0.kind == .stop(.standing) && abs($0.start - 22 * 60) < 1 })
        #expect(report.spans.contains { $0.kind == .gap("right-shank") })
        let text = TerminalSummary.render(report)
        #expect(text.contains("Compensation episodes:"))
        #expect(text.contains("Gap   31:00–31:25  right-shank sensor data missing"))
        #expect(text.split(separator: "\n").allSatisfy { $0.count <= 100 })
    }

    @Test func aSteadyRunHasNoEpisodeAndGeneralAdvice() throws {
        let dir = RunStoreTempDirectory()
        let report = try RunReport.load(path: F.record(in: dir.path, F.Scenario()))
        #expect(report.episodes.isEmpty)
        #expect(report.notes.isEmpty)
        let s = Suggestions.make(for: report)
        #expect(s.map(\.area) == ["Keep it up: hip and core strength", "See a physiotherapist when pain persists"])
        let cadence = try #require(report.cadence)
        #expect(abs(cadence - 171.4) < 3)
        let band = try #require(report.baselineBand(.contactTime))
        #expect(abs(band.center - 1.3) < 1.0 && band.halfWidth > 0.5 && band.halfWidth < 6)
    }

    @Test func theHTMLPageIsSelfContainedAndLabelled() throws {
        let dir = RunStoreTempDirectory()
        let report = try RunReport.load(path: F.record(in: dir.path, F.Scenario(fatigue: true)))
        let html = HTMLReport.render(report)
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        // No external assets: the only URL is the SVG namespace.
        let withoutNamespace = html.replacingOccurrences(of: "xmlns=\"http://www.w3.org/2000/svg\"", with: "")
        #expect(!withoutNamespace.contains("http://") && !withoutNamespace.contains("https://"))
        #expect(!html.contains("<script") && !html.contains("<link") && !html.contains("<img"))
        #expect(html.components(separatedBy: "<svg").count - 1 == 3 + 2 * RunReport.legMetrics.count)
        for label in ["SI of contact time (%)", "SI of step time (%)", "SI of PTA (%)", "time from start (min)", "strides (%)",
                      "contact time (ms)", "PTA (g)", "baseline +", "compensation cue (episode no.)", "sensor gap", "not running"] {
            #expect(html.contains(label), "missing \(label)")
        }
        #expect(html.contains(ReportStyle.left) && html.contains(ReportStyle.right) && html.contains("stroke-dasharray=\"7 4\""))
        #expect(html.contains("Hip stability, left side first"))
        #expect(html.contains("Clamshells"))
        // Balanced tags (a rough well-formedness check; Chromium checks the rest).
        #expect(html.components(separatedBy: "<svg").count == html.components(separatedBy: "</svg>").count)
    }

    @Test func ticksAreNice() {
        #expect(AxisTicks.nice(0, 10, target: 5).ticks == [0, 2, 4, 6, 8, 10])
        #expect(AxisTicks.minutes(0, 40).step == 5)
        #expect(AxisTicks.minutes(0, 120).step == 15)
        #expect(AxisTicks.label(-2.5, step: 2.5) == "−2.5")
        #expect(AxisTicks.label(10, step: 5) == "10")
    }

    @Test func aCutOffRunShowsWhatWasRecordedWithANote() throws {
        let dir = RunStoreTempDirectory()
        let path = try F.record(in: dir.path, F.Scenario(minutes: 15, fatigue: true))
        try F.cutOff(path)
        let report = try RunReport.load(path: path)
        #expect(report.isCutOff)
        #expect(report.notes.first?.contains("This run was cut off") == true)
        #expect(report.strides.count > 2000)
        #expect(HTMLReport.render(report).contains("This run was cut off"))
        #expect(TerminalSummary.render(report).contains("NOTE: This run was cut off"))
    }

    @Test func badRecordsGetClearErrors() throws {
        let dir = RunStoreTempDirectory()
        // Empty: started and closed at once.
        let recorder = try RunRecorder.create(in: dir.path, start: RunStoreFixtures.start(), logger: RunStoreLogCapture().logger)
        recorder.close(endMonotonicNs: RunStoreFixtures.startNs)
        #expect(throws: RunReaderError.self) { try RunReport.load(path: recorder.path) }
        do { _ = try RunReport.load(path: recorder.path) } catch {
            #expect(error.description.contains("an empty run record"))
        }
        // Not a run record.
        let text = dir.path + "/notes.sqlite"
        try Data("just some text, not a database at all".utf8).write(to: URL(fileURLWithPath: text))
        do { _ = try RunReport.load(path: text); Issue.record("expected an error") } catch {
            #expect(error == .notSQLite(path: text))
        }
        // Corrupted: the strides pages overwritten.
        let path = try F.record(in: dir.path, F.Scenario(minutes: 12, events: false))
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: path))
        let size = try handle.seekToEnd()
        try handle.seek(toOffset: 8192)
        try handle.write(contentsOf: Data(repeating: 0xA5, count: Int(size) - 8192))
        try handle.close()
        do { _ = try RunReport.load(path: path); Issue.record("expected an error") } catch {
            guard case .corrupted = error else { Issue.record("expected corrupted, got \(error)"); return }
            #expect(error.description.contains("the run record is damaged"))
        }
        // Missing.
        do { _ = try RunReport.load(path: dir.path + "/nope.sqlite"); Issue.record("expected an error") } catch {
            #expect(error.description.hasSuffix("no such file"))
        }
    }

    @Test func csvExportHasHeadersWithUnitsAndEveryRow() throws {
        let dir = RunStoreTempDirectory()
        let path = try F.record(in: dir.path, F.Scenario(minutes: 26, fatigue: true))
        let report = try RunReport.load(path: path)
        let events = try RunReader(path: path).events()
        let out = dir.path + "/csv"
        let files = try CSVExport.write(report, events: events, to: out)
        #expect(files.map { URL(fileURLWithPath: $0).lastPathComponent } == CSVExport.files)
        func lines(_ name: String) throws -> [String] {
            try String(contentsOfFile: out + "/" + name, encoding: .utf8).split(separator: "\n").map(String.init)
        }
        let strides = try lines("strides.csv")
        #expect(strides[0].hasPrefix("side,stride_index,start_s,end_s,start_ns,end_ns,stride_time_ms,step_time_ms,contact_time_ms,flight_time_ms,duty_factor,pta_g,loading_rate_g_per_s"))
        #expect(strides.count == report.strides.count + 1)
        let columns = strides[0].split(separator: ",").count
        #expect(strides.dropFirst().allSatisfy { $0.split(separator: ",", omittingEmptySubsequences: false).count == columns })
        #expect(try lines("events.csv").count == events.count + 1)
        let windows = try lines("windows.csv")
        #expect(windows[0].contains("si_contact_time_percent,si_change_contact_time_points"))
        #expect(windows.count == report.windows.count + 1)
        let alerts = try lines("alerts.csv")
        #expect(alerts.count == 3)
        #expect(alerts[1].contains(",raised,1,left,contact_time,contact_time,"))
        #expect(try lines("faults.csv")[1].contains("1,right-shank,sensor-lost,1860,1885,25,"))
    }

    @Test func compareSaysWhatIsNoise() throws {
        let dir = RunStoreTempDirectory()
        let a = try RunReport.load(path: F.record(in: dir.path, F.Scenario(seed: 11, tags: [("shoes", "old")])))
        let b = try RunReport.load(path: F.record(in: dir.path, F.Scenario(seed: 12, tags: [("shoes", "new")])))
        let c = try RunReport.load(path: F.record(in: dir.path, F.Scenario(fatigue: true, seed: 13, tags: [("shoes", "new"), ("long", "yes")])))
        let cmp = RunComparison([a, b, c])
        let same = try #require(cmp.columns[1].differences[.contactTime])
        #expect(same.withinNoise, "\(same)")
        let fatigue = try #require(cmp.columns[2].differences[.contactTime])
        #expect(!fatigue.withinNoise && fatigue.delta > 1.5, "\(fatigue)")
        let text = cmp.render()
        #expect(text.contains("shoes=old") && text.contains("shoes=new") && text.contains("long=yes"))
        #expect(text.contains("noise (≤") && text.contains("REAL (>"))
    }

    @Test func aTwoHourRunReportsQuickly() throws {
        let dir = RunStoreTempDirectory()
        let path = try F.record(in: dir.path, F.Scenario(minutes: 120, fatigue: true, stopAtMinute: 60, gapAtMinute: 90, events: false))
        // STRIDEGUARD_REPORT_KEEP=<folder> keeps the record (to time `strideguard report` by hand).
        if let keep = ProcessInfo.processInfo.environment["STRIDEGUARD_REPORT_KEEP"] {
            try? FileManager.default.copyItem(atPath: path, toPath: keep + "/" + URL(fileURLWithPath: path).lastPathComponent)
        }
        let clock = ContinuousClock()
        var html = ""
        var text = ""
        let elapsed = try clock.measure {
            let report = try RunReport.load(path: path)
            text = TerminalSummary.render(report)
            html = HTMLReport.render(report)
        }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        print("report of a 2-hour run (\(html.utf8.count / 1024) KiB HTML): \(String(format: "%.3f", seconds)) s")
        #expect(!text.isEmpty)
        #expect(seconds < 10)
        #expect(html.utf8.count < 3_000_000)
    }
}
