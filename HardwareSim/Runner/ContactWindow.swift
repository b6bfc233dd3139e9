/// A sliding window over the gait timeline for one reader: the few contacts around the
/// time being read, generated on demand and dropped once passed, so memory stays bounded
/// however long the run. Reading back in time replays the timeline from the start.
struct ContactWindow: Sendable {
    private let initial: GaitTimeline
    private var timeline: GaitTimeline
    /// The contacts kept, in time order.
    private(set) var contacts: [Contact] = []
    private var exhausted = false
    private var dropped = false
    /// Contacts kept that began at or before the time read.
    static let keptBehind = 4

    init(timeline: GaitTimeline) {
        initial = timeline
        self.timeline = timeline
        contacts.reserveCapacity(16)
    }

    /// Makes the window cover `t` (s): every contact begun at or before it that still
    /// matters, and at least two after it. Returns the index of the first contact after `t`.
    mutating func advance(toS t: Double) -> Int {
        if dropped, let first = contacts.first, t < first.icS {
            timeline = initial
            contacts.removeAll(keepingCapacity: true)
            exhausted = false
            dropped = false
        }
        while !exhausted, after(t) < 2 {
            if let c = timeline.next() { contacts.append(c) } else { exhausted = true }
        }
        var firstAfter = contacts.count
        while firstAfter > 0, contacts[firstAfter - 1].icS > t { firstAfter -= 1 }
        if firstAfter > Self.keptBehind {
            let drop = firstAfter - Self.keptBehind
            contacts.removeFirst(drop)
            dropped = true
            firstAfter -= drop
        }
        return firstAfter
    }

    private func after(_ t: Double) -> Int {
        var n = 0
        for c in contacts.reversed() {
            guard c.icS > t else { break }
            n += 1
        }
        return n
    }
}
