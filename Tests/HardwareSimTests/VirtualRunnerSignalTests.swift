import Foundation
import Hardware
@testable import HardwareSim
import StrideCore
import Testing

/// Helpers shared by the virtual-runner tests.
enum RunnerFixtures {
    static func steady(speed: Double, minutes: Double = 3, seed: UInt64 = 9, activity: RunnerActivity = .running, slope: Double = 0) -> VirtualRunner {
        VirtualRunner(scenario: Scenario(seed: seed, segments: [Segment(activity: activity, speedMps: speed, slopePct: slope, durationMin: minutes)]))
    }

    /// Steady strides after the first 20 s.
    static func strides(_ runner: VirtualRunner) -> [StrideTruth] {
        runner.recordGroundTruth().strides.filter { $0.steady && runner.seconds($0.icNs) > 20 }
    }

    static func mean(_ xs: [Double]) -> Double { xs.isEmpty ? .nan : xs.reduce(0, +) / Double(xs.count) }
    static func sd(_ xs: [Double]) -> Double {
        let m = mean(xs)
        return (xs.map { ($0 - m) * ($0 - m) }.reduce(0, +) / Double(max(1, xs.count - 1))).squareRoot()
    }

    static var scenarioDirectory: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("config/scenarios")
    }
}

@Suite("Virtual runner: signals against published ranges")
struct VirtualRunnerSignalTests {
    @Test(arguments: [2.5, 3.5, 4.5, 5.5])
    func cadenceContactAndFlightAreInRange(speed: Double) {
        let strides = RunnerFixtures.strides(RunnerFixtures.steady(speed: speed))
        #expect(strides.count > 300)
        let cadence = 60 / RunnerFixtures.mean(strides.map(\.stepTimeS))
        let contact = RunnerFixtures.mean(strides.map(\.contactTimeS))
        let flight = RunnerFixtures.mean(strides.map(\.flightTimeS))
        // running-gait-facts.md: cadence 150-200 spm, contact 180-300 ms, flight 50-150 ms.
        #expect((150...200).contains(cadence), "cadence \(cadence) at \(speed) m/s")
        #expect((0.180...0.300).contains(contact), "contact \(contact) at \(speed) m/s")
        #expect((0.050...0.150).contains(flight), "flight \(flight) at \(speed) m/s")
        #expect(strides.allSatisfy { $0.dutyFactor < 0.5 })
        // Stride-to-stride variability: a few percent.
        let stepCV = RunnerFixtures.sd(strides.map(\.stepTimeS)) / RunnerFixtures.mean(strides.map(\.stepTimeS))
        #expect((0.005...0.04).contains(stepCV), "step CV \(stepCV)")
    }

    @Test func fasterMeansShorterContactHigherCadenceHigherPTA() {
        let slow = RunnerFixtures.strides(RunnerFixtures.steady(speed: 2.5))
        let fast = RunnerFixtures.strides(RunnerFixtures.steady(speed: 5.5))
        #expect(RunnerFixtures.mean(fast.map(\.contactTimeS)) < RunnerFixtures.mean(slow.map(\.contactTimeS)) - 0.05)
        #expect(RunnerFixtures.mean(fast.map(\.stepTimeS)) < RunnerFixtures.mean(slow.map(\.stepTimeS)))
        #expect(RunnerFixtures.mean(fast.map(\.ptaG)) > RunnerFixtures.mean(slow.map(\.ptaG)) * 1.4)
    }

