import Dispatch
import Foundation
import StrideCore
import Synchronization
import Testing
@testable import StrideDaemon

#if canImport(Glibc)
import Glibc
#endif

// Process-level tests of the daemon: the built `strideguard simulate --realtime` as a
// child process, stopped by SIGTERM, killed by SIGKILL, watched through its own
// NOTIFY_SOCKET as systemd would, and reloaded by SIGHUP. Every wait has a deadline, so a
// hang fails the test instead of blocking CI, and the child is always killed at the end.

/// The repository's root, found from this file's path.
private let processTestsRoot = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

private let steadyScenario = processTestsRoot.appendingPathComponent("config/scenarios/steady-symmetric.yaml").path

/// Monotonic seconds.
private func nowSeconds() -> Double { Double(DispatchTime.now().uptimeNanoseconds) / 1e9 }

/// Bytes a child writes to one of its pipes, collected as they come.
private final class CollectedOutput: Sendable {
    private let bytes = Mutex<[UInt8]>([])

    func append(_ data: Data) { bytes.withLock { $0.append(contentsOf: data) } }

    var text: String { bytes.withLock { String(decoding: $0, as: UTF8.self) } }
}

/// A moment noted from another thread (monotonic ns; 0 until noted).
private final class NotedTime: Sendable {
    private let ns = Atomic<UInt64>(0)

    func note() { ns.store(DispatchTime.now().uptimeNanoseconds, ordering: .releasing) }

    var value: UInt64? {
        let v = ns.load(ordering: .acquiring)
        return v == 0 ? nil : v
    }
}

/// A `strideguard` child process with its output collected and its exit time noted.
private final class DaemonChild {
    let process = Process()
    let stdout = CollectedOutput()
    let stderr = CollectedOutput()
    /// When the process ended.
    private let exited = NotedTime()

    init(binary: URL, arguments: [String], environment: [String: String] = [:]) throws {
        process.executableURL = binary
        process.arguments = arguments
        // Exactly this environment: no NOTIFY_SOCKET, WATCHDOG_USEC or WATCHDOG_PID inherited from the test runner.
        process.environment = ["PATH": "/usr/bin:/bin"].merging(environment) { $1 }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        for (pipe, sink) in [(out, stdout), (err, stderr)] {
            pipe.fileHandleForReading.readabilityHandler = { handle in
                let data = handle.availableData
                if data.isEmpty { handle.readabilityHandler = nil } else { sink.append(data) }
            }
        }
        process.terminationHandler = { [exited] _ in exited.note() }
        try process.run()
    }

    var pid: Int32 { process.processIdentifier }

    /// Monotonic ns when the process ended, nil while it runs.
    var exitNs: UInt64? { exited.value }

    func signal(_ number: Int32) -> UInt64 {
        let sent = DispatchTime.now().uptimeNanoseconds
        _ = kill(pid, number)
        return sent
    }

    /// Waits until the process has ended, at most `timeout` seconds; true when it has.
    func waitForExit(timeout: Double) async -> Bool {
        let deadline = nowSeconds() + timeout
        while exitNs == nil || process.isRunning {
            if nowSeconds() > deadline { return false }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return true
    }

    /// Waits until `condition` holds for the collected output, at most `timeout` seconds.
    func waitFor(timeout: Double, _ condition: (_ stdout: String, _ stderr: String) -> Bool) async -> Bool {
        let deadline = nowSeconds() + timeout
        while !condition(stdout.text, stderr.text) {
            if nowSeconds() > deadline || exitNs != nil { return condition(stdout.text, stderr.text) }
            try? await Task.sleep(for: .milliseconds(20))
        }
        return true
    }

    /// SIGKILL if still running (the tests' `defer`).
    func killIfRunning() {
        guard process.isRunning else { return }
        _ = kill(pid, SIGKILL)
        process.waitUntilExit()
    }

    /// The live lines' elapsed seconds ("M:SS running ..."), in the order printed.
    var liveLineSeconds: [Int] {
        stdout.text.split(separator: "\n").compactMap { line in
            guard let clock = line.split(separator: " ").first else { return nil }
            let parts = clock.split(separator: ":")
            guard parts.count == 2, let minutes = Int(parts[0]), let seconds = Int(parts[1]) else { return nil }
            return minutes * 60 + seconds
        }
    }
}

/// A fresh temporary folder, removed by the caller.
private func temporaryFolder(_ name: String) throws -> URL {
    // Short: a NOTIFY_SOCKET path must fit sockaddr_un (108 bytes).
    let url = URL(fileURLWithPath: "/tmp").appendingPathComponent("sg-\(name)-\(UInt32.random(in: 0...UInt32.max))")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// The one run record (.sqlite) in `folder`.
private func onlyRunRecord(in folder: URL) throws -> String {
    let records = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".sqlite") }
    try #require(records.count == 1, "expected one run record in \(folder.path), found \(records)")
    return folder.appendingPathComponent(records[0]).path
}

