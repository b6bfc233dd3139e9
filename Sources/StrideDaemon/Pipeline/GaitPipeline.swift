import StrideCore

/// What the gait pipeline emits.
public enum PipelineOutput: Sendable, Equatable {
    /// A gait event, in time order across legs (the events that feed the stride analyser).
    case event(GaitEvent)
    /// A stride, a symmetry window, the learnt baseline or an alert from the analyser.
    case analyzer(StrideAnalyzerOutput)
    /// The wearer's activity changed (standing, walking, running).
    case activity(Activity)
    /// A shank's mount started or stopped ringing after impacts (a loose strap, whose
    /// PTA reads high): the placement and its check.
    case mount(Placement, MountRingingCheck)
}

/// The glue from raw samples of several placements to gait events and the stride
/// analyser's outputs; used by the daemon and by `strideguard replay`.
///
/// - One `ShankEventDetector` per shank, one `SacrumEventDetector` for the sacrum.
/// - The events that feed the analyser come from the shanks when there is at least one
///   shank, else from the sacrum. The sacrum, when present, tells the activity; with
///   shanks only, events imply running, and more than
///   `ActivityClassifier.maxStepIntervalSeconds` without one is a pause (the analyser is
///   told through `noteGap()`), walking while a shank moves and standing while both are
///   still.
/// - An `EventMerger` puts the event sources into one time-ordered stream, holding each
///   event until every active source has delivered samples past its time plus the
///   slowest detector's latency (its calibration window included).
///
/// Every buffer is allocated in `init`; `process` allocates nothing per sample (measured in
/// Benchmarks/Benchmarks/CorePerSample). Not thread-safe: call from one thread.
public final class GaitPipeline {
    /// Installation details beyond placement and rate.
    public struct Options: Sendable, Equatable {
        /// Nominal mounting per placement (sensor-frame up and forward); the default is
        /// `.xUpYForward`, the virtual runner's and the body-frame replay's convention.
        public var mountings: [Placement: MountingAxes]
        /// Where the sacrum detector takes each step's side from.
        public var sacrumSideSource: SideSource
        /// Let the shank detectors use the gyroscope for toe-off when samples carry one.
        public var useGyroscope: Bool

        /// Creates options.
        public init(mountings: [Placement: MountingAxes] = [:], sacrumSideSource: SideSource = .medioLateral,
                    useGyroscope: Bool = true) {
            self.mountings = mountings
            self.sacrumSideSource = sacrumSideSource
            self.useGyroscope = useGyroscope
        }
    }

    /// Extra room in the event merger beyond its default, for a sacrum whose step events
    /// wait for their side: two events a step at 4.75 steps/s (Kiernan et al. 2023) over
    /// the longest latency below stays well under 128.
    public static let mergerCapacity = 128

    private var left: ShankEventDetector?
    private var right: ShankEventDetector?
    private var sacrum: SacrumEventDetector?
    private var merger: EventMerger
    private var analyzer: StrideAnalyzer
    /// Merger source per placement (-1: its events do not feed the analyser).
    private let sourceLeft: Int
    private let sourceRight: Int
    private let sourceSacrum: Int
    private let shanksFeedAnalyzer: Bool
    private let pauseNs: UInt64
    private var lastReleasedNs: UInt64 = 0
    private var hasReleased = false
    private var newestSampleNs: UInt64 = 0
    private var reportedActivity: Activity = .unknown
    /// Whether there is a sacrum detector, and its activity after the latest sample (kept
    /// apart so that a release inside the detector's own callback does not read it).
    private let hasSacrum: Bool
    private var sacrumActivity: Activity = .unknown
    /// The shanks' mount checks as last reported (left, right).
    private var reportedLoose = (left: false, right: false)

    /// Events emitted so far.
    public private(set) var eventsEmitted = 0
    /// Samples for a placement the pipeline was not built for (ignored).
    public private(set) var unexpectedSamples = 0

    /// The release delay in steady running, ns. Shank events are released as soon as each
    /// detector's safe horizon passes them (about half a second, ShankEventDetector
    /// .steadyLatencySeconds; longer only at the start of a bout or during calibration).
    /// Sacrum events (when no shank feeds the analyzer) wait the sacrum detector's worst
    /// latency plus its calibration window.
    public let maximumLatencyNs: UInt64

