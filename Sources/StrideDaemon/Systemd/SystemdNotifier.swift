#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why a notification did not reach the service manager.
public struct SystemdNotifyError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What failed.
    public enum Failure: Sendable, Equatable {
        /// NOTIFY_SOCKET is not an absolute path or an abstract name (`@...`), or is too
        /// long for a socket address.
        case unsupportedAddress
        /// socket(2) failed.
        case socket
        /// sendto(2) failed (for instance EAGAIN: the manager is not reading).
        case send
    }

    /// What failed.
    public var failure: Failure
    /// The socket address as given in NOTIFY_SOCKET.
    public var address: String
    /// errno, 0 if none.
    public var errno: Int32

    /// Creates an error.
    public init(_ failure: Failure, address: String, errno: Int32 = 0) {
        self.failure = failure
        self.address = address
        self.errno = errno
    }

    public var description: String {
        let what: String
        switch failure {
        case .unsupportedAddress: what = "unsupported NOTIFY_SOCKET address (want /path or @abstract)"
        case .socket: what = "cannot create a datagram socket"
        case .send: what = "cannot send a notification"
        }
        return "sd_notify \(address): \(what)" + (errno != 0 ? " [errno \(errno)]" : "")
    }
}

/// Talks to systemd over the `sd_notify` protocol: newline-separated `KEY=value`
/// assignments in one datagram to the AF_UNIX socket named by NOTIFY_SOCKET
/// (sd_notify(3)). Written directly on the socket, no libsystemd.
///
/// Without NOTIFY_SOCKET (run by hand, in tests, under another supervisor) every call is
/// a no-op that succeeds. Sends never block: a manager that is not reading costs a failed
/// notification (an error to log), never a stalled daemon. Thread-safe.
public final class SystemdNotifier: Sendable {
    /// The socket address (`/run/systemd/notify` or `@name`), or nil when not under systemd.
    public let address: String?
    private let fd: Int32
    private let setupError: SystemdNotifyError?

    /// Creates a notifier for the NOTIFY_SOCKET in `environment` (by default this
    /// process's environment). Nothing is sent.
    public convenience init(environment: [String: String]? = nil) {
        let value = environment.map { $0["NOTIFY_SOCKET"] } ?? Self.processEnvironment("NOTIFY_SOCKET")
        self.init(socketAddress: value)
    }

    /// Creates a notifier sending to `socketAddress`: an absolute path, or `@name` for the
    /// abstract namespace. Nil or empty makes a notifier that does nothing.
    public init(socketAddress: String?) {
        guard let socketAddress, !socketAddress.isEmpty else {
            address = nil
            fd = -1
            setupError = nil
            return
        }
        address = socketAddress
        guard Self.socketAddress(socketAddress) != nil else {
            fd = -1
            setupError = SystemdNotifyError(.unsupportedAddress, address: socketAddress)
            return
        }
        #if canImport(Glibc)
        let s = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        #else
        let s = socket(AF_UNIX, SOCK_DGRAM, 0)
        #endif
        if s < 0 {
            fd = -1
            setupError = SystemdNotifyError(.socket, address: socketAddress, errno: errno)
        } else {
            fd = s
            setupError = nil
        }
    }

    deinit {
        if fd >= 0 { close(fd) }
    }

    /// True when there is a service manager to tell.
    public var isActive: Bool { address != nil }

    /// Sends `READY=1`, with a status line if given: startup is finished (the sensors are up).
    public func ready(status: String? = nil) throws(SystemdNotifyError) {
        try send(["READY=1"] + (status.map { ["STATUS=\(Self.oneLine($0))"] } ?? []))
    }

    /// Sends `STATUS=...`: one line shown by `systemctl status`.
    public func status(_ text: String) throws(SystemdNotifyError) {
        try send(["STATUS=\(Self.oneLine(text))"])
    }

    /// Sends `WATCHDOG=1`. Call through ``SystemdWatchdog`` so it happens only while
    /// samples flow.
    public func watchdog() throws(SystemdNotifyError) {
        try send(["WATCHDOG=1"])
    }

