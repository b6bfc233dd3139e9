import Hardware
import HardwareSim
import StrideDaemon
import Testing

@Suite("probe report")
struct ProbeReportTests {
    @Test func theStandardRigShowsItsSensors() {
        let rig = SimulatedRig.standard()
        let report = probeBus(rig.bus)
        #expect(report.identified.map(\.address) == [0x1d, 0x53, 0x6a])
        #expect(report.lines.contains("sim-i2c-0 0x53: ADXL345/ADXL375 (ID 0xe5 in register 0x00)"))
    }

    @Test func anEmptyBusSaysWhatWasTried() {
        let clock = VirtualClock()
        let report = probeBus(SimI2CBus(clock: clock))
        #expect(report.identified.isEmpty)
        #expect(report.lines == ["sim-i2c-0: nothing answered at 0x18, 0x19, 0x1d, 0x53, 0x6a, 0x6b (check wiring, power and pull-ups)"])
    }
}