    @Test(arguments: [2.5, 3.5, 5.0])
    func ptaMatchesTheModelAndTheSignal(speed: Double) {
        let runner = RunnerFixtures.steady(speed: speed)
        let nominal = GaitModel.parameters(activity: .running, speedMps: speed, slopePct: 0).ptaG
        let truth = runner.recordGroundTruth()
        let strides = truth.strides.filter(\.steady)
        let pta = RunnerFixtures.mean(strides.map(\.ptaG))
        #expect(abs(pta - nominal) / nominal < 0.05, "mean PTA \(pta) vs model \(nominal)")
        #expect(strides.allSatisfy { (5...25).contains($0.ptaG) })
        // The body-frame signal peaks where the truth says, a few ms to 15 ms after contact.
        let left = runner.source(for: .leftShank)
        var checked = 0
        for e in truth.events where e.kind == .initialContact && e.side == .left && runner.seconds(e.timeNs) > 20 {
            let t0 = runner.seconds(e.timeNs)
            var peak = -Double.infinity, at = 0.0
            var t = t0 - 0.005
            while t < t0 + 0.03 {
                let a = left.bodySignal(atS: t).accel.0
                if a > peak { peak = a; at = t - t0 }
                t += 0.0001
            }
            #expect(abs(peak - Double(e.peakG)) < 0.02 * Double(e.peakG), "signal peak \(peak) vs truth \(e.peakG)")
            #expect((0.003...0.016).contains(at), "time to peak \(at * 1000) ms")
            checked += 1
            if checked == 40 { break }
        }
        #expect(checked == 40)
    }

    @Test func sacrumIsInFreeFallDuringFlightAndRisesAtContact() {
        let runner = RunnerFixtures.steady(speed: 3.5)
        let sacrum = runner.source(for: .sacrum)
        let events = runner.recordGroundTruth().events.filter { runner.seconds($0.timeNs) > 20 }
        var flights = 0, braking = 0, contacts = 0
        for (a, b) in zip(events, events.dropFirst()) where a.kind == .toeOff && b.kind == .initialContact && b.side != a.side {
            let mid = (Double(a.timeNs) + Double(b.timeNs)) / 2
            let s = sacrum.sample(atNs: UInt64(mid))
            #expect(s.accel.magnitude < 0.05, "mid-flight |a| = \(s.accel.magnitude) g")
            flights += 1
            // 20 ms after contact the vertical is well above 1 g and AP shows braking.
            let t = runner.seconds(b.timeNs)
            let after = sacrum.bodySignal(atS: t + 0.02)
            #expect(after.accel.0 > 1.0)
            if after.accel.1 < -0.05 { braking += 1 }
            contacts += 1
        }
        #expect(flights > 300)
        #expect(braking == contacts)
    }

    @Test func sacrumAveragesOneGOverStrides() {
        let runner = RunnerFixtures.steady(speed: 3.5)
        let sacrum = runner.source(for: .sacrum)
        var sum = 0.0, n = 0
        var t = 30.0
        while t < 90 { sum += sacrum.bodySignal(atS: t).accel.0; n += 1; t += 0.0005 }
        #expect(abs(sum / Double(n) - 1) < 0.02, "mean vertical \(sum / Double(n))")
    }

    @Test(arguments: [[0.0, 0, 0], [30, -10, 5], [90, 45, -120], [180, 0, 33], [-73, 12, 271]])
    func standingFeelsOneGWhateverTheMount(angles: [Double]) {
        let rotation = MountingRotation(rollDeg: angles[0], pitchDeg: angles[1], yawDeg: angles[2])
        var sensors: [Placement: SensorOptions] = [:]
        for p in Placement.allCases { sensors[p] = SensorOptions(rotation: rotation) }
        let runner = VirtualRunner(scenario: Scenario(segments: [
            Segment(activity: .running, speedMps: 3, durationMin: 0.5),
            Segment(activity: .standing, durationMin: 1),
            Segment(activity: .running, speedMps: 3, durationMin: 0.5),
        ], sensors: sensors))
        for p in Placement.allCases {
            let source = runner.source(for: p)
            for t in stride(from: 32.0, to: 88.0, by: 0.5) {
                let s = source.sample(atNs: runner.ns(t))
                #expect(abs(s.accel.magnitude - 1) < 1e-3, "\(p) at \(t) s: |a| = \(s.accel.magnitude)")
                #expect(s.gyro.magnitude < 1e-3)
            }
            // Gravity points along the rotated up axis.
            let up = rotation.apply((1, 0, 0))
            let s = source.sample(atNs: runner.ns(60))
            #expect(abs(Double(s.accel.x) - up.0) < 1e-3 && abs(Double(s.accel.y) - up.1) < 1e-3 && abs(Double(s.accel.z) - up.2) < 1e-3)
        }
    }

