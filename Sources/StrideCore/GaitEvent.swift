/// Which leg an event belongs to.
public enum Side: UInt8, Sendable, Equatable, CaseIterable {
    /// The left leg.
    case left
    /// The right leg.
    case right
    /// Side unknown (a sacrum sensor without a usable medio-lateral signal): steps still
    /// alternate, so they are paired as A and B.
    case stepA
    /// The other alternating step when the side is unknown.
    case stepB

    /// The opposite leg (A ↔ B when the side is unknown).
    public var other: Side {
        switch self {
        case .left: return .right
        case .right: return .left
        case .stepA: return .stepB
        case .stepB: return .stepA
        }
    }
}

/// The kind of gait event.
public enum GaitEventKind: UInt8, Sendable, Equatable {
    /// Initial contact: the foot strikes the ground.
    case initialContact
    /// Toe-off: the foot leaves the ground.
    case toeOff
}

/// One detected gait event.
public struct GaitEvent: Sendable, Equatable {
    /// Initial contact or toe-off.
    public var kind: GaitEventKind
    /// Which leg.
    public var side: Side
    /// When, CLOCK_MONOTONIC nanoseconds (the sample clock of the sensor that saw it).
    public var timeNs: UInt64
    /// For an initial contact: the impact peak along the body's long axis in g (peak
    /// tibial acceleration on a shank, peak vertical acceleration at the sacrum); 0 otherwise.
    public var peakG: Float
    /// The sensor clipped around the peak, so `peakG` is a lower bound.
    public var clipped: Bool
    /// For an initial contact: the loading rate, g/s, the mean slope of the axial
    /// acceleration from contact to the impact peak (tibial loading rate on a shank); 0 otherwise.
    public var loadingRateGPerS: Float

    /// Creates an event.
    public init(kind: GaitEventKind, side: Side, timeNs: UInt64, peakG: Float = 0, clipped: Bool = false, loadingRateGPerS: Float = 0) {
        self.kind = kind
        self.side = side
        self.timeNs = timeNs
        self.peakG = peakG
        self.clipped = clipped
        self.loadingRateGPerS = loadingRateGPerS
    }
}
