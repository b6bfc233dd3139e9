import Hardware
import StrideCore

extension SimulatedRig {
    /// The usual wearable (an ADXL375 on each shank at 0x53 and 0x1d, an LSM6DSO32 at the
    /// sacrum at 0x6a) worn by the virtual runner: each chip model samples the runner's
    /// signal at its placement, with the chip's own noise unless `chipNoise` is false. The
    /// clock starts at the run's start.
    public static func running(_ runner: VirtualRunner, placements: [Placement] = Placement.allCases,
                               chipNoise: Bool = true) -> SimulatedRig {
        let rig = SimulatedRig(clock: VirtualClock(startNs: runner.startNs))
        for placement in placements {
            let sensor: Sensor
            switch placement {
            case .leftShank: sensor = rig.addSensor(.adxl375, address: 0x53, placement: .leftShank, source: runner.source(for: .leftShank))
            case .rightShank: sensor = rig.addSensor(.adxl375, address: 0x1d, placement: .rightShank, source: runner.source(for: .rightShank))
            case .sacrum: sensor = rig.addSensor(.lsm6dso32, address: 0x6a, placement: .sacrum, source: runner.source(for: .sacrum))
            }
            if chipNoise {
                sensor.core.noiseDensityGPerRootHz = sensor.chip.typicalNoiseDensityGPerRootHz
                sensor.core.seedNoise(runner.scenario.seed &* 0x9e37_79b9_7f4a_7c15 &+ UInt64(sensor.address))
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
