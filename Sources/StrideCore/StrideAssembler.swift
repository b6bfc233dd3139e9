/// Turns a time-ordered stream of gait events of both legs into per-leg strides.
///
/// A stride of leg X runs from one initial contact (IC) of X to the next. Within it the
/// assembler expects X's toe-off (TO) and one IC of the other leg; from them:
/// stride time = IC′(X) − IC(X), contact time = TO(X) − IC(X), step time = IC(other) −
/// IC(X), flight time = IC(other) − TO(X), duty factor = contact / stride. The stride is
/// emitted at IC′(X). Missing, extra, out-of-order events, gaps and values outside the
/// physiological bounds set quality flags; the stride is still returned so it can be
/// logged. State is a few numbers per leg: nothing is allocated.
///
/// Events must arrive in time order across both legs (the caller merges the sensors by
/// time); an event older than the last one processed is dropped and flags the stride.
public struct StrideAssembler: Sendable {
    private struct Leg: Sendable {
        var hasContact = false
        var contact = GaitEvent(kind: .initialContact, side: .left, timeNs: 0)
        var hasToeOff = false
        var toeOffNs: UInt64 = 0
        var hasOtherContact = false
        var otherContactNs: UInt64 = 0
        var flags: StrideQuality = []
        var strides = 0
    }

    /// The physiological bounds applied.
    public let bounds: StrideQualityBounds
    private var legs = (Leg(), Leg())
    private var lastEventNs: UInt64 = 0
    private var seenEvent = false
    /// Events dropped because they arrived out of time order.
    public private(set) var outOfOrderEvents = 0

    /// Creates an assembler with the given bounds (default: Kiernan et al. 2023).
    public init(bounds: StrideQualityBounds = StrideQualityBounds()) {
        self.bounds = bounds
    }

    /// Forgets the open strides (after a sensor gap or a pause): the next stride of each
    /// leg carries `.afterGap`.
    public mutating func noteGap() {
        for slot in 0..<2 {
            modifyLeg(slot) { leg in
                leg.hasContact = false
                leg.flags = .afterGap
            }
        }
    }

    /// Processes one event; returns the stride it completes, if any.
    public mutating func process(_ event: GaitEvent) -> StrideRecord? {
        let s = event.side.legSlot
        if seenEvent, event.timeNs < lastEventNs {
            outOfOrderEvents += 1
            modifyLeg(s) { $0.flags.insert(.outOfOrder) }
            return nil
        }
        seenEvent = true
        lastEventNs = event.timeNs
        let t = event.timeNs
        switch event.kind {
        case .toeOff:
            modifyLeg(s) { leg in
                guard leg.hasContact else { return }
                if leg.hasToeOff {
                    leg.flags.insert(.extraEvents)
                } else {
                    leg.hasToeOff = true
                    leg.toeOffNs = t
                }
            }
            return nil
        case .initialContact:
            modifyLeg(1 - s) { other in
                guard other.hasContact else { return }
                if other.hasOtherContact {
                    other.flags.insert(.extraEvents)
                } else {
                    other.hasOtherContact = true
                    other.otherContactNs = t
                }
            }
            var record: StrideRecord?
            let b = bounds
            let maxStrideNs = b.maxStrideSeconds * 1e9
            modifyLeg(s) { leg in
                var nextFlags: StrideQuality = []
                if leg.hasContact {
                    if Double(t - leg.contact.timeNs) > maxStrideNs {
                        nextFlags = .afterGap
                    } else {
                        record = Self.build(leg: leg, endNs: t, side: event.side, bounds: b)
                        leg.strides += 1
                    }
                } else {
                    nextFlags = leg.flags.intersection(.afterGap)
                }
                leg.hasContact = true
                leg.contact = event
                leg.hasToeOff = false
                leg.hasOtherContact = false
                leg.flags = nextFlags
            }
            return record
        }
    }

    private static func build(leg: Leg, endNs: UInt64, side: Side, bounds: StrideQualityBounds) -> StrideRecord {
        let ic = leg.contact.timeNs
        var flags = leg.flags
        var m = MetricVector()
        let strideMs = Double(endNs - ic) * 1e-6
        m[.strideTime] = strideMs
        var contactMs: Double?
        if leg.hasToeOff, leg.toeOffNs > ic, leg.toeOffNs < endNs {
            let c = Double(leg.toeOffNs - ic) * 1e-6
            contactMs = c
            m[.contactTime] = c
            if strideMs > 0 { m[.dutyFactor] = c / strideMs }
        } else {
            flags.insert(.missingToeOff)
        }
        if leg.hasOtherContact, leg.otherContactNs > ic, leg.otherContactNs < endNs {
            let step = Double(leg.otherContactNs - ic) * 1e-6
            m[.stepTime] = step
            if let c = contactMs { m[.flightTime] = step - c }
            if step < 1000 / bounds.maxStepsPerSecond { flags.insert(.stepRateTooHigh) }
        } else {
            flags.insert(.missingContralateralContact)
        }
        if strideMs < 2000 / bounds.maxStepsPerSecond { flags.insert(.stepRateTooHigh) }
        if let c = contactMs {
            if c < bounds.stanceMinMs || c > bounds.stanceMaxMs { flags.insert(.stanceOutOfBounds) }
            let swing = strideMs - c
            if swing < bounds.swingMinMs || swing > bounds.swingMaxMs { flags.insert(.swingOutOfBounds) }
        }
        let peak = Double(leg.contact.peakG)
        let clipped = leg.contact.clipped
        if !clipped, peak > 0 {
            m[.peakTibialAcceleration] = peak
            let lr = Double(leg.contact.loadingRateGPerS)
            if lr > 0 { m[.loadingRate] = lr }
        }
        return StrideRecord(side: side, index: leg.strides, startNs: ic, endNs: endNs, metrics: m,
                            rawPeakG: peak, peakClipped: clipped, quality: flags)
    }

    @inline(__always)
    private mutating func modifyLeg(_ slot: Int, _ body: (inout Leg) -> Void) {
        if slot == 0 { body(&legs.0) } else { body(&legs.1) }
    }
}
