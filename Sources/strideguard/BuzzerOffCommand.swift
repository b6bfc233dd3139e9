import ArgumentParser
import Foundation
import Hardware
import LinuxHardware

/// `strideguard buzzer-off`: drives the buzzer line off and releases it. The unit runs it
/// as ExecStopPost=, so a daemon that crashed mid-pattern does not leave the motor on.
struct BuzzerOffCommand: ParsableCommand {
    /// Attempts before giving up, 50 ms apart: the crashed daemon's line request is
    /// released by the kernel as its file descriptors close, which can lag its exit a little.
    static let attempts = 5

    static let configuration = CommandConfiguration(
        commandName: "buzzer-off",
        abstract: "Drive the buzzer line off (run by the unit after every stop, crash included).",
        discussion: """
            Requests the buzzer's GPIO line as an output driven inactive, then releases it. \
            The line keeps the inactive level after release. Exits non-zero when the line \
            cannot be requested (no such chip or line, permission, or still busy).

            Examples:
              strideguard buzzer-off                              # /dev/gpiochip0 line 18 (Pi header pin 12)
              strideguard buzzer-off --chip /dev/gpiochip0 --line 23 --active-low
            """
    )

    @Option(help: "The GPIO chip of the buzzer line.")
    var chip: String = "/dev/gpiochip0"

    @Option(help: "The buzzer line's offset on the chip (on a Raspberry Pi, the BCM GPIO number).")
    var line: UInt32 = 18

    @Flag(help: "The buzzer is on when the line is low.")
    var activeLow = false

    func run() throws {
        var lastError: GPIOError?
        for attempt in 1...Self.attempts {
            do {
                let output = try LinuxOutputLine(chip: chip, offset: line, activeLow: activeLow)
                try output.set(active: false)
                return
            } catch {
                lastError = error
                // Only a busy line can come free by waiting.
                guard error.failure == .busy, attempt < Self.attempts else { break }
                usleep(50_000)
            }
        }
        if let lastError {
            FileHandle.standardError.write(Data("strideguard buzzer-off: \(lastError.description)\n".utf8))
        }
        throw ExitCode(1)
    }
}
