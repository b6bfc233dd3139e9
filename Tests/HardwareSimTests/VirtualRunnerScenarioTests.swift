import Foundation
@testable import HardwareSim
import StrideCore
import Testing

@Suite("Virtual runner: scenario files")
struct VirtualRunnerScenarioTests {
    static let shipped = ["steady-symmetric.yaml", "fatigue-ramp-left.yaml", "sudden-change-right.yaml", "symmetric-fatigue.yaml",
                          "intervals-with-stops.yaml", "hills.yaml", "noisy-loose-mount.yaml", "long-symmetric-8h.yaml"]

    @Test(arguments: shipped)
    func shippedScenarioParsesAndRuns(file: String) throws {
        let path = RunnerFixtures.scenarioDirectory.appendingPathComponent(file).path
        let scenario = try ScenarioParser.load(path: path)
        #expect(scenario.durationMin > 0 && !scenario.segments.isEmpty)
        let runner = VirtualRunner(scenario: scenario)
        let truth = runner.recordGroundTruth(untilNs: runner.ns(120))
        #expect(truth.strides.count > 100)
    }

    @Test func everyScenarioInTheFolderIsShippedAndTested() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: RunnerFixtures.scenarioDirectory.path).filter { $0.hasSuffix(".yaml") }
        #expect(Set(files) == Set(Self.shipped))
    }

    @Test func theRampScenarioSaysWhatItMeans() throws {
        let s = try ScenarioParser.load(path: RunnerFixtures.scenarioDirectory.appendingPathComponent("fatigue-ramp-left.yaml").path)
        #expect(s.drifts == [Drift(leg: .left, metric: .contactTime, shape: .ramp, startMin: 15, overMin: 10, amount: 6, unit: .si)])
        #expect(s.durationMin == 35 && s.seed == 202)
        let loose = try ScenarioParser.load(path: RunnerFixtures.scenarioDirectory.appendingPathComponent("noisy-loose-mount.yaml").path)
        #expect(loose.sensors[.rightShank]?.looseMount?.gain == 0.5)
        #expect(loose.sensors[.leftShank]?.rotation == MountingRotation(rollDeg: 30, pitchDeg: -5, yawDeg: 10))
    }

    static let valid = """
        seed: 3
        segments:
          - { activity: running, speed_mps: 3.3, duration_min: 5 }
        """

    func error(_ text: String) -> ScenarioError? {
        do {
            _ = try ScenarioParser.parse(text, file: "bad.yaml")
            return nil
        } catch {
            return error
        }
    }

    @Test func validTextParses() throws {
        let s = try ScenarioParser.parse(Self.valid, file: "ok.yaml")
        #expect(s.segments == [Segment(activity: .running, speedMps: 3.3, durationMin: 5)])
    }

    @Test func badValuesNameFileKeyValueAndWhatIsAllowed() throws {
        let speed = try #require(error("""
            segments:
              - { activity: running, speed_mps: 3.3, duration_min: 5 }
              - { activity: running, speed_mps: 12, duration_min: 5 }
            """))
        #expect(speed.file == "bad.yaml" && speed.line == 3 && speed.key == "segments[1].speed_mps" && speed.value == "12")
        #expect(speed.allowed == "a number from 2 to 7 m/s for running")
        #expect(speed.description == "bad.yaml:3: segments[1].speed_mps: '12' is not allowed; expected a number from 2 to 7 m/s for running")

        let activity = try #require(error("segments:\n  - { activity: jogging, speed_mps: 3, duration_min: 5 }\n"))
        #expect(activity.key == "segments[0].activity" && activity.value == "jogging" && activity.allowed == "one of running, walking, standing")

        let key = try #require(error("seed: 1\nspeed: 3\nsegments:\n  - { activity: standing, duration_min: 1 }\n"))
        #expect(key.key == "speed" && key.line == 2 && key.allowed.hasPrefix("one of the keys name, description, seed"))

        let missing = try #require(error("seed: 1\n"))
        #expect(missing.key == "segments" && missing.value == "(missing)")
        #expect(missing.description.contains("segments: missing; expected a list of segments"))

        let unit = try #require(error(Self.valid + "\ndrifts:\n  - { leg: left, metric: pta, shape: step, start_min: 3, amount: 5, unit: ms }\n"))
        #expect(unit.key == "drifts[0].unit" && unit.value == "ms" && unit.allowed == "for pta one of pct, si, g")

        let ramp = try #require(error(Self.valid + "\ndrifts:\n  - { leg: both, metric: contact_time, shape: ramp, start_min: 3, amount: 5, unit: pct }\n"))
        #expect(ramp.key == "drifts[0].over_min" && ramp.value == "(missing)")

        let leg = try #require(error(Self.valid + "\ndrifts:\n  - { leg: middle, metric: pta, shape: step, start_min: 3, amount: 5, unit: pct }\n"))
        #expect(leg.key == "drifts[0].leg" && leg.allowed == "one of left, right, both")

        let metric = try #require(error(Self.valid + "\ndrifts:\n  - { leg: left, metric: flight_time, shape: step, start_min: 3, amount: 5, unit: pct }\n"))
        #expect(metric.key == "drifts[0].metric" && metric.value == "flight_time" && metric.allowed == "one of contact_time, step_time, pta, loading_rate")

        let rotation = try #require(error(Self.valid + "\nsensors:\n  sacrum: { rotation_deg: [1, 2] }\n"))
        #expect(rotation.key == "sensors.sacrum.rotation_deg" && rotation.allowed.contains("three angles"))

        let placement = try #require(error(Self.valid + "\nsensors:\n  left-wrist: { noise_g: 0.1 }\n"))
        #expect(placement.key == "sensors.left-wrist" && placement.allowed == "one of the keys left-shank, right-shank, sacrum")

        let seed = try #require(error("seed: -4\n" + Self.valid.replacingOccurrences(of: "seed: 3\n", with: "")))
        #expect(seed.key == "seed" && seed.value == "-4")
    }

    @Test func yamlSyntaxErrorsAndMissingFilesAreNamed() throws {
        let syntax = try #require(error("segments:\n  - { activity: running, speed_mps: 3\n  duration_min: [\n"))
        #expect(syntax.file == "bad.yaml" && syntax.key == "(yaml)" && syntax.line != nil && syntax.allowed == "valid YAML")
        #expect(throws: ScenarioError(file: "/nonexistent/x.yaml", line: nil, key: "(file)", value: "/nonexistent/x.yaml", allowed: "a readable scenario file",
                                     fileUnreadable: true)) {
            try ScenarioParser.load(path: "/nonexistent/x.yaml")
        }
    }
}
