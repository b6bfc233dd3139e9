import Foundation
import StrideDaemon
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A service manager's end of NOTIFY_SOCKET: a datagram socket bound at a path in a
/// temporary folder, or at an abstract name.
private final class NotifyListener {
    let fd: Int32
    let address: String
    private let path: String?

    init(abstract: Bool = false) throws {
        let tag = "strideguard-notify-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        try #require(fd >= 0)
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        var bytes: [UInt8]
        if abstract {
            bytes = [0] + Array(tag.utf8)
            address = "@" + tag
            path = nil
        } else {
            let dir = FileManager.default.temporaryDirectory.path + "/" + tag
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            let p = dir + "/notify"
            bytes = Array(p.utf8) + [0]
            address = p
            path = p
        }
        withUnsafeMutableBytes(of: &addr.sun_path) { $0.copyBytes(from: bytes) }
        let length = socklen_t(2 + bytes.count - (abstract ? 0 : 1))
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        try #require(rc == 0, "bind \(address): errno \(errno)")
    }

    deinit {
        close(fd)
        if let path {
            unlink(path)
            rmdir((path as NSString).deletingLastPathComponent)
        }
    }

    /// Every datagram waiting now.
    func drain() -> [String] {
        var out: [String] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = recv(fd, &buffer, buffer.count, Int32(MSG_DONTWAIT))
            if n <= 0 { break }
            out.append(String(decoding: buffer[0..<n], as: UTF8.self))
        }
        return out
    }
}

private let second: UInt64 = 1_000_000_000

@Suite("systemd notifications")
struct SystemdNotifyTests {
    @Test func readyStatusWatchdogOnlyWhileSamplesFlowAndStopping() throws {
        let listener = try NotifyListener()
        // Injected, not through the process environment: tests run in parallel.
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": listener.address])
        #expect(notifier.isActive)
        let interval = SystemdNotifier.watchdogInterval(environment: ["WATCHDOG_USEC": "10000000"])
        #expect(interval == 10 * second)
        let gate = WatchdogGate()
        let watchdog = SystemdWatchdog(notifier: notifier, gate: gate, intervalNs: interval)
        #expect(watchdog.petIntervalNs == 5 * second)

        // Start-up: nothing flows yet, so no pet; READY once the sensors are up.
        #expect(!watchdog.tick(nowNs: 1 * second))
        try notifier.ready(status: "sensors up: left-shank, right-shank")
        #expect(listener.drain() == ["READY=1\nSTATUS=sensors up: left-shank, right-shank"])

        // Samples every 20 ms from 2 s to 30 s, the housekeeping loop ticks every 100 ms to 60 s.
        var petTimes: [UInt64] = []
        var t: UInt64 = 2 * second
        let samplesEnd: UInt64 = 30 * second
        while t <= 60 * second {
            if t <= samplesEnd {
                var s = t
                while s < t + second / 10 { gate.markSample(atNs: s); s += second / 50 }
            }
            watchdog.tick(nowNs: t)
            for message in listener.drain() {
                #expect(message == "WATCHDOG=1")
                petTimes.append(t)
            }
            if t == 10 * second {
                try notifier.status("12:00 cadence 172 SI contact +1.2 % (last 20 steps)")
                #expect(listener.drain() == ["STATUS=12:00 cadence 172 SI contact +1.2 % (last 20 steps)"])
            }
            t += second / 10
        }
        // The last sample was at 30.08 s: the pet at 32 s still sees it (1.92 s old), none after.
        #expect(petTimes == [2, 7, 12, 17, 22, 27, 32].map { $0 * second })
        #expect(petTimes.allSatisfy { $0 <= samplesEnd + WatchdogGate.defaultStaleAfterNs })
        #expect(watchdog.withheldCount > 0)

        try notifier.stopping(status: "stopping: flushing the run record")
        #expect(listener.drain() == ["STOPPING=1\nSTATUS=stopping: flushing the run record"])
    }

