import StrideCore

/// The true metrics of one stride of one leg: from this leg's initial contact to its next.
public struct StrideTruth: Sendable, Equatable {
    /// Which leg.
    public var side: Side
    /// Initial contact, CLOCK_MONOTONIC ns.
    public var icNs: UInt64
    /// Toe-off, ns.
    public var toNs: UInt64
    /// This leg's next initial contact (the stride's end), ns.
    public var nextICNs: UInt64
    /// Stride time, s.
    public var strideTimeS: Double
    /// Step time (the other leg's previous contact to this one), s.
    public var stepTimeS: Double
    /// Contact time (toe-off − initial contact), s.
    public var contactTimeS: Double
    /// Flight time after this toe-off until the other leg's contact, s (0 when walking).
    public var flightTimeS: Double
    /// Duty factor: contact time / stride time.
    public var dutyFactor: Double
    /// Peak tibial acceleration, g (true bone signal, unclipped, gravity included).
    public var ptaG: Double
    /// Tibial loading rate, g/s: (peak − value at contact) / time to peak.
    public var loadingRateGPerS: Double
    /// What the runner was doing.
    public var activity: RunnerActivity
    /// Speed, m/s.
    public var speedMps: Double
    /// Grade, percent.
    public var slopePct: Double
    /// Steady gait: no stop, start or change of activity within the stride.
    public var steady: Bool

    /// The value of `metric` for this stride.
    public func value(_ metric: GaitMetric) -> Double {
        switch metric {
        case .contactTime: return contactTimeS
        case .stepTime: return stepTimeS
        case .flightTime: return flightTimeS
        case .strideTime: return strideTimeS
        case .dutyFactor: return dutyFactor
        case .pta: return ptaG
        case .loadingRate: return loadingRateGPerS
        }
    }
}

/// One item of ground truth, in the order the run produces them.
public enum GroundTruthItem: Sendable, Equatable {
    /// An initial contact or toe-off (IC events carry the true PTA and loading rate).
    case event(GaitEvent)
    /// A completed stride.
    case stride(StrideTruth)
}

/// Where ground truth goes as it is produced.
public protocol GroundTruthSink: AnyObject {
    /// A gait event (in time order).
    func record(event: GaitEvent)
    /// A completed stride (in order of its end).
    func record(stride: StrideTruth)
}

/// A sink that keeps everything (about 100 bytes a step: 8 hours is a few MB).
public final class GroundTruthRecorder: GroundTruthSink, @unchecked Sendable {
    /// Every event.
    public private(set) var events: [GaitEvent] = []
    /// Every stride.
    public private(set) var strides: [StrideTruth] = []

    /// Creates an empty recorder.
    public init() {}

    public func record(event: GaitEvent) { events.append(event) }
    public func record(stride: StrideTruth) { strides.append(stride) }

    /// The symmetry index of `metric` over the last `steps` steady strides (about half per
    /// leg) ending at or before `endNs`: 200·(mean L − mean R)/(mean L + mean R), percent.
    public func windowedSI(_ metric: GaitMetric, steps: Int = 64, endingAtNs endNs: UInt64 = .max) -> Double? {
        var left = 0.0, right = 0.0, nl = 0, nr = 0, taken = 0
        for s in strides.reversed() where s.steady && s.nextICNs <= endNs {
            if s.side == .left { left += s.value(metric); nl += 1 } else if s.side == .right { right += s.value(metric); nr += 1 }
            taken += 1
            if taken >= steps { break }
        }
        guard nl > 0, nr > 0 else { return nil }
        let l = left / Double(nl), r = right / Double(nr)
        return symmetryIndex(l, r)
    }
}

/// SI = 200·(L − R)/(L + R), percent (Robinson 1987).
public func symmetryIndex(_ left: Double, _ right: Double) -> Double {
    let sum = left + right
    return sum == 0 ? 0 : 200 * (left - right) / sum
}

