import HardwareSim
import StrideCore
import Testing

// A corrupt recording can hand the core an infinite or NaN sample (fuzzing the replay
// reader found a 6e69 g value that became +inf as a Float and trapped the shank detector).
// The detectors drop such a sample, count it, and restart as after a gap.

@Suite struct NonFiniteSampleTests {
    /// Feeds `seconds` of the steady scenario's left leg at 800 Hz to `process`, replacing
    /// every `poisonEvery`-th sample's vertical axis by `poison`.
    static func feed(placement: Placement, seconds: Double, poisonEvery: Int, poison: Float,
                     _ process: (IMUSample) -> Void) throws {
        let runner = VirtualRunner(scenario: try ScenarioParser.load(path: Paths.scenario("steady-symmetric")))
        let source = runner.source(for: placement)
        let periodNs: UInt64 = 1_250_000
        var t = runner.startNs
        var i = 0
        while t < runner.startNs + UInt64(seconds * 1e9) {
            var (a, _) = source.sample(atNs: t)
            if i % poisonEvery == poisonEvery - 1 { a.z = poison }
            process(IMUSample(timeNs: t, accel: a))
            t += periodNs
            i += 1
        }
    }

    @Test(arguments: [Float.nan, .infinity, -.infinity])
    func shankDetectorDropsNonFiniteSamplesAndKeepsFindingContacts(poison: Float) throws {
        // One bad sample every 5 s in 60 s of running.
        var detector = ShankEventDetector(configuration: .init(side: .left, sampleRateHz: 800))
        var contacts: [GaitEvent] = []
        try Self.feed(placement: .leftShank, seconds: 60, poisonEvery: 4000, poison: poison) { sample in
            detector.process(sample) { if $0.kind == .initialContact { contacts.append($0) } }
        }
        detector.finish { if $0.kind == .initialContact { contacts.append($0) } }
        #expect(detector.nonFiniteSamples == 12)  // 48 000 samples, every 4000th
        // ~80 contacts a minute on one leg; each restart costs a few while the rhythm is
        // found again, but most remain, and every reported peak is a number.
        #expect(contacts.count > 40, "contacts found: \(contacts.count)")
        #expect(contacts.allSatisfy { $0.peakG.isFinite })
    }

    @Test func sacrumDetectorDropsNonFiniteSamples() throws {
        var detector = SacrumEventDetector(configuration: .init(sampleRateHz: 800, mounting: .xUpYForward))
        var events = 0
        try Self.feed(placement: .sacrum, seconds: 30, poisonEvery: 4000, poison: .nan) { sample in
            detector.process(sample) { _ in events += 1 }
        }
        #expect(detector.nonFiniteSamples == 6)  // 24 000 samples, every 4000th
        #expect(events > 20, "events found: \(events)")
    }
}