    @Test func petsResumeWhenSamplesComeBack() throws {
        let listener = try NotifyListener()
        let notifier = SystemdNotifier(socketAddress: listener.address)
        let gate = WatchdogGate(staleAfterNs: second)
        let watchdog = SystemdWatchdog(notifier: notifier, gate: gate, intervalNs: 4 * second)
        gate.markSample(atNs: 1 * second)
        #expect(watchdog.tick(nowNs: 1 * second))
        #expect(!watchdog.tick(nowNs: 3 * second)) // due, but the last sample is 2 s old: withheld
        #expect(!watchdog.tick(nowNs: 4 * second)) // still stale
        gate.markSample(atNs: 4_100_000_000)
        // Rechecked a tenth of the pet interval later.
        #expect(watchdog.nextTickNs == 4_200_000_000)
        #expect(watchdog.tick(nowNs: 4_200_000_000))
        #expect(listener.drain() == ["WATCHDOG=1", "WATCHDOG=1"])
        #expect(watchdog.petCount == 2)
    }

    @Test func theAbstractNamespaceWorks() throws {
        let listener = try NotifyListener(abstract: true)
        #expect(listener.address.hasPrefix("@"))
        let notifier = SystemdNotifier(socketAddress: listener.address)
        try notifier.ready()
        try notifier.watchdog()
        #expect(listener.drain() == ["READY=1", "WATCHDOG=1"])
    }

    @Test func withoutNotifySocketEverythingIsANoOp() throws {
        let notifier = SystemdNotifier(environment: [:])
        #expect(!notifier.isActive)
        try notifier.ready(status: "x")
        try notifier.watchdog()
        try notifier.stopping()
        let watchdog = SystemdWatchdog(notifier: notifier, gate: WatchdogGate(), intervalNs: SystemdNotifier.watchdogInterval(environment: [:]))
        #expect(watchdog.nextTickNs == nil)
        #expect(!watchdog.tick(nowNs: 5 * second))
    }

    @Test func badAddressesAndAMissingListenerAreErrorsNotCrashes() {
        #expect(throws: SystemdNotifyError.self) { try SystemdNotifier(socketAddress: "relative/path").ready() }
        #expect(throws: SystemdNotifyError.self) { try SystemdNotifier(socketAddress: "/" + String(repeating: "x", count: 200)).ready() }
        #expect(throws: SystemdNotifyError.self) { try SystemdNotifier(socketAddress: "/nonexistent/strideguard/notify").ready() }
    }

    @Test func statusIsKeptOnOneLine() throws {
        let listener = try NotifyListener()
        let notifier = SystemdNotifier(socketAddress: listener.address)
        try notifier.status("two\nlines")
        #expect(listener.drain() == ["STATUS=two lines"])
    }

    @Test func watchdogIntervalParsing() {
        let pid = getpid()
        #expect(SystemdNotifier.watchdogInterval(environment: ["WATCHDOG_USEC": "10000000", "WATCHDOG_PID": "\(pid)"], pid: pid) == 10 * second)
        #expect(SystemdNotifier.watchdogInterval(environment: ["WATCHDOG_USEC": "10000000", "WATCHDOG_PID": "\(pid + 1)"], pid: pid) == nil)
        #expect(SystemdNotifier.watchdogInterval(environment: ["WATCHDOG_USEC": "0"]) == nil)
        #expect(SystemdNotifier.watchdogInterval(environment: ["WATCHDOG_USEC": "ten"]) == nil)
        #expect(SystemdNotifier.watchdogInterval(environment: [:]) == nil)
    }

    @Test func theGateIsClosedUntilASampleAndWhenStale() {
        let gate = WatchdogGate(staleAfterNs: second)
        #expect(!gate.isFlowing(atNs: 5 * second))
        gate.markSample(atNs: 5 * second)
        gate.markSample(atNs: 4 * second) // never backwards
        #expect(gate.lastSampleTimeNs == 5 * second)
        #expect(gate.isFlowing(atNs: 6 * second))
        #expect(!gate.isFlowing(atNs: 6 * second + 1))
    }
}
