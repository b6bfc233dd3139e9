import StrideCore

/// Gives each FIFO sample its time from the watermark interrupt's kernel timestamp and
/// the data rate (DESIGN.md: never from when userspace got round to reading).
///
/// The interrupt fires when the FIFO level reaches the watermark, so the sample that
/// reached it (index `watermark - 1` of the unread samples) was produced at the edge's
/// timestamp; the others are spaced one sample period before and after it. The chip's
/// oscillator is not exact (datasheets allow several percent), so the period is
/// re-estimated from the samples counted between successive interrupts.
public struct FIFOTimestamper: Sendable {
    /// How far the measured period may stray from nominal before we distrust it: ADXL345
    /// and LIS3DH allow about ±10 % on the output data rate over temperature (datasheet
    /// specifications), so anything further is a missed interrupt, not a slow clock.
    public static let periodTolerance = 0.10
    /// Smoothing of the period estimate per interrupt: averages over ~16 interrupts
    /// (a fraction of a second), enough to smooth kernel latency jitter on the timestamps.
    public static let periodSmoothing = 1.0 / 16.0
    /// How late a polled anchor may be, in periods, and still be taken for a continuation:
    /// one period of polling lateness plus half a period of rounding.
    public static let pollSlackPeriods = 1.5

    /// Nominal period from the configured data rate, ns.
    public let nominalPeriodNs: Double
    /// Current estimate of the real period, ns.
    public private(set) var periodNs: Double
    private var lastAnchorTimeNs: UInt64?
    private var samplesSinceAnchor = 0
    private var lastSampleTimeNs: UInt64?
    private var lastAnchorFromEdge = false
    /// When the previous drain finished its last transfer (clock ns).
    private var lastDrainEndNs: UInt64 = 0
    /// Whether the next batch continues the last one sample for sample (false after a
    /// FIFO reset threw samples away, or before the first batch).
    private var continuous = false

    /// Creates a timestamper for a data rate.
    public init(dataRateHz: Double) {
        nominalPeriodNs = 1e9 / dataRateHz
        periodNs = nominalPeriodNs
    }

    /// Forgets the timing history (after a FIFO reset or a sensor restart).
    public mutating func reset() {
        lastAnchorTimeNs = nil
        samplesSinceAnchor = 0
        lastSampleTimeNs = nil
        lastAnchorFromEdge = false
        lastDrainEndNs = 0
        continuous = false
        periodNs = nominalPeriodNs
    }

    /// Tells the timestamper that samples were thrown away (a FIFO reset), so the next
    /// batch must not be timed as the continuation of the last one.
    public mutating func breakContinuity() {
        continuous = false
    }

    /// Stamps one drained batch: picks the time reference, stamps every sample, flags a
    /// gap. This is the one entry point drivers use.
    ///
    /// The watermark flag is a level, so when the bus drains barely faster than samples
    /// arrive the level climbs back over the watermark during a drain and raises a second
    /// edge. That edge, stamped before the previous drain ended, is stale: its sample was
    /// already read. Without an overrun the FIFO kept every sample, so such a batch
    /// continues the previous one, one period after its last sample. Fresh edges, polling
    /// and overruns use ``anchor(watermark:firstLevel:count:overrun:interruptTimeNs:nowNs:)``.
    ///
    /// - Parameters:
    ///   - watermark: FIFO watermark in samples; `firstLevel` is the level (samples) read
    ///     first in the drain.
    ///   - drainEndNs: the clock when the drain finished its last transfer.
    /// - Returns: samples lost before this batch.
    public mutating func stampDrain(_ buffer: UnsafeMutableBufferPointer<IMUSample>, count: Int, watermark: Int, firstLevel: Int,
                                    overrun: Bool, interruptTimeNs: UInt64?, nowNs: UInt64, drainEndNs: UInt64) -> Int {
        defer { lastDrainEndNs = drainEndNs }
        guard count > 0 else { return 0 }
        var anchor = Self.anchor(watermark: watermark, firstLevel: firstLevel, count: count, overrun: overrun,
                                 interruptTimeNs: interruptTimeNs, nowNs: nowNs)
        if let edge = interruptTimeNs, edge <= lastDrainEndNs, !overrun, continuous, let last = lastSampleTimeNs {
            // Extrapolated from the last edge anchor, so as good as one for learning the period.
            anchor = (0, last + UInt64(periodNs.rounded()), true)
        }
        let lost = stamp(buffer, count: count, anchorIndex: anchor.index, anchorTimeNs: anchor.timeNs,
                         afterGap: overrun, anchorFromEdge: anchor.fromEdge)
        continuous = true
        return lost
    }

