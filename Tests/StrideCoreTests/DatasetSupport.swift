import Foundation
import StrideCore
import Testing

/// Access to ../shared/datasets (see its README.md), resolved from this file's path so the
/// tests work from any clone placed beside `shared/`. A missing folder is a failure, not a
/// skip: CI has the data.
enum Datasets {
    /// <package root>/../shared/datasets
    static var root: URL {
        URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent()  // StrideCoreTests
            .deletingLastPathComponent()  // Tests
            .deletingLastPathComponent()  // package root
            .deletingLastPathComponent()  // beside the package
            .appendingPathComponent("shared/datasets")
    }

    /// Reads a CSV with a header into rows of named string fields. Records an issue (test
    /// failure) and returns nil when the file is missing.
    static func csv(_ relativePath: String, sourceLocation: SourceLocation = #_sourceLocation) -> [[String: String]]? {
        let url = root.appendingPathComponent(relativePath)
        guard let text = try? String(contentsOf: url, encoding: .utf8) else {
            Issue.record("dataset file missing: \(url.path) (the tests need ../shared/datasets)", sourceLocation: sourceLocation)
            return nil
        }
        var lines = text.split(whereSeparator: \.isNewline).map(String.init)
        guard !lines.isEmpty else { return [] }
        let header = lines.removeFirst().split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        return lines.map { line in
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            var row: [String: String] = [:]
            for (i, name) in header.enumerated() where i < fields.count { row[name] = fields[i] }
            return row
        }
    }
}

extension Dictionary where Key == String, Value == String {
    func double(_ key: String) -> Double { Double(self[key] ?? "") ?? .nan }
    func int(_ key: String) -> Int { Int(self[key] ?? "") ?? Int(Double(self[key] ?? "") ?? -1) }
}

/// Small statistics for the reports.
enum Stats {
    static func percentile(_ xs: [Double], _ p: Double) -> Double {
        guard !xs.isEmpty else { return .nan }
        let s = xs.sorted()
        let pos = p / 100 * Double(s.count - 1)
        let lo = Int(pos.rounded(.down)), hi = Int(pos.rounded(.up))
        return s[lo] + (s[hi] - s[lo]) * (pos - Double(lo))
    }
    static func mean(_ xs: [Double]) -> Double { xs.isEmpty ? .nan : xs.reduce(0, +) / Double(xs.count) }
}

/// Runs a detector over samples and collects every event.
func detectAll(_ samples: [IMUSample], configuration: SacrumEventDetector.Configuration,
               onSample: ((Int, SacrumEventDetector) -> Void)? = nil) -> [GaitEvent] {
    var detector = SacrumEventDetector(configuration: configuration)
    var events: [GaitEvent] = []
    for (i, s) in samples.enumerated() {
        detector.process(s) { events.append($0) }
        onSample?(i, detector)
    }
    detector.finish { events.append($0) }
    return events
}