    /// Creates a pipeline for the given sensors with the analyser's configuration.
    /// A placement listed twice keeps its first rate; a non-positive rate falls back to the
    /// detector's own default.
    public init(placements: [(Placement, sampleRateHz: Double)], analyzer configuration: StrideAnalyzerConfiguration,
                options: Options = Options()) {
        func rate(_ p: Placement) -> Double? { placements.first { $0.0 == p }?.sampleRateHz }
        func mounting(_ p: Placement) -> MountingAxes { options.mountings[p] ?? .xUpYForward }
        var latencyS = 0.0
        if let fs = rate(.leftShank) {
            let c = ShankEventDetector.Configuration(side: .left, sampleRateHz: fs, mounting: mounting(.leftShank),
                                                     useGyroscope: options.useGyroscope)
            left = ShankEventDetector(configuration: c)
            latencyS = max(latencyS, ShankEventDetector.maximumLatencySeconds + c.calibrationSeconds)
        }
        if let fs = rate(.rightShank) {
            let c = ShankEventDetector.Configuration(side: .right, sampleRateHz: fs, mounting: mounting(.rightShank),
                                                     useGyroscope: options.useGyroscope)
            right = ShankEventDetector(configuration: c)
            latencyS = max(latencyS, ShankEventDetector.maximumLatencySeconds + c.calibrationSeconds)
        }
        shanksFeedAnalyzer = left != nil || right != nil
        if let fs = rate(.sacrum) {
            let c = SacrumEventDetector.Configuration(sampleRateHz: fs, mounting: mounting(.sacrum),
                                                      sideSource: options.sacrumSideSource)
            sacrum = SacrumEventDetector(configuration: c)
            if !shanksFeedAnalyzer {
                // A step's events wait up to two step times for their side; the longest
                // step interval of a bout bounds that (SacrumEventDetector, "Latency").
                latencyS = max(latencyS, 2 * SacrumEventDetector.maxStepGapSeconds + c.calibrationSeconds)
            }
        }
        hasSacrum = sacrum != nil
        var next = 0
        func source(_ present: Bool) -> Int {
            guard present else { return -1 }
            defer { next += 1 }
            return next
        }
        sourceLeft = source(left != nil)
        sourceRight = source(right != nil)
        sourceSacrum = source(!shanksFeedAnalyzer && sacrum != nil)
        // The shank detectors say themselves how far back an event can still come (their
        // safe horizon), so the merger adds no delay of its own for them.
        maximumLatencyNs = shanksFeedAnalyzer ? UInt64(ShankEventDetector.steadyLatencySeconds * 1e9) : UInt64(latencyS * 1e9)
        merger = EventMerger(sources: max(1, next), maximumLatencyNs: shanksFeedAnalyzer ? 0 : maximumLatencyNs,
                             capacity: Self.mergerCapacity)
        analyzer = StrideAnalyzer(configuration: configuration)
        pauseNs = UInt64(ActivityClassifier.maxStepIntervalSeconds * 1e9)
    }

    /// The stride analyser (baseline, active alert, cadence).
    public var strideAnalyzer: StrideAnalyzer { analyzer }

    /// Events the merger dropped because they came later than its latency allowed.
    public var lateEvents: Int { merger.lateEvents }

    /// The current activity as last reported.
    public var activity: Activity { reportedActivity }

    /// Processes a batch of one placement's samples (sensor frame, in time order).
    /// Outputs go to `emit`; nothing is allocated.
    public func process(_ placement: Placement, _ batch: UnsafeBufferPointer<IMUSample>, emit: (PipelineOutput) -> Void) {
        guard let last = batch.last else { return }
        if last.timeNs > newestSampleNs { newestSampleNs = last.timeNs }
        switch placement {
        case .leftShank:
            guard left != nil else { unexpectedSamples += batch.count; return }
            for sample in batch {
                left?.process(sample) { event in self.merger.add(event) { self.release($0, emit: emit) } }
            }
            merger.advance(sourceLeft, toNs: left?.safeHorizonNs ?? last.timeNs) { self.release($0, emit: emit) }
            reportMount(.leftShank, left?.mountCheck, reported: &reportedLoose.left, emit: emit)
        case .rightShank:
            guard right != nil else { unexpectedSamples += batch.count; return }
            for sample in batch {
                right?.process(sample) { event in self.merger.add(event) { self.release($0, emit: emit) } }
            }
            merger.advance(sourceRight, toNs: right?.safeHorizonNs ?? last.timeNs) { self.release($0, emit: emit) }
            reportMount(.rightShank, right?.mountCheck, reported: &reportedLoose.right, emit: emit)
        case .sacrum:
            guard sacrum != nil else { unexpectedSamples += batch.count; return }
            if shanksFeedAnalyzer {
                for sample in batch { sacrum?.process(sample) { _ in } }
                sacrumActivity = sacrum?.activity ?? .unknown
            } else {
                for sample in batch {
                    sacrum?.process(sample) { event in self.merger.add(event) { self.release($0, emit: emit) } }
                    sacrumActivity = sacrum?.activity ?? .unknown
                }
                merger.advance(sourceSacrum, toNs: last.timeNs) { self.release($0, emit: emit) }
            }
        }
        updateActivity(emit: emit)
    }

    /// Marks a sensor lost (false) or back (true): a lost sensor must not hold back the
    /// other leg's events.
    public func setActive(_ placement: Placement, _ isActive: Bool) {
        let s = source(of: placement)
        if s >= 0 { merger.setActive(s, isActive) }
    }

