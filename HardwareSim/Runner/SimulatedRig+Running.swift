import Hardware
import StrideCore

extension SimulatedRig {
    /// The usual wearable (an ADXL375 on each shank at 0x53 and 0x1d, an LSM6DSO32 at the
    /// sacrum at 0x6a) worn by the virtual runner: each chip model samples the runner's
    /// signal at its placement. The clock starts at the run's start.
    public static func running(_ runner: VirtualRunner, placements: [Placement] = Placement.allCases) -> SimulatedRig {
        let rig = SimulatedRig(clock: VirtualClock(startNs: runner.startNs))
        for placement in placements {
            switch placement {
            case .leftShank: rig.addSensor(.adxl375, address: 0x53, placement: .leftShank, source: runner.source(for: .leftShank))
            case .rightShank: rig.addSensor(.adxl375, address: 0x1d, placement: .rightShank, source: runner.source(for: .rightShank))
            case .sacrum: rig.addSensor(.lsm6dso32, address: 0x6a, placement: .sacrum, source: runner.source(for: .sacrum))
            }
        }
        return rig
    }

    /// A rig worn by a new virtual runner of `scenario`; returns both.
    public static func running(scenario: Scenario) -> (rig: SimulatedRig, runner: VirtualRunner) {
        let runner = VirtualRunner(scenario: scenario)
        return (running(runner), runner)
    }
}
