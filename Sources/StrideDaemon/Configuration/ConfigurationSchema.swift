/// The keys a configuration file may hold, and how they map onto environment variables.
///
/// The file is a tree of mappings: `sensors.<name>.<field>`, `buses.<bus>.<field>`,
/// `buzzer.<field>`, `patterns.<cue>`, `core.<field>`, and the top-level `run_directory`
/// and `log_level`. Sensors are a mapping by name, not a list: swift-configuration's YAML
/// snapshot keeps lists of scalars only.
public enum ConfigurationSchema {
    /// The prefix of every environment variable that overrides a key.
    public static let environmentPrefix = "STRIDEGUARD"

    /// Top-level scalar keys.
    public static let topLevelKeys = ["run_directory", "log_level"]
    /// Top-level sections.
    public static let sections = ["sensors", "buses", "buzzer", "patterns", "core"]
    /// Fields of one sensor (`sensors.<name>.<field>`), `interrupt.*` nested.
    public static let sensorFields = ["placement", "chip", "bus", "address", "data_rate_hz", "range_g", "fifo_watermark",
                                      "gyro", "self_test", "interrupt.chip", "interrupt.line", "interrupt.pin"]
    /// Fields of one bus (`buses.<bus>.<field>`; `<bus>` is the device name, `i2c-1`).
    public static let busFields = ["clock_hz", "max_read_length"]
    /// Fields of the buzzer.
    public static let buzzerFields = ["enabled", "chip", "line", "active"]
    /// Fields of the core section.
    public static let coreFields = ["window_steps", "window_hop_steps", "warmup_minutes", "baseline_minutes", "sensitivity",
                                    "alert_cooldown_seconds", "alert_reminder_seconds"]
    /// Pattern keys: one per cue.
    public static var patternCues: [String] { Cue.allCases.map(\.rawValue) }

    /// The environment variable that overrides `key` (dot-separated): `buzzer.line` is
    /// `STRIDEGUARD_BUZZER_LINE`, `sensors.left.data_rate_hz` is
    /// `STRIDEGUARD_SENSORS_LEFT_DATA_RATE_HZ`, `patterns.sensors-up` is
    /// `STRIDEGUARD_PATTERNS_SENSORS_UP`. The same rule as swift-configuration's
    /// environment provider: components joined by `_`, upper-cased, other characters `_`.
    public static func environmentName(for key: String) -> String {
        environmentName(components: key.split(separator: ".").map(String.init))
    }

    /// The environment variable for key components.
    public static func environmentName(components: [String]) -> String {
        ([environmentPrefix] + components).map { component -> String in
            var out = ""
            var previous: Character?
            for char in component {
                // swift-configuration splits camelCase: `runDirectory` is RUN_DIRECTORY.
                if let previous, previous.isLowercase, char.isUppercase { out.append("_") }
                out += char.isLetter || char.isNumber ? char.uppercased() : "_"
                previous = char
            }
            return out
        }.joined(separator: "_")
    }

    /// The key of a bus's section from its device path: `/dev/i2c-1` is `i2c-1`.
    public static func busName(forPath path: String) -> String {
        path.split(separator: "/").last.map(String.init) ?? path
    }

    /// The closest of `candidates` to `word` if it is a likely typo (edit distance at most
    /// 2, or a third of the word), for "did you mean" hints.
    static func suggestion(for word: String, in candidates: [String]) -> String? {
        let limit = max(2, word.count / 3)
        var best: (String, Int)?
        for candidate in candidates {
            let distance = editDistance(Array(word), Array(candidate))
            if distance <= limit, distance < (best?.1 ?? Int.max) { best = (candidate, distance) }
        }
        return best?.0
    }

    /// Levenshtein distance.
    private static func editDistance(_ a: [Character], _ b: [Character]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }
}
