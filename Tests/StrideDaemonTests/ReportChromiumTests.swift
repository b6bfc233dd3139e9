import Foundation
@testable import StrideDaemon
import Testing

/// Renders report pages in headless Chromium (Debian's `chromium` package). Skipped when
/// no chromium is installed. With STRIDEGUARD_REPORT_DOCS=<folder> it also writes the
/// screenshots report-steady.png and report-fatigue.png there (scripts/render-report.sh).
@Suite("report in headless Chromium")
struct ReportChromiumTests {
    static let chromium: String? = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }

    /// Runs chromium headless; returns (exit status, stdout, stderr).
    static func run(_ arguments: [String]) throws -> (Int32, String, String) {
        try runToEnd(URL(fileURLWithPath: chromium ?? "/usr/bin/chromium"),
                     ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--virtual-time-budget=3000"] + arguments)
    }

    @Test(.enabled(if: chromium != nil, "chromium is not installed"))
    func thePagesLoadAndRender() throws {
        let dir = RunStoreTempDirectory()
        let docs = ProcessInfo.processInfo.environment["STRIDEGUARD_REPORT_DOCS"]
        for (name, scenario) in [("steady", ReportFixtures.Scenario(tags: [("shoes", "pegasus 41"), ("plan", "easy run")])),
                                 ("fatigue", ReportFixtures.Scenario(fatigue: true, tags: [("shoes", "pegasus 41"), ("plan", "long run")]))] {
            let report = try RunReport.load(path: ReportFixtures.record(in: dir.path, scenario))
            let html = HTMLReport.render(report)
            let page = dir.path + "/report-\(name).html"
            try Data(html.utf8).write(to: URL(fileURLWithPath: page))
            let (status, dom, stderr) = try Self.run(["--dump-dom", "file://" + page])
            #expect(status == 0, "chromium exit \(status): \(stderr.suffix(500))")
            // The browser parsed the whole page: every chart and the last section are in the DOM.
            #expect(dom.components(separatedBy: "<svg").count == html.components(separatedBy: "<svg").count)
            #expect(dom.contains("Made by <code>strideguard report</code>"))
            #expect(!dom.contains("parsererror"))
            #expect(!stderr.contains("Uncaught"), "\(stderr.suffix(500))")
            let png = (docs ?? dir.path) + "/report-\(name).png"
            let (shot, _, shotErr) = try Self.run(["--screenshot=" + png, "--window-size=1200,4600", "file://" + page])
            #expect(shot == 0, "\(shotErr.suffix(500))")
            let size = (try? FileManager.default.attributesOfItem(atPath: png)[.size] as? Int) ?? 0
            #expect(size > 20_000)
            if docs != nil { try Data(html.utf8).write(to: URL(fileURLWithPath: (docs ?? dir.path) + "/report-\(name).html")) }
        }
    }
}