/// An AF_UNIX datagram socket bound to a path: the test's own NOTIFY_SOCKET.
private final class NotifyListener {
    let path: String
    private let fd: Int32

    init(path: String) throws {
        self.path = path
        #if canImport(Glibc)
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        #else
        fd = socket(AF_UNIX, SOCK_DGRAM, 0)
        #endif
        try #require(fd >= 0, "socket: errno \(errno)")
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        try #require(bytes.count < capacity, "socket path too long: \(path)")
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        try #require(bound == 0, "bind \(path): errno \(errno)")
        // Short receive timeout: every read below is bounded.
        var timeout = timeval(tv_sec: 0, tv_usec: 100_000)
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { close(fd) }

    /// One datagram's assignments, or nil when none came within the receive timeout.
    func receive() -> [String]? {
        var buffer = [UInt8](repeating: 0, count: 4096)
        let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return nil }
        return String(decoding: buffer[0..<count], as: UTF8.self).split(separator: "\n").map(String.init)
    }
}

@Suite("the daemon as a process: signals and systemd", .serialized,
       .enabled(if: builtStrideguard != nil, "strideguard is not built next to the tests (swift build first)"))
struct DaemonProcessTests {
    /// How long a realtime simulate may take to print its first live line on a loaded machine.
    private static let startTimeout = 30.0

    private func startSimulate(runDir: URL, extra: [String] = [], environment: [String: String] = [:]) throws -> DaemonChild {
        let binary = try #require(builtStrideguard)
        return try DaemonChild(binary: binary,
                               arguments: ["simulate", "--scenario", steadyScenario, "--realtime", "--run-dir", runDir.path] + extra,
                               environment: environment)
    }

    @Test("SIGTERM mid-run: exit 0 within 2 s, the run record complete with samples and events")
    func sigterm() async throws {
        let folder = try temporaryFolder("term")
        defer { try? FileManager.default.removeItem(at: folder) }
        let child = try startSimulate(runDir: folder)
        defer { child.killIfRunning() }

        let started = await child.waitFor(timeout: Self.startTimeout) { _, _ in !child.liveLineSeconds.isEmpty }
        try #require(started, "no live line; stderr: \(child.stderr.text)")
        let live = await child.waitFor(timeout: 10) { _, _ in (child.liveLineSeconds.last ?? 0) >= 3 }
        try #require(live, "the run did not reach 3 s; stdout: \(child.stdout.text)")

        let sent = child.signal(SIGTERM)
        let exited = await child.waitForExit(timeout: 10)
        try #require(exited, "still running 10 s after SIGTERM")
        let seconds = Double((child.exitNs ?? sent) - sent) / 1e9
        print("SIGTERM to exit: \(String(format: "%.3f", seconds)) s")
        #expect(seconds < 2, "SIGTERM to exit took \(seconds) s")
        #expect(child.process.terminationReason == .exit)
        #expect(child.process.terminationStatus == 0, "stderr: \(child.stderr.text)")
        #expect(child.stdout.text.contains("run record: "), "no summary printed: \(child.stdout.text)")

        let reader = try RunReader(path: try onlyRunRecord(in: folder))
        #expect(reader.metadata.complete)
        #expect(reader.metadata.stopReason == "closed")
        #expect(reader.metadata.endNs != nil)
        let summary = try reader.summary()
        #expect(summary.samples > 0)
        #expect(try !reader.events().isEmpty)
        #expect(summary.strides > 0)
    }

