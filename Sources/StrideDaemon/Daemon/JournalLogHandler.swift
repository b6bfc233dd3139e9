import Foundation
import Logging

/// Log lines for the systemd journal: `<priority>message` on standard error, which
/// journald turns into the entry's priority (sd-daemon(3), "SD_WARNING" prefixes). On a
/// terminal the prefix is replaced by a readable level.
public struct JournalLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    private let label: String
    private let forJournal: Bool

    /// Creates a handler; `forJournal` defaults to whether stderr is not a terminal.
    public init(label: String, level: Logger.Level = .info, forJournal: Bool = isatty(STDERR_FILENO) == 0) {
        self.label = label
        self.logLevel = level
        self.forJournal = forJournal
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// syslog priority for a level (sd-daemon(3)).
    static func priority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: return 7
        case .info: return 6
        case .notice: return 5
        case .warning: return 4
        case .error: return 3
        case .critical: return 2
        }
    }

    public func log(event: LogEvent) {
        let text = forJournal ? "<\(Self.priority(event.level))>\(event.message)\n" : "\(event.level): \(event.message)\n"
        FileHandle.standardError.write(Data(text.utf8))
    }
}
