/// One stance found on a shank: its initial contact with the impact measures, and its
/// toe-off when one was found.
public struct ShankStance: Sendable, Equatable {
    /// The initial-contact event (peak tibial acceleration, clipping, loading rate).
    public var initialContact: GaitEvent
    /// The toe-off event, nil when none was found inside the stance bounds.
    public var toeOff: GaitEvent?

    /// Creates a stance.
    public init(initialContact: GaitEvent, toeOff: GaitEvent?) {
        self.initialContact = initialContact
        self.toeOff = toeOff
    }

    /// An empty stance, to preallocate buffers.
    public static let empty = ShankStance(initialContact: GaitEvent(kind: .initialContact, side: .left, timeNs: 0), toeOff: nil)
}

/// Lets stances through only inside a plausible running stride rhythm of one leg.
///
/// A stride (one initial contact of the leg to its next) is plausible for running when it
/// lasts from 2/4.75 s (at most 4.75 steps/s) to 270 + 600 ms (longest stance plus
/// longest swing): Kiernan et al. 2023's physiological bounds. Walking (strides of about
/// 1.0-1.3 s at 95-125 steps/min) and isolated knocks fail it. Stances are held until
/// `requiredStrides` plausible strides in a row exist, then released together, so the
/// first stances of a bout are not lost; while the rhythm holds, each stance passes at
/// once. Storage is allocated at creation only.
public struct ShankRhythmGate: Sendable {
    /// Shortest plausible running stride (s): two steps at Kiernan et al. 2023's maximum of
    /// 4.75 steps/s.
    public static let minStrideSeconds = 2 / 4.75
    /// Longest plausible running stride (s): Kiernan et al. 2023's longest stance (270 ms)
    /// plus longest swing (600 ms).
    public static let maxStrideSeconds = 0.270 + 0.600
    /// Plausible strides in a row before a bout is accepted (three contacts): one stride
    /// could be a coincidence of two knocks; two in a row with the same rhythm is a gait.
    public static let requiredStrides = 2

    private var pending: RingBuffer<ShankStance>
    private var chain = 0
    private var lastICNs: UInt64?
    /// Whether a running rhythm is established (stances pass straight through).
    public private(set) var isLocked = false
    /// The last plausible stride time (s), nil outside a rhythm.
    public private(set) var strideSeconds: Double?

    /// Creates a gate.
    public init() {
        pending = RingBuffer(capacity: Self.requiredStrides + 1, filler: .empty)
    }

    /// Offers a stance; stances that belong to a running rhythm are passed to `emit`
    /// (initial contact, then toe-off), in time order.
    public mutating func add(_ stance: ShankStance, emit: (GaitEvent) -> Void) {
        let t = stance.initialContact.timeNs
        var plausible = false
        if let last = lastICNs, t > last {
            let s = Double(t - last) * 1e-9
            plausible = s >= Self.minStrideSeconds && s <= Self.maxStrideSeconds
            strideSeconds = plausible ? s : nil
        } else {
            strideSeconds = nil
        }
        lastICNs = t
        if isLocked {
            if plausible {
                Self.release(stance, emit: emit)
                return
            }
            isLocked = false
        }
        if plausible {
            chain += 1
        } else {
            chain = 0
            pending.removeAll()
        }
        pending.append(stance)
        if chain >= Self.requiredStrides {
            isLocked = true
            var i = pending.oldestIndex
            while i <= pending.newestIndex {
                if let s = pending.element(at: i) { Self.release(s, emit: emit) }
                i += 1
            }
            pending.removeAll()
        }
    }

    /// Ends the rhythm when no contact came for longer than the longest stride. `timeNs` is
    /// the time up to which every contact has been offered (the detector's sample time less
    /// its confirmation latency).
    /// The initial contact of the oldest stance held for a rhythm, nil when none is held:
    /// nothing the gate releases later can be earlier than it.
    public var oldestPendingNs: UInt64? {
        guard pending.count > 0 else { return nil }
        return pending.element(at: pending.oldestIndex)?.initialContact.timeNs
    }

    public mutating func advance(to timeNs: UInt64) {
        guard let last = lastICNs, timeNs > last,
              Double(timeNs - last) * 1e-9 > Self.maxStrideSeconds else { return }
        if isLocked || chain > 0 || pending.count > 0 { reset() }
    }

    /// Forgets the rhythm and everything held (after a gap).
    public mutating func reset() {
        isLocked = false
        chain = 0
        pending.removeAll()
        lastICNs = nil
        strideSeconds = nil
    }

    private static func release(_ s: ShankStance, emit: (GaitEvent) -> Void) {
        emit(s.initialContact)
        if let to = s.toeOff { emit(to) }
    }
}
