import ArgumentParser
import Hardware
import HardwareSim
import LinuxHardware
import StrideDaemon

/// `strideguard probe`: what answers on the I2C buses, and what it is.
struct ProbeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "probe",
        abstract: "List the accelerometers that answer on the I2C buses.",
        discussion: """
            Reads the identity register at every address a supported chip can have \
            (ADXL345/ADXL375 at 0x53 and 0x1d, LIS3DH at 0x18 and 0x19, LSM6DSO family at \
            0x6a and 0x6b) and says which chip answered. Exits non-zero when nothing usable \
            is found.

            Examples:
              strideguard probe                      # /dev/i2c-1, the Raspberry Pi header bus
              strideguard probe --bus /dev/i2c-1 --bus /dev/i2c-3
              strideguard probe --sim                # a simulated bus with two sensors
            """
    )

    @Option(name: .customLong("bus"), help: "I2C bus device to probe; repeat for several.")
    var buses: [String] = ["/dev/i2c-1"]

    @Flag(help: "Probe a simulated bus (two ADXL375 on the shanks, an LSM6DSO32 at the sacrum) instead of real hardware.")
    var sim = false

    func run() throws {
        var reports: [BusProbeReport] = []
        if sim {
            let rig = SimulatedRig.standard()
            reports.append(probeBus(rig.bus))
        } else {
            for path in buses {
                do {
                    let bus = try LinuxI2CBus(path: path)
                    reports.append(probeBus(bus))
                } catch {
                    reports.append(BusProbeReport(bus: path, openError: error.description))
                }
            }
        }
        for report in reports {
            for line in report.lines { print(line) }
        }
        if reports.allSatisfy({ $0.identified.isEmpty }) {
            throw ExitCode(1)
        }
    }
}