    @Test func shankSwingsAtSeveralHundredDegreesPerSecond() {
        let runner = RunnerFixtures.steady(speed: 3.5, minutes: 1)
        let left = runner.source(for: .leftShank)
        var maxRate = 0.0, minRate = 0.0, maxAxialSwing = 0.0
        var t = 20.0
        while t < 40 {
            let s = left.bodySignal(atS: t)
            maxRate = max(maxRate, s.gyro.2)
            minRate = min(minRate, s.gyro.2)
            t += 0.001
        }
        #expect((300...1200).contains(maxRate), "peak forward swing rate \(maxRate) deg/s")
        #expect(minRate < -200, "peak backward rate \(minRate) deg/s")
        _ = maxAxialSwing
    }

    @Test func walkingHasDoubleSupportAndWalkingCadence() {
        let strides = RunnerFixtures.strides(RunnerFixtures.steady(speed: 1.4, activity: .walking))
        #expect(strides.count > 200)
        let cadence = 60 / RunnerFixtures.mean(strides.map(\.stepTimeS))
        #expect((100...120).contains(cadence), "walking cadence \(cadence)")
        #expect(strides.allSatisfy { $0.dutyFactor > 0.5 && $0.flightTimeS == 0 })
        #expect(RunnerFixtures.mean(strides.map(\.ptaG)) < 5)
    }

    @Test func hillsChangeImpactAndFlight() {
        let flat = RunnerFixtures.strides(RunnerFixtures.steady(speed: 3.3))
        let up = RunnerFixtures.strides(RunnerFixtures.steady(speed: 3.3, slope: 10))
        let down = RunnerFixtures.strides(RunnerFixtures.steady(speed: 3.3, slope: -10))
        let m = RunnerFixtures.mean
        #expect(m(up.map(\.ptaG)) < m(flat.map(\.ptaG)) * 0.8)
        #expect(m(down.map(\.ptaG)) > m(flat.map(\.ptaG)) * 1.2)
        #expect(m(up.map(\.flightTimeS)) < m(flat.map(\.flightTimeS)) - 0.02)
        #expect(m(up.map(\.flightTimeS)) > 0.03)
    }

    @Test func looseMountRingsAfterImpacts() throws {
        let scenario = try ScenarioParser.load(path: RunnerFixtures.scenarioDirectory.appendingPathComponent("noisy-loose-mount.yaml").path)
        var quiet = scenario
        for p in Placement.allCases { quiet.sensors[p]?.noiseG = 0; quiet.sensors[p]?.looseMount?.extraNoiseG = 0 }
        quiet.sensors[.leftShank]?.rotation = scenario.sensors[.rightShank]?.rotation ?? .identity
        let runner = VirtualRunner(scenario: quiet)
        let left = runner.source(for: .leftShank), right = runner.source(for: .rightShank)
        // Energy of the second difference (high-frequency content), 60-80 ms after contacts.
        func hf(_ s: RunnerSignalSource, _ side: Side) -> Double {
            var e = 0.0
            for ev in runner.recordGroundTruth(untilNs: runner.ns(60)).events where ev.kind == .initialContact && ev.side == side {
                let t0 = runner.seconds(ev.timeNs) + 0.04
                guard t0 > 5 else { continue }
                for k in 0..<40 {
                    let t = t0 + Double(k) * 0.001
                    let d = s.bodySignal(atS: t + 0.001).accel.0 - 2 * s.bodySignal(atS: t).accel.0 + s.bodySignal(atS: t - 0.001).accel.0
                    e += d * d
                }
            }
            return e
        }
        #expect(hf(right, .right) > 10 * hf(left, .left))
    }
}