    /// Tells the pipeline that `placement` had a gap (sensor lost and back): open strides
    /// are dropped. The detectors themselves restart on the `.afterGap` sample flag.
    public func noteGap(_ placement: Placement) {
        if source(of: placement) >= 0 { analyzer.noteGap() }
    }

    /// Flushes every detector and the merger (end of a recording or shutdown).
    public func finish(emit: (PipelineOutput) -> Void) {
        left?.finish { event in self.merger.add(event) { self.release($0, emit: emit) } }
        right?.finish { event in self.merger.add(event) { self.release($0, emit: emit) } }
        if shanksFeedAnalyzer {
            sacrum?.finish { _ in }
        } else {
            sacrum?.finish { event in self.merger.add(event) { self.release($0, emit: emit) } }
        }
        sacrumActivity = sacrum?.activity ?? .unknown
        merger.flush { self.release($0, emit: emit) }
        updateActivity(emit: emit)
    }

    // MARK: - Private

    private func source(of placement: Placement) -> Int {
        switch placement {
        case .leftShank: return sourceLeft
        case .rightShank: return sourceRight
        case .sacrum: return sourceSacrum
        }
    }

    /// The activity for an event released now.
    private var currentActivity: Activity {
        hasSacrum ? sacrumActivity : .running
    }

    /// Emits `.mount` when a shank's check changed its mind since the last report.
    private func reportMount(_ placement: Placement, _ check: MountRingingCheck?, reported: inout Bool,
                             emit: (PipelineOutput) -> Void) {
        guard let check, check.looseSuspected != reported else { return }
        reported = check.looseSuspected
        emit(.mount(placement, check))
    }

    private func release(_ event: GaitEvent, emit: (PipelineOutput) -> Void) {
        if !hasSacrum {
            // Shanks only: a long silence is a pause.
            if hasReleased, event.timeNs > lastReleasedNs, event.timeNs - lastReleasedNs > pauseNs {
                analyzer.noteGap()
            }
            if reportedActivity != .running {
                reportedActivity = .running
                emit(.activity(.running))
            }
        }
        if !hasReleased || event.timeNs > lastReleasedNs { lastReleasedNs = event.timeNs }
        hasReleased = true
        eventsEmitted += 1
        emit(.event(event))
        analyzer.process(event, activity: currentActivity) { emit(.analyzer($0)) }
    }

    private func updateActivity(emit: (PipelineOutput) -> Void) {
        if hasSacrum {
            let a = sacrumActivity
            if a != reportedActivity {
                reportedActivity = a
                emit(.activity(a))
            }
        } else if let a = shankActivityWhileNotRunning(), a != reportedActivity {
            reportedActivity = a
            emit(.activity(a))
        }
    }

    /// Shanks only: standing or walking when no running event has been released for
    /// longer than a step pause plus the detectors' latency (running is reported by the
    /// events themselves, `release`); nil while that cannot be told yet.
    ///
    /// Standing when every shank is still (`ShankEventDetector.isStill`: its last 0.3 s of
    /// specific force unchanged), walking when one moves: the shank rotates through some
    /// 50° over a walking stride (Perry 1992), far more than a stand's sway. Out of a stand
    /// (or before anything was said), an impact of 3 g in the last pause may be a run
    /// starting whose events still wait for a rhythm, so the activity is held then rather
    /// than called walking for a few seconds; after running, the first quiet moment
    /// decides. Nothing is said before the detectors know their axes.
    private func shankActivityWhileNotRunning() -> Activity? {
        if hasReleased {
            guard newestSampleNs > lastReleasedNs &+ pauseNs &+ maximumLatencyNs else { return nil }
        } else if !knowsItsAxis(left) || !knowsItsAxis(right) {
            return nil
        }
        if reportedActivity != .running, recentImpact(left) || recentImpact(right) { return nil }
        // (No arrays here: this runs once a batch and allocates nothing.)
        let l = stillness(left), r = stillness(right)
        guard l.present || r.present else { return nil }
        if (l.present && l.still == nil) || (r.present && r.still == nil) { return nil }
        let moving = (l.present && l.still == false) || (r.present && r.still == false)
        return moving ? .walking : .standing
    }

    /// Whether `shank`, if fitted, has its body axes.
    private func knowsItsAxis(_ shank: ShankEventDetector?) -> Bool {
        guard let shank else { return true }
        return shank.alignment != nil
    }

    /// Whether `shank` saw a 3 g impact within the last step pause.
    private func recentImpact(_ shank: ShankEventDetector?) -> Bool {
        guard let t = shank?.lastImpactNs else { return false }
        return newestSampleNs < t &+ pauseNs
    }

    /// Whether `shank` is fitted, and whether it was still (nil: not known yet).
    private func stillness(_ shank: ShankEventDetector?) -> (present: Bool, still: Bool?) {
        guard let shank else { return (false, nil) }
        return (true, shank.isStill)
    }
}
