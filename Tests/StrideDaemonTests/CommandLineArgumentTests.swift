import Foundation
import Testing

// Bad command-line arguments, through the built binary: each gets a message that names
// what is wrong and the exit status the README promises (sysexits: 64 usage, 65 bad data,
// 66 missing file, 73 cannot create), and none of them writes anything.

private let steady = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("config/scenarios/steady-symmetric.yaml").path

/// One bad command line and what it must give.
struct BadCommandLine: CustomTestStringConvertible, Sendable {
    var arguments: [String]
    var status: Int32
    /// Words the error must contain (the option, the value, the file).
    var mentions: [String]
    var testDescription: String { arguments.joined(separator: " ") }
}

private let badCommandLines: [BadCommandLine] = [
    .init(arguments: ["frobnicate"], status: 64, mentions: ["frobnicate"]),
    .init(arguments: ["simulate"], status: 64, mentions: ["--scenario"]),
    .init(arguments: ["simulate", "--scenario", steady, "--minutes", "0"], status: 64, mentions: ["--minutes", "positive"]),
    .init(arguments: ["simulate", "--scenario", steady, "--minutes", "ten"], status: 64, mentions: ["--minutes", "ten"]),
    .init(arguments: ["simulate", "--scenario", steady, "--faults", "sometimes"], status: 64, mentions: ["--faults", "sometimes"]),
    .init(arguments: ["simulate", "--scenario", steady, "--realtime", "--speed", "2"], status: 64, mentions: ["--realtime", "--speed"]),
    .init(arguments: ["simulate", "--scenario", steady, "--tag", "noequals"], status: 64, mentions: ["noequals"]),
    .init(arguments: ["simulate", "--scenario", "/nonexistent/run.yaml"], status: 66, mentions: ["/nonexistent/run.yaml"]),
    .init(arguments: ["synth", "--scenario", steady, "--rate", "0"], status: 64, mentions: ["--rate", "0"]),
    .init(arguments: ["synth", "--scenario", steady, "--placements", "elbow"], status: 64, mentions: ["elbow"]),
    .init(arguments: ["synth", "--scenario", "/nonexistent/run.yaml"], status: 66, mentions: ["/nonexistent/run.yaml"]),
    .init(arguments: ["synth", "--scenario", steady, "--minutes", "0.05", "--out", "/proc/strideguard-cannot-be-here"],
          status: 73, mentions: ["/proc/strideguard-cannot-be-here"]),
    .init(arguments: ["replay"], status: 64, mentions: ["--csv"]),
]

@Suite("command-line arguments", .enabled(if: builtStrideguard != nil, "strideguard is not built next to the tests"))
struct CommandLineArgumentTests {
    @Test(arguments: badCommandLines)
    func aBadCommandLineIsNamedAndRefused(_ c: BadCommandLine) throws {
        let dir = RunStoreTempDirectory()
        let folder = URL(fileURLWithPath: dir.path)
        let result = try runStrideguard(c.arguments, in: folder)
        #expect(result.status == c.status, "stderr: \(result.stderr)")
        for word in c.mentions {
            #expect(result.stderr.contains(word), "the error does not mention \(word): \(result.stderr)")
        }
        // Refused before doing anything: nothing written where it ran.
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
    }

    /// A scenario that is read but wrong is bad data (65), with the file, line and key.
    @Test func aWrongScenarioIsBadDataWithItsLineAndKey() throws {
        let dir = RunStoreTempDirectory()
        let folder = URL(fileURLWithPath: dir.path)
        // The steady run's speed becomes a word.
        let text = try String(contentsOfFile: steady, encoding: .utf8)
        let speed = try #require(text.range(of: "speed_mps: 3.3"))
        let bad = folder.appendingPathComponent("bad.yaml")
        try text.replacingCharacters(in: speed, with: "speed_mps: fast").write(to: bad, atomically: true, encoding: .utf8)
        for command in ["simulate", "synth"] {
            let result = try runStrideguard([command, "--scenario", bad.path], in: folder)
            #expect(result.status == 65, "\(command): stderr \(result.stderr)")
            #expect(result.stderr.contains("bad.yaml:"), "\(command): \(result.stderr)")
            #expect(result.stderr.contains("speed_mps") && result.stderr.contains("fast"), "\(command): \(result.stderr)")
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["bad.yaml"])
    }
}