    /// Stamps `count` samples of one batch.
    ///
    /// - Parameters:
    ///   - anchorIndex: index in this batch of the sample produced at `anchorTimeNs`.
    ///   - anchorTimeNs: the interrupt's timestamp, or the time the FIFO level was read
    ///     when polling (then `anchorIndex` is the last sample).
    ///   - afterGap: samples were lost before this batch; do not learn the period across it.
    ///   - anchorFromEdge: the anchor is a watermark edge's timestamp. A polled anchor
    ///     (`nowNs`) may be up to a period late, so the period is learnt only between two
    ///     edge anchors.
    /// - Returns: the first sample's time, the period to add per sample, and how many
    ///   samples the timestamps say were lost before the batch.
    public mutating func stamp(count: Int, anchorIndex: Int, anchorTimeNs: UInt64, afterGap: Bool, anchorFromEdge: Bool = true) -> (firstTimeNs: UInt64, periodNs: Double, lostSamples: Int) {
        defer { lastAnchorFromEdge = anchorFromEdge }
        if let previous = lastAnchorTimeNs, !afterGap, anchorFromEdge, lastAnchorFromEdge, anchorTimeNs > previous {
            let counted = samplesSinceAnchor + anchorIndex
            if counted > 0 {
                let measured = Double(anchorTimeNs - previous) / Double(counted)
                if abs(measured - nominalPeriodNs) <= Self.periodTolerance * nominalPeriodNs {
                    periodNs += (measured - periodNs) * Self.periodSmoothing
                }
            }
        }
        lastAnchorTimeNs = anchorTimeNs
        samplesSinceAnchor = count - anchorIndex
        let offset = Double(anchorIndex) * periodNs
        var first = Double(anchorTimeNs) - offset
        // Never step backwards: a late interrupt timestamp must not reorder samples.
        if let last = lastSampleTimeNs, first <= Double(last) {
            first = Double(last) + periodNs
        }
        // A polled anchor is late by up to a period (the newest sample was made some time
        // before the level was read). Within that slack the batch continues the last one
        // sample for sample; only a real gap (more than `pollSlackPeriods`) counts as lost.
        if !anchorFromEdge, !afterGap, let last = lastSampleTimeNs {
            let expected = Double(last) + periodNs
            if first > expected && first - expected < Self.pollSlackPeriods * periodNs { first = expected }
        }
        var lost = 0
        if let last = lastSampleTimeNs {
            let periods = (first - Double(last)) / periodNs
            lost = max(0, Int((periods - 1).rounded()))
        }
        let firstNs = UInt64(max(0, first))
        if count > 0 { lastSampleTimeNs = UInt64(max(0, first + Double(count - 1) * periodNs)) }
        return (firstNs, periodNs, lost)
    }

    /// Stamps a drained batch in place: each sample's time, `.afterGap` on the first
    /// sample after a gap. Returns the samples lost before the batch (at least 1 after a
    /// known gap such as an overrun).
    public mutating func stamp(_ buffer: UnsafeMutableBufferPointer<IMUSample>, count: Int, anchorIndex: Int, anchorTimeNs: UInt64, afterGap: Bool,
                               anchorFromEdge: Bool = true) -> Int {
        guard count > 0 else { return 0 }
        let result = stamp(count: count, anchorIndex: anchorIndex, anchorTimeNs: anchorTimeNs, afterGap: afterGap,
                           anchorFromEdge: anchorFromEdge)
        for i in 0..<count {
            buffer[i].timeNs = result.firstTimeNs + UInt64((Double(i) * result.periodNs).rounded())
        }
        let lost = afterGap ? max(result.lostSamples, 1) : result.lostSamples
        if lost > 0 { buffer[0].flags.insert(.afterGap) }
        return lost
    }

    /// Which sample of a batch the time reference belongs to.
    ///
    /// With a fresh watermark edge, the watermark-th unread sample was produced at the
    /// edge's timestamp. After an overrun, or when polling, the edge is stale or absent:
    /// then the newest sample at the first FIFO-level read stands at `nowNs`. `fromEdge`
    /// says which: pass it to ``stamp(_:count:anchorIndex:anchorTimeNs:afterGap:anchorFromEdge:)``.
    public static func anchor(watermark: Int, firstLevel: Int, count: Int, overrun: Bool,
                              interruptTimeNs: UInt64?, nowNs: UInt64) -> (index: Int, timeNs: UInt64, fromEdge: Bool) {
        // The anchor may lie beyond the batch: a drain cut short by a bus error read fewer
        // samples than were there, but the sample times still count from the level seen.
        if let edge = interruptTimeNs, !overrun, firstLevel >= watermark {
            return (watermark - 1, edge, true)
        }
        return (max(0, firstLevel - 1), nowNs, false)
    }
}