    @Test("SIGKILL mid-run: the cut-off record opens and holds data up to about the last second")
    func sigkill() async throws {
        let folder = try temporaryFolder("kill")
        defer { try? FileManager.default.removeItem(at: folder) }
        let child = try startSimulate(runDir: folder)
        defer { child.killIfRunning() }

        let started = await child.waitFor(timeout: Self.startTimeout) { _, _ in !child.liveLineSeconds.isEmpty }
        try #require(started, "no live line; stderr: \(child.stderr.text)")
        // 6 s, not 4: the first events leave the pipeline only after its release delay
        // (about 4 s, see below), and the record should hold some when it is cut off.
        let live = await child.waitFor(timeout: 15) { _, _ in (child.liveLineSeconds.last ?? 0) >= 6 }
        try #require(live, "the run did not reach 6 s; stdout: \(child.stdout.text)")
        // The virtual run time at the kill: the last live line's time plus the wall time since it came.
        let lastLine = try #require(child.liveLineSeconds.last)
        let lineSeenAt = nowSeconds()
        _ = child.signal(SIGKILL)
        let runSecondsAtKill = Double(lastLine) + (nowSeconds() - lineSeenAt)
        let exited = await child.waitForExit(timeout: 10)
        try #require(exited, "still running 10 s after SIGKILL")
        #expect(child.process.terminationReason == .uncaughtSignal)

        let reader = try RunReader(path: try onlyRunRecord(in: folder))
        #expect(!reader.metadata.complete)
        try reader.verifyIntegrity()
        let summary = try reader.summary()
        #expect(summary.samples > 0)
        let recorded = Double(reader.metadata.lastDataNs - reader.metadata.startNs) / 1e9
        let lastEvent = try reader.events().map(\.timeNs).max().map { Double($0 - reader.metadata.startNs) / 1e9 }
        print("SIGKILL at about \(String(format: "%.2f", runSecondsAtKill)) s of run: record holds data to "
              + "\(String(format: "%.2f", recorded)) s (lost \(String(format: "%.2f", runSecondsAtKill - recorded)) s), "
              + "last event at \(lastEvent.map { String(format: "%.2f", $0) } ?? "-") s")
        #expect(recorded <= runSecondsAtKill + 0.5)
        #expect(runSecondsAtKill - recorded <= 1.5, "lost \(runSecondsAtKill - recorded) s of a \(runSecondsAtKill) s run")
        // Events leave the pipeline only after its merger's release delay (the slowest
        // detector's latency and calibration window), so a kill also loses the events of that
        // delay; beyond it, at most the last second plus the gap between two events.
        let releaseDelay = Double(GaitPipeline(placements: [(.leftShank, sampleRateHz: 800), (.rightShank, sampleRateHz: 800)],
                                               analyzer: StrideAnalyzerConfiguration()).maximumLatencyNs) / 1e9
        let eventTime = try #require(lastEvent, "no events recorded")
        print("pipeline release delay \(String(format: "%.2f", releaseDelay)) s; events lost beyond it: "
              + "\(String(format: "%.2f", runSecondsAtKill - releaseDelay - eventTime)) s")
        #expect(runSecondsAtKill - releaseDelay - eventTime <= 2.0,
                "last event \(eventTime) s into a \(runSecondsAtKill) s run (release delay \(releaseDelay) s)")
    }

    @Test("systemd notifications: READY once, STATUS, WATCHDOG while samples flow, STOPPING on SIGTERM")
    func notifications() async throws {
        let folder = try temporaryFolder("notify")
        defer { try? FileManager.default.removeItem(at: folder) }
        let listener = try NotifyListener(path: folder.appendingPathComponent("notify").path)
        let child = try startSimulate(runDir: folder.appendingPathComponent("runs"),
                                      environment: ["NOTIFY_SOCKET": listener.path, "WATCHDOG_USEC": "2000000"])
        defer { child.killIfRunning() }

        var received: [String] = []
        // Until READY (bounded), then ~5 s of notifications.
        let startDeadline = nowSeconds() + Self.startTimeout
        while !received.contains("READY=1") && nowSeconds() < startDeadline && child.exitNs == nil {
            if let message = listener.receive() { received += message }
        }
        try #require(received.contains("READY=1"), "no READY=1; got \(received); stderr: \(child.stderr.text)")
        let watchUntil = nowSeconds() + 5
        while nowSeconds() < watchUntil && child.exitNs == nil {
            if let message = listener.receive() { received += message }
        }
        _ = child.signal(SIGTERM)
        let exitDeadline = nowSeconds() + 10
        while child.exitNs == nil && nowSeconds() < exitDeadline {
            if let message = listener.receive() { received += message }
        }
        while let message = listener.receive() { received += message }  // what is still queued
        let exited = await child.waitForExit(timeout: 5)
        try #require(exited, "still running after SIGTERM")
        #expect(child.process.terminationStatus == 0)

        let pets = received.filter { $0 == "WATCHDOG=1" }.count
        let statuses = received.filter { $0.hasPrefix("STATUS=") }
        print("notifications in ~5 s: READY \(received.filter { $0 == "READY=1" }.count), "
              + "STATUS \(statuses.count), WATCHDOG \(pets), STOPPING \(received.filter { $0 == "STOPPING=1" }.count)")
        #expect(received.filter { $0 == "READY=1" }.count == 1)
        #expect(statuses.count >= 3, "STATUS lines: \(statuses)")
        #expect(statuses.contains { $0.contains("spm") }, "no live line in STATUS: \(statuses)")
        // WATCHDOG_USEC 2 s: a pet every second of (virtual, paced) run time while samples
        // flow, so 5 or 6 in ~5 s; at least 3 leaves room for a loaded machine.
        #expect(pets >= 3, "WATCHDOG=1 \(pets) times")
        #expect(received.last(where: { !$0.hasPrefix("STATUS=") }) == "STOPPING=1", "got \(received.suffix(5))")
        #expect(received.firstIndex(of: "READY=1").map { ready in
            received.firstIndex(of: "WATCHDOG=1").map { $0 > ready } ?? false } ?? false, "a pet before READY")
        // "No WATCHDOG once samples stop" is not tested here: on the simulator samples flow
        // whenever the sensors answer (a standing segment still streams samples), so the
        // process cannot be made to stop them. The SystemdWatchdog unit tests cover it.
    }

    @Test("SIGHUP with --config: a changed pattern is reloaded, a bad file refused, the run goes on")
    func sighup() async throws {
        let folder = try temporaryFolder("hup")
        defer { try? FileManager.default.removeItem(at: folder) }
        // The commented default is wired as the simulator is (ADXL375 at 0x53 and 0x1d, lines 17/27, buzzer 18).
        let original = try String(contentsOfFile: processTestsRoot.appendingPathComponent("config/strideguard.yaml").path,
                                  encoding: .utf8)
        let configPath = folder.appendingPathComponent("strideguard.yaml").path
        try original.write(toFile: configPath, atomically: true, encoding: .utf8)
        let child = try startSimulate(runDir: folder.appendingPathComponent("runs"), extra: ["--config", configPath])
        defer { child.killIfRunning() }

        let started = await child.waitFor(timeout: Self.startTimeout) { _, _ in !child.liveLineSeconds.isEmpty }
        try #require(started, "no live line; stderr: \(child.stderr.text)")

        let changedPattern = original.replacingOccurrences(of: "sensor-fault: [1500]", with: "sensor-fault: [900, 100, 900]")
        try #require(changedPattern != original, "config/strideguard.yaml has no 'sensor-fault: [1500]' to change")
        try changedPattern.write(toFile: configPath, atomically: true, encoding: .utf8)
        _ = child.signal(SIGHUP)
        let reloaded = await child.waitFor(timeout: 10) { _, err in err.contains("configuration reloaded") }
        #expect(reloaded, "no reload line; stderr: \(child.stderr.text)")
        #expect(child.stderr.text.contains("patterns.sensor-fault"))

        let broken = changedPattern.replacingOccurrences(of: "address: 0x53", with: "address: 0x54")
        try #require(broken != changedPattern)
        try broken.write(toFile: configPath, atomically: true, encoding: .utf8)
        _ = child.signal(SIGHUP)
        let refused = await child.waitFor(timeout: 10) { _, err in err.contains("refused, keeping") }
        #expect(refused, "no refusal line; stderr: \(child.stderr.text)")
        #expect(child.stderr.text.contains("0x54"))

        // Still running, still producing live lines after the refused reload.
        let linesBefore = child.liveLineSeconds.count
        let goesOn = await child.waitFor(timeout: 10) { _, _ in child.liveLineSeconds.count >= linesBefore + 2 }
        #expect(goesOn, "no live lines after the refused reload")
        #expect(child.exitNs == nil)

        let sent = child.signal(SIGTERM)
        let exited = await child.waitForExit(timeout: 10)
        try #require(exited, "still running 10 s after SIGTERM")
        #expect(child.process.terminationStatus == 0, "stderr: \(child.stderr.text)")
        #expect(Double((child.exitNs ?? sent) - sent) / 1e9 < 2)
    }
}
