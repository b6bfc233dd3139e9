import Foundation

/// The built `strideguard` next to the test bundle (or in .build/debug), nil when it has not
/// been built: the suites that run it as a process are disabled then, not failed.
let builtStrideguard: URL? = {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    let folder = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
    for candidate in [folder, folder.deletingLastPathComponent(), root.appendingPathComponent(".build/debug")] {
        let url = candidate.appendingPathComponent("strideguard")
        if FileManager.default.isExecutableFile(atPath: url.path) { return url }
    }
    return nil
}()

/// Runs the built `strideguard` with `arguments` in `directory` to its end: exit status and
/// everything it printed.
func runStrideguard(_ arguments: [String], in directory: URL? = nil) throws -> (status: Int32, stdout: String, stderr: String) {
    guard let binary = builtStrideguard else { throw CocoaError(.fileNoSuchFile) }
    return try runToEnd(binary, arguments, in: directory, environment: ["PATH": "/usr/bin:/bin"])
}

/// Runs `executable` to its end (in `directory`; with `environment`, or this process's when
/// nil): exit status and everything it printed.
func runToEnd(_ executable: URL, _ arguments: [String], in directory: URL? = nil,
              environment: [String: String]? = nil) throws -> (status: Int32, stdout: String, stderr: String) {
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    if let environment { process.environment = environment }
    if let directory { process.currentDirectoryURL = directory }
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    // Read both pipes before waiting: a child that fills one would otherwise block.
    let stdout = out.fileHandleForReading.readDataToEndOfFile()
    let stderr = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: stdout, as: UTF8.self), String(decoding: stderr, as: UTF8.self))
}