    /// Sends `STOPPING=1`, with a status line if given: shutdown has begun.
    public func stopping(status: String? = nil) throws(SystemdNotifyError) {
        try send(["STOPPING=1"] + (status.map { ["STATUS=\(Self.oneLine($0))"] } ?? []))
    }

    /// Sends `RELOADING=1`: a configuration reload (SIGHUP) has begun; send ``ready(status:)``
    /// when it is done.
    public func reloading() throws(SystemdNotifyError) {
        try send(["RELOADING=1"])
    }

    /// Sends the assignments as one datagram. A no-op without NOTIFY_SOCKET.
    public func send(_ assignments: [String]) throws(SystemdNotifyError) {
        guard let address else { return }
        if let setupError { throw setupError }
        guard let (target, length) = Self.socketAddress(address) else {
            throw SystemdNotifyError(.unsupportedAddress, address: address)
        }
        var addr = target
        let message = Array(assignments.joined(separator: "\n").utf8)
        let sent = message.withUnsafeBytes { bytes in
            withUnsafePointer(to: &addr) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in
                    sendto(fd, bytes.baseAddress, bytes.count, Int32(MSG_DONTWAIT) | Int32(MSG_NOSIGNAL), sa, length)
                }
            }
        }
        if sent < 0 {
            throw SystemdNotifyError(.send, address: address, errno: errno)
        }
    }

    /// The watchdog interval systemd expects pets within (WATCHDOG_USEC), in ns, or nil
    /// when the watchdog is off or meant for another process (WATCHDOG_PID names a
    /// different PID). Pet at half of it.
    public static func watchdogInterval(environment: [String: String]? = nil, pid: Int32 = getpid()) -> UInt64? {
        let usecText = environment.map { $0["WATCHDOG_USEC"] } ?? processEnvironment("WATCHDOG_USEC")
        let pidText = environment.map { $0["WATCHDOG_PID"] } ?? processEnvironment("WATCHDOG_PID")
        guard let usecText, let usec = UInt64(usecText.trimmingSpaces), usec > 0 else { return nil }
        if let pidText, !pidText.isEmpty {
            guard let owner = Int32(pidText.trimmingSpaces), owner == pid else { return nil }
        }
        let (ns, overflow) = usec.multipliedReportingOverflow(by: 1000)
        return overflow ? UInt64.max : ns
    }

    /// A status text on one line: the protocol separates assignments by newlines.
    static func oneLine(_ text: String) -> String {
        String(text.map { $0 == "\n" || $0 == "\r" ? " " : $0 })
    }

    static func processEnvironment(_ name: String) -> String? {
        guard let value = getenv(name) else { return nil }
        return String(cString: value)
    }

    /// The sockaddr_un for a NOTIFY_SOCKET value and its length, or nil if unsupported.
    /// `@name` is the abstract namespace: a leading NUL and no terminator, the length
    /// counting exactly the name's bytes.
    static func socketAddress(_ text: String) -> (sockaddr_un, socklen_t)? {
        var bytes = Array(text.utf8)
        let abstract = bytes.first == UInt8(ascii: "@")
        if abstract {
            bytes[0] = 0
        } else if bytes.first != UInt8(ascii: "/") {
            return nil
        }
        var addr = sockaddr_un()
        let capacity = MemoryLayout.size(ofValue: addr.sun_path)
        // A path needs room for its terminating NUL; an abstract name does not.
        guard bytes.count + (abstract ? 0 : 1) <= capacity, bytes.count > 1 else { return nil }
        addr.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            raw.copyBytes(from: bytes)
        }
        let pathOffset = MemoryLayout<sockaddr_un>.offset(of: \.sun_path) ?? 2
        let length = pathOffset + bytes.count + (abstract ? 0 : 1)
        return (addr, socklen_t(length))
    }
}

private extension String {
    var trimmingSpaces: Substring {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" || f == "\n" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" || l == "\n" { s = s.dropLast() }
        return s
    }
}