/// The ground truth of a run as a stream: events in time order and strides as they
/// complete, generated on demand from its own copy of the timeline (bounded memory).
public struct GroundTruthStream: IteratorProtocol, Sendable {
    private var timeline: GaitTimeline
    private let startNs: UInt64
    private let endS: Double
    private var recent: [Contact] = []
    private var pending: [GaitEvent] = []
    private var out: [GroundTruthItem] = []
    private var outHead = 0
    private var finished = false

    /// Resolution of the search for the true impact peak, s.
    static let peakSearchStepS = 0.0001

    init(timeline: GaitTimeline, startNs: UInt64, endS: Double) {
        self.timeline = timeline
        self.startNs = startNs
        self.endS = endS
    }

    /// The next item, or nil when the run is over.
    public mutating func next() -> GroundTruthItem? {
        while outHead >= out.count {
            out.removeAll(keepingCapacity: true)
            outHead = 0
            if finished { return nil }
            pull()
        }
        let item = out[outHead]
        outHead += 1
        return item
    }

    private func ns(_ t: Double) -> UInt64 { startNs &+ UInt64(max(0, t * 1e9).rounded()) }

    private mutating func pull() {
        guard let c = timeline.next(), c.icS <= endS else {
            pending.sort { $0.timeNs < $1.timeNs }
            out.append(contentsOf: pending.map { .event($0) })
            pending.removeAll()
            finished = true
            return
        }
        let (pta, lr) = Self.impact(of: c)
        if c.icS >= 0 {
            pending.append(GaitEvent(kind: .initialContact, side: c.side, timeNs: ns(c.icS), peakG: Float(pta), loadingRateGPerS: Float(lr)))
        }
        if c.toS.isFinite, c.toS >= 0, c.toS <= endS {
            pending.append(GaitEvent(kind: .toeOff, side: c.side, timeNs: ns(c.toS)))
        }
        recent.append(c)
        if recent.count > 3 { recent.removeFirst() }
        if recent.count == 3, recent[0].icS >= 0, recent[0].toS.isFinite {
            let a = recent[0], b = recent[1], e = recent[2]
            let (pa, la) = Self.impact(of: a)
            let stride = e.icS - a.icS
            let contact = a.contactS
            out.append(.stride(StrideTruth(
                side: a.side, icNs: ns(a.icS), toNs: ns(a.toS), nextICNs: ns(e.icS),
                strideTimeS: stride, stepTimeS: a.stepS, contactTimeS: contact,
                flightTimeS: max(0, b.icS - a.toS), dutyFactor: contact / stride,
                ptaG: pa, loadingRateGPerS: la, activity: a.activity, speedMps: a.speedMps, slopePct: a.slopePct,
                steady: a.steady && b.steady && e.steady)))
        }
        // Every later event is at or after this contact.
        pending.sort { $0.timeNs < $1.timeNs }
        let limit = ns(c.icS)
        var k = 0
        while k < pending.count, pending[k].timeNs <= limit { k += 1 }
        out.append(contentsOf: pending[0..<k].map { .event($0) })
        pending.removeFirst(k)
    }

    /// The true impact peak of a contact (g) and its loading rate (g/s), from the noiseless
    /// body-frame axial shank signal.
    static func impact(of c: Contact) -> (Double, Double) {
        func axial(_ t: Double) -> Double { ShankModel.signal(atS: t, contact: c, next: nil).accel.0 }
        var bestT = c.icS, best = -Double.infinity
        var t = c.icS + 0.5 * c.riseS
        let end = c.icS + c.riseS + 0.003
        while t <= end {
            let a = axial(t)
            if a > best { best = a; bestT = t }
            t += peakSearchStepS
        }
        let lo = bestT - peakSearchStepS, fine = peakSearchStepS / 20
        t = lo
        while t <= bestT + peakSearchStepS {
            let a = axial(t)
            if a > best { best = a; bestT = t }
            t += fine
        }
        let rise = bestT - c.icS
        let lr = rise > 0 ? (best - axial(c.icS)) / rise : 0
        return (best, lr)
    }
}
