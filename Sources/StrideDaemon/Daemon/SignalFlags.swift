import Dispatch
import Foundation
import Synchronization

/// SIGTERM, SIGINT and SIGHUP as flags the daemon's loop polls: the handlers run on a
/// dispatch queue, never inside the acquisition path.
///
/// `@unchecked Sendable`: the flags are atomics; `sources` is written once in `init` and
/// only kept to hold the dispatch sources alive.
public final class SignalFlags: @unchecked Sendable {
    private let stop = Atomic<Bool>(false)
    private let reload = Atomic<Bool>(false)
    private var sources: [DispatchSourceSignal] = []

    /// Installs the handlers.
    public init() {
        let queue = DispatchQueue(label: "strideguard.signals")
        var installed: [DispatchSourceSignal] = []
        for signal in [SIGTERM, SIGINT, SIGHUP] {
            Foundation.signal(signal, SIG_IGN)  // let the dispatch source, not the default action, handle it
            let source = DispatchSource.makeSignalSource(signal: signal, queue: queue)
            source.setEventHandler { [self] in
                if signal == SIGHUP { self.reload.store(true, ordering: .releasing) } else { self.stop.store(true, ordering: .releasing) }
            }
            source.resume()
            installed.append(source)
        }
        sources = installed
    }

    /// SIGTERM or SIGINT came.
    public var stopRequested: Bool { stop.load(ordering: .acquiring) }

    /// SIGHUP came since the last call (clears it).
    public func takeReloadRequest() -> Bool { reload.exchange(false, ordering: .acquiringAndReleasing) }
}
