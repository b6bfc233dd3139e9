import Configuration
import Foundation
import Hardware
import Logging
import StrideCore

/// Where the values of a loaded configuration came from, so that a problem names the file
/// or the environment variable that set the bad value.
public struct ConfigurationSource: Sendable, Equatable {
    /// The file path (or `<built-in>`).
    public var file: String
    /// Keys whose value came from the environment, with the variable's name.
    public var environmentOverrides: [String: String]

    /// Creates a source.
    public init(file: String, environmentOverrides: [String: String] = [:]) {
        self.file = file
        self.environmentOverrides = environmentOverrides
    }

    /// A configuration built in code.
    public static let builtIn = ConfigurationSource(file: "<built-in>")

    /// Where `key`'s value came from: `environment STRIDEGUARD_…` or the file.
    public func origin(of key: String) -> String {
        environmentOverrides[key].map { "environment \($0)" } ?? file
    }
}

/// The outcome of loading and validating a configuration file: the configuration (when the
/// file could be read and decoded) and every problem found.
public struct ConfigurationReport: Sendable {
    /// The file read.
    public var file: String
    /// The configuration as decoded, nil when the file could not be read or parsed. It may
    /// still have errors: check ``isValid``.
    public var configuration: DaemonConfiguration?
    /// Where the values came from.
    public var source: ConfigurationSource
    /// Every problem, errors and warnings.
    public var problems: [ConfigurationProblem]

    /// The errors.
    public var errors: [ConfigurationProblem] { problems.filter { $0.severity == .error } }
    /// The warnings.
    public var warnings: [ConfigurationProblem] { problems.filter { $0.severity == .warning } }
    /// True when the daemon can run with it.
    public var isValid: Bool { configuration != nil && errors.isEmpty }

    /// The configuration if valid, otherwise a ``ConfigurationError`` with every problem.
    public func validConfiguration() throws(ConfigurationError) -> DaemonConfiguration {
        guard let configuration, errors.isEmpty else { throw ConfigurationError(file: file, problems: problems) }
        return configuration
    }
}

/// Reads the daemon's configuration: the YAML file through swift-configuration's
/// `YAMLSnapshot`, with `STRIDEGUARD_…` environment variables (systemd drop-ins:
/// `Environment=STRIDEGUARD_LOG_LEVEL=debug`) taking precedence over the file, then
/// checks everything the daemon would.
///
/// ```swift
/// let report = ConfigurationLoader().load(path: DaemonConfiguration.defaultPath)
/// report.warnings.forEach { logger.warning("\($0)") }
/// let configuration = try report.validConfiguration()   // exit 78 on ConfigurationError
/// ```
public struct ConfigurationLoader: Sendable {
    /// The environment the overrides come from.
    public var environment: [String: String]

    /// Creates a loader reading overrides from `environment` (the process's by default).
    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.environment = environment
    }

    /// Loads and validates the file at `path`. Never throws: an unreadable file is a
    /// report with one error.
    public func load(path: String = DaemonConfiguration.defaultPath) -> ConfigurationReport {
        switch readFile(path) {
        case .unreadable(let problem):
            return ConfigurationReport(file: path, configuration: nil, source: ConfigurationSource(file: path), problems: [problem])
        case .read(let data):
            return load(data: data, file: path)
        }
    }

    /// Loads and validates YAML text (for tests and tools); `file` names it in messages.
    public func load(yaml: String, file: String) -> ConfigurationReport {
        load(data: Data(yaml.utf8), file: file)
    }

    /// Loads and validates the file, throwing every problem when it is not valid.
    ///
    /// - Returns: the configuration and the warnings to log.
    public func loadValid(path: String = DaemonConfiguration.defaultPath) throws(ConfigurationError)
        -> (configuration: DaemonConfiguration, warnings: [ConfigurationProblem]) {
        let report = load(path: path)
        return (try report.validConfiguration(), report.warnings)
    }

    private enum FileContents {
        case read(Data)
        case unreadable(ConfigurationProblem)
    }

    private func readFile(_ path: String) -> FileContents {
        func failure(_ message: String) -> FileContents {
            .unreadable(ConfigurationProblem(.error, source: path, key: "", "cannot read the configuration: \(message)"))
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            return failure("no such file (the commented default is config/strideguard.yaml in the repository)")
        }
        if isDirectory.boolValue { return failure("it is a directory, not a file") }
        guard FileManager.default.isReadableFile(atPath: path) else {
            return failure("permission denied (the daemon's user must be able to read it)")
        }
        do {
            return .read(try Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            return failure("\(error.localizedDescription)")
        }
    }

    private func load(data: Data, file: String) -> ConfigurationReport {
        let snapshot: YAMLSnapshot
        do {
            snapshot = try YAMLSnapshot(data: data.bytes, providerName: "strideguard.yaml", parsingOptions: .default)
        } catch {
            return ConfigurationReport(file: file, configuration: nil, source: ConfigurationSource(file: file),
                                       problems: [ConfigurationProblem(.error, source: file, key: "", Self.describeParseError(error))])
        }
        var decoder = ConfigurationDecoder(file: file, snapshot: snapshot, environment: environment)
        let configuration = decoder.decode()
        var problems = decoder.problems
        if let configuration {
            problems += configuration.validate(source: decoder.source, sensorsComplete: decoder.sensorsComplete)
        }
        return ConfigurationReport(file: file, configuration: configuration, source: decoder.source, problems: problems)
    }

    /// A YAML syntax error or a structure swift-configuration cannot hold, for people.
    private static func describeParseError(_ error: any Error) -> String {
        let text = "\(error)"
        if text.contains("non-scalar value in array") {
            return "not a valid configuration: \(text) Lists hold plain values only; write sensors as a mapping "
                + "by name (sensors: {left: {placement: left-shank, ...}}), not as a list of sections"
        }
        if text.contains("Top level YAML value is not a mapping") {
            return "not a valid configuration: the file is empty or is not a mapping of keys to values"
        }
        return "not valid YAML: \(text)"
    }
}

/// A provider over one parsed YAML snapshot (FileProvider's initialiser is async and reads
/// the file itself; the daemon reads the file synchronously and reports why it can't).
struct YAMLSnapshotProvider: ConfigProvider {
    let yaml: YAMLSnapshot

    var providerName: String { yaml.providerName }

    func value(forKey key: AbsoluteConfigKey, type: ConfigType) throws -> LookupResult {
        try yaml.value(forKey: key, type: type)
    }

    nonisolated(nonsending) func fetchValue(forKey key: AbsoluteConfigKey, type: ConfigType) async throws -> LookupResult {
        try yaml.value(forKey: key, type: type)
    }

    nonisolated(nonsending) func watchValue<Return: ~Copyable>(
        forKey key: AbsoluteConfigKey,
        type: ConfigType,
        updatesHandler: nonisolated(nonsending) (_ updates: ConfigUpdatesAsyncSequence<Result<LookupResult, any Error>, Never>) async throws -> Return
    ) async throws -> Return {
        try await watchValueFromValue(forKey: key, type: type, updatesHandler: updatesHandler)
    }

    func snapshot() -> any ConfigSnapshot { yaml }

    nonisolated(nonsending) func watchSnapshot<Return: ~Copyable>(
        updatesHandler: nonisolated(nonsending) (_ updates: ConfigUpdatesAsyncSequence<any ConfigSnapshot, Never>) async throws -> Return
    ) async throws -> Return {
        try await watchSnapshotFromSnapshot(updatesHandler: updatesHandler)
    }
}

/// The keys present in a YAML snapshot. swift-configuration has no API to list a
/// snapshot's keys, which unknown-key detection needs; `YAMLSnapshot.debugDescription`
/// lists them sorted as `name[N values: key=value, ...]` (1.4.0). The parse is checked
/// against the count N; nil when it does not add up (then unknown keys are not checked
/// and the loader says so).
func keyInventory(of snapshot: YAMLSnapshot) -> [String]? {
    let text = snapshot.debugDescription
    guard let open = text.firstIndex(of: "["), text.hasSuffix("]") else { return nil }
    let inner = text[text.index(after: open)..<text.index(before: text.endIndex)]
    guard let countEnd = inner.firstIndex(of: " "), let count = Int(inner[inner.startIndex..<countEnd]) else { return nil }
    let marker = " values: "
    guard let bodyStart = inner.range(of: marker)?.upperBound else { return count == 0 ? [] : nil }
    let body = inner[bodyStart...]
    if count == 0 { return body.isEmpty ? [] : nil }
    func keyOf(_ entry: Substring) -> Substring? {
        guard let equals = entry.firstIndex(of: "=") else { return nil }
        let key = entry[entry.startIndex..<equals]
        let allowed = key.allSatisfy { $0.isLetter || $0.isNumber || "._-/".contains($0) }
        return key.isEmpty || !allowed ? nil : key
    }
    var keys: [String] = []
    for piece in body.components(separatedBy: ", ") {
        if let key = keyOf(Substring(piece)), keys.last.map({ $0 < String(key) }) ?? true {
            keys.append(String(key))
        }
        // Otherwise the piece is the rest of a value that held ", ".
    }
    return keys.count == count ? keys : nil
}

/// Turns the layered providers into a ``DaemonConfiguration``, collecting every unknown
/// key and every value of the wrong type.
struct ConfigurationDecoder {
    /// A value looked up: absent (use the default), invalid (already reported), or present.
    enum Lookup<Value> {
        case absent
        case invalid
        case value(Value)

        var value: Value? {
            if case .value(let v) = self { return v }
            return nil
        }

        func or(_ fallback: Value) -> Value { value ?? fallback }

        var isInvalid: Bool {
            if case .invalid = self { return true }
            return false
        }
    }

    let file: String
    let environment: [String: String]
    let reader: ConfigReader
    /// The keys in the file, nil when they could not be listed.
    let inventory: Set<String>?
    private(set) var problems: [ConfigurationProblem] = []
    private(set) var source: ConfigurationSource
    /// False when a sensor was dropped for an invalid required field.
    private(set) var sensorsComplete = true

    init(file: String, snapshot: YAMLSnapshot, environment: [String: String]) {
        self.file = file
        self.environment = environment
        let environmentProvider = EnvironmentVariablesProvider(environmentVariables: environment)
            .prefixKeys(with: ConfigKey([ConfigurationSchema.environmentPrefix.lowercased()]))
        reader = ConfigReader(providers: [environmentProvider, YAMLSnapshotProvider(yaml: snapshot)])
        inventory = keyInventory(of: snapshot).map(Set.init)
        source = ConfigurationSource(file: file)
    }

    // MARK: - Problems

    private mutating func error(_ key: String, _ message: String) {
        problems.append(ConfigurationProblem(.error, source: source.origin(of: key), key: key, message))
    }

    private mutating func warning(_ key: String, _ message: String) {
        problems.append(ConfigurationProblem(.warning, source: source.origin(of: key), key: key, message))
    }

    // MARK: - Reading values

    private func isNull(_ text: String) -> Bool { ["", "~", "null", "Null", "NULL"].contains(text) }

    /// Notes that `key`'s value came from the environment, if it did.
    private mutating func noteOrigin(_ key: String) {
        let name = ConfigurationSchema.environmentName(for: key)
        if environment[name] != nil { source.environmentOverrides[key] = name }
    }

    /// A single value as text.
    private mutating func text(_ key: String) -> Lookup<String> {
        noteOrigin(key)
        let components = key.split(separator: ".").map(String.init)
        if let raw = reader.string(forKey: ConfigKey(components)) {
            let trimmed = raw.trimmingCharacters(in: .whitespaces)
            return isNull(trimmed) ? .absent : .value(trimmed)
        }
        if inventory?.contains(key) == true {
            error(key, "expected a single value, not a list")
            return .invalid
        }
        return .absent
    }

    private static func parseInt(_ text: String) -> Int? {
        var digits = text.replacingOccurrences(of: "_", with: "")
        var sign = 1
        if digits.hasPrefix("-") { sign = -1; digits.removeFirst() } else if digits.hasPrefix("+") { digits.removeFirst() }
        let value: Int?
        if digits.lowercased().hasPrefix("0x") {
            value = Int(digits.dropFirst(2), radix: 16)
        } else {
            value = Int(digits, radix: 10)
        }
        return value.map { $0 * sign }
    }

    private mutating func int(_ key: String, what: String) -> Lookup<Int> {
        switch text(key) {
        case .absent: return .absent
        case .invalid: return .invalid
        case .value(let t):
            if let v = Self.parseInt(t) { return .value(v) }
            error(key, "'\(t)' is not a whole number (\(what))")
            return .invalid
        }
    }

    private mutating func int(_ key: String, what: String, in range: ClosedRange<Int>) -> Lookup<Int> {
        let lookup = int(key, what: what)
        if let v = lookup.value, !range.contains(v) {
            error(key, "\(v) is out of range; allowed \(range.lowerBound)...\(range.upperBound) (\(what))")
            return .invalid
        }
        return lookup
    }

    private mutating func double(_ key: String, what: String) -> Lookup<Double> {
        switch text(key) {
        case .absent: return .absent
        case .invalid: return .invalid
        case .value(let t):
            if let v = Double(t.replacingOccurrences(of: "_", with: "")), v.isFinite { return .value(v) }
            error(key, "'\(t)' is not a number (\(what))")
            return .invalid
        }
    }

    private mutating func bool(_ key: String) -> Lookup<Bool> {
        switch text(key) {
        case .absent: return .absent
        case .invalid: return .invalid
        case .value(let t):
            switch t.lowercased() {
            case "true", "yes", "on", "1": return .value(true)
            case "false", "no", "off", "0": return .value(false)
            default:
                error(key, "'\(t)' is not true or false")
                return .invalid
            }
        }
    }

    private mutating func choice<T>(_ key: String, what: String, _ options: [(String, T)]) -> Lookup<T> {
        switch text(key) {
        case .absent: return .absent
        case .invalid: return .invalid
        case .value(let t):
            if let match = options.first(where: { $0.0 == t.lowercased() }) { return .value(match.1) }
            let allowed = options.map(\.0).joined(separator: ", ")
            error(key, "'\(t)' is not \(what); allowed \(allowed)")
            return .invalid
        }
    }

    private mutating func choice<T: RawRepresentable & CaseIterable>(_ key: String, what: String, _ type: T.Type) -> Lookup<T>
        where T.RawValue == String {
        choice(key, what: what, T.allCases.map { ($0.rawValue, $0) })
    }

    private mutating func path(_ key: String, what: String) -> Lookup<String> {
        let lookup = text(key)
        if let p = lookup.value, !p.hasPrefix("/") {
            error(key, "'\(p)' is not an absolute path (\(what))")
            return .invalid
        }
        return lookup
    }

    private mutating func required<T>(_ lookup: Lookup<T>, _ key: String, _ what: String) -> T? {
        if case .absent = lookup { error(key, "missing: \(what)") }
        return lookup.value
    }

    // MARK: - Keys

    /// Checks every key in the file against the schema; returns the sensor and bus names.
    private mutating func checkKeys() -> (sensors: [String], buses: [String], buzzerNone: Bool) {
        guard let inventory else {
            problems.append(ConfigurationProblem(.warning, source: file, key: "",
                                                 "could not list the file's keys, so misspelt keys are not detected"))
            return ([], [], false)
        }
        var sensors: [String] = []
        var buses: [String] = []
        var buzzerNone = false
        func unknown(_ key: String, _ candidates: [String], prefix: String) -> String {
            let leaf = String(key.dropFirst(prefix.count))
            if let near = ConfigurationSchema.suggestion(for: leaf, in: candidates) { return "unknown key; did you mean \(prefix)\(near)?" }
            return "unknown key; allowed \(candidates.map { prefix + $0 }.joined(separator: ", "))"
        }
        for key in inventory.sorted() {
            let parts = key.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
            let head = parts[0]
            let nullValue = reader.string(forKey: ConfigKey(parts)).map { isNull($0.trimmingCharacters(in: .whitespaces)) } ?? false
            switch head {
            case "run_directory", "log_level":
                if parts.count > 1 { error(key, "unknown key; \(head) is a single value, not a section") }
            case "sensors", "buses":
                let fields = head == "sensors" ? ConfigurationSchema.sensorFields : ConfigurationSchema.busFields
                if parts.count == 1 {
                    if !nullValue { error(key, "expected a section of \(head) by name, not a single value") }
                    continue
                }
                let name = parts[1]
                if head == "sensors", !sensors.contains(name) { sensors.append(name) }
                if head == "buses", !buses.contains(name) { buses.append(name) }
                if parts.count == 2 {
                    error(key, "expected a section with \(fields.joined(separator: ", ")), not a single value")
                    continue
                }
                let field = parts[2...].joined(separator: ".")
                if !fields.contains(field) { error(key, unknown(key, fields, prefix: "\(head).\(name).")) }
            case "buzzer", "core", "patterns":
                let fields: [String]
                switch head {
                case "buzzer": fields = ConfigurationSchema.buzzerFields
                case "core": fields = ConfigurationSchema.coreFields
                default: fields = ConfigurationSchema.patternCues
                }
                if parts.count == 1 {
                    let value = reader.string(forKey: ConfigKey(parts))?.lowercased() ?? ""
                    if head == "buzzer", nullValue || value == "none" || value == "false" || value == "off" {
                        buzzerNone = true
                    } else if !nullValue {
                        error(key, "expected a section with \(fields.joined(separator: ", ")), not a single value")
                    }
                    continue
                }
                let field = parts[1...].joined(separator: ".")
                if !fields.contains(field) {
                    if head == "patterns" {
                        let near = ConfigurationSchema.suggestion(for: field, in: fields).map { " (did you mean patterns.\($0)?)" } ?? ""
                        error(key, "unknown cue\(near); allowed \(fields.joined(separator: ", "))")
                    } else {
                        error(key, unknown(key, fields, prefix: "\(head)."))
                    }
                }
            default:
                error(key, unknown(key, ConfigurationSchema.topLevelKeys + ConfigurationSchema.sections, prefix: ""))
            }
        }
        return (sensors, buses, buzzerNone)
    }

    // MARK: - Decoding

    /// Decodes the configuration; nil only when nothing usable came out.
    mutating func decode() -> DaemonConfiguration? {
        let keys = checkKeys()

        // Sensors.
        var sensors: [SensorSettings] = []
        if keys.sensors.isEmpty {
            error("sensors", "no sensors configured; the daemon needs a left-shank and a right-shank sensor")
            sensorsComplete = false
        }
        for name in keys.sensors {
            if let sensor = decodeSensor(name) { sensors.append(sensor) } else { sensorsComplete = false }
        }
        let placementOrder = Placement.allCases
        sensors.sort {
            let a = placementOrder.firstIndex(of: $0.placement) ?? 0, b = placementOrder.firstIndex(of: $1.placement) ?? 0
            return a != b ? a < b : $0.name < $1.name
        }

        // Buses: every bus named in the file, and every bus a sensor uses (the environment
        // may set their clocks without a section in the file).
        var busNames = keys.buses
        for sensor in sensors where !busNames.contains(ConfigurationSchema.busName(forPath: sensor.bus)) {
            busNames.append(ConfigurationSchema.busName(forPath: sensor.bus))
        }
        var buses: [String: BusSettings] = [:]
        for name in busNames {
            let base = "buses.\(name)"
            let clock = int("\(base).clock_hz", what: "bus clock, Hz", in: ConfigurationLimits.busClockHz)
            let readLength = int("\(base).max_read_length", what: "longest read in one transfer, bytes", in: ConfigurationLimits.maxReadLength)
            guard clock.value != nil || readLength.value != nil else { continue }
            let path = sensors.first { ConfigurationSchema.busName(forPath: $0.bus) == name }?.bus ?? "/dev/\(name)"
            buses[path] = BusSettings(clockHz: clock.or(LinuxI2CBusDefaults.clockHz),
                                      maxReadLength: readLength.or(LinuxI2CBusDefaults.maxReadLength))
        }

        let buzzer = decodeBuzzer(none: keys.buzzerNone)
        let patterns = decodePatterns()
        let core = decodeCore()
        let runDirectory = path("run_directory", what: "where run records go").or(DaemonConfiguration.defaultRunDirectory)
        let logLevel = choice("log_level", what: "a log level", Logger.Level.allCases.map { ($0.rawValue, $0) })
            .or(DaemonConfiguration.defaultLogLevel)

        checkEnvironment(sensors: keys.sensors, buses: busNames)
        return DaemonConfiguration(sensors: sensors, buses: buses, buzzer: buzzer, patterns: patterns, core: core,
                                   runDirectory: runDirectory, logLevel: logLevel)
    }

    private mutating func decodeSensor(_ name: String) -> SensorSettings? {
        let base = "sensors.\(name)"
        if name.isEmpty || !name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) {
            error(base, "'\(name)' is not a usable sensor name; use letters, digits, - and _")
        }
        let placements = Placement.allCases.map(\.rawValue).joined(separator: ", ")
        let chips = ChipModel.allCases.map(\.rawValue).joined(separator: ", ")
        let placement = required(choice("\(base).placement", what: "a placement", Placement.self),
                                 "\(base).placement", "where the sensor is worn; allowed \(placements)")
        let chip = required(choice("\(base).chip", what: "a supported chip", ChipModel.self),
                            "\(base).chip", "the chip fitted; allowed \(chips)")
        let addressLookup = int("\(base).address", what: "7-bit I2C address")
        var address: UInt8?
        if let a = addressLookup.value {
            if (0...0x7f).contains(a) {
                address = UInt8(a)
            } else {
                error("\(base).address", "\(a < 0 ? String(a) : "0x" + String(a, radix: 16)) is not a 7-bit I2C address; allowed 0x00...0x7f"
                      + (chip.map { " (an \($0.rawValue.uppercased()) has \($0.addresses.map(hex).joined(separator: " or ")))" } ?? ""))
            }
        } else if case .absent = addressLookup {
            let hint = chip.map { "; an \($0.rawValue.uppercased()) has \($0.addresses.map(hex).joined(separator: " or "))" } ?? ""
            error("\(base).address", "missing: the sensor's I2C address\(hint)")
        }
        let bus = path("\(base).bus", what: "the I2C bus device, e.g. /dev/i2c-1").or(DaemonConfiguration.defaultBus)
        let rate = double("\(base).data_rate_hz", what: "output data rate, Hz").or(DaemonConfiguration.defaultDataRateHz)
        let range = double("\(base).range_g", what: "full scale, ±g")
        let watermark = int("\(base).fifo_watermark", what: "samples in the FIFO before the interrupt")
            .or(DaemonConfiguration.defaultFIFOWatermark)
        let gyro = bool("\(base).gyro").or(true)
        let selfTest = bool("\(base).self_test").or(true)
        let line = int("\(base).interrupt.line", what: "GPIO line offset", in: ConfigurationLimits.gpioLine)
        let lineChip = path("\(base).interrupt.chip", what: "the GPIO chip device, e.g. /dev/gpiochip0")
        let pin = choice("\(base).interrupt.pin", what: "an interrupt pin", [("int1", InterruptPin.int1), ("int2", InterruptPin.int2)])
        if case .absent = line, lineChip.value != nil {
            warning("\(base).interrupt.chip", "set, but interrupt.line is not: the sensor will be polled")
        }
        guard let placement, let chip, let address, !line.isInvalid else { return nil }
        return SensorSettings(
            name: name, placement: placement, bus: bus, address: address, chip: chip,
            interrupt: line.value.map { GPIOLineSettings(chip: lineChip.or(DaemonConfiguration.defaultGPIOChip), line: $0) },
            interruptPin: pin.or(.int1), dataRateHz: rate, rangeG: range.value, fifoWatermark: watermark, gyro: gyro,
            selfTest: selfTest)
    }

    private mutating func decodeBuzzer(none: Bool) -> BuzzerSettings? {
        let enabled = bool("buzzer.enabled")
        let line = int("buzzer.line", what: "GPIO line offset", in: ConfigurationLimits.gpioLine)
        let chip = path("buzzer.chip", what: "the GPIO chip device, e.g. /dev/gpiochip0")
        let active = choice("buzzer.active", what: "an active level", ActiveLevel.self)
        if enabled.value == false { return nil }
        if case .absent = line {
            if !none, chip.value != nil || active.value != nil || enabled.value == true {
                error("buzzer.line", "missing: the GPIO line offset the buzzer is wired to (GPIO18 on the README's wiring)")
            }
            return nil
        }
        guard let offset = line.value else { return nil }
        return BuzzerSettings(line: GPIOLineSettings(chip: chip.or(DaemonConfiguration.defaultGPIOChip), line: offset),
                              activeLevel: active.or(.high))
    }

    private mutating func decodePatterns() -> [Cue: BuzzerPattern] {
        var patterns = BuzzerPattern.defaults
        for cue in Cue.allCases {
            let key = "patterns.\(cue.rawValue)"
            noteOrigin(key)
            let components = ["patterns", cue.rawValue]
            guard let items = reader.stringArray(forKey: ConfigKey(components)) else {
                if inventory?.contains(key) == true || environment[ConfigurationSchema.environmentName(for: key)] != nil {
                    let single = reader.string(forKey: ConfigKey(components)) ?? ""
                    error(key, "expected a list of on/off durations in ms (on first), e.g. [100, 100, 100]; got '\(single)'")
                }
                continue
            }
            var durations: [Int] = []
            var bad = false
            for (index, item) in items.enumerated() {
                let t = item.trimmingCharacters(in: .whitespaces)
                if let v = Self.parseInt(t) {
                    durations.append(v)
                } else {
                    error("\(key)[\(index)]", "'\(t)' is not a whole number of milliseconds")
                    bad = true
                }
            }
            if !bad { patterns[cue] = BuzzerPattern(alternatingMs: durations) }
        }
        return patterns
    }

    private mutating func decodeCore() -> CoreSettings {
        let defaults = CoreSettings()
        return CoreSettings(
            windowSteps: int("core.window_steps", what: "steps in an SI window").or(defaults.windowSteps),
            windowHopSteps: int("core.window_hop_steps", what: "steps between SI windows").or(defaults.windowHopSteps),
            warmupMinutes: double("core.warmup_minutes", what: "minutes").or(defaults.warmupMinutes),
            baselineMinutes: double("core.baseline_minutes", what: "minutes").or(defaults.baselineMinutes),
            sensitivity: double("core.sensitivity", what: "a factor, 1 = default").or(defaults.sensitivity),
            alertCooldownSeconds: double("core.alert_cooldown_seconds", what: "seconds").or(defaults.alertCooldownSeconds),
            alertReminderSeconds: double("core.alert_reminder_seconds", what: "seconds").or(defaults.alertReminderSeconds))
    }

    /// Warns about `STRIDEGUARD_…` variables that override nothing (a typo, or a sensor
    /// that is not in the file: the environment overrides keys, it does not add sensors).
    private mutating func checkEnvironment(sensors: [String], buses: [String]) {
        var known = ConfigurationSchema.topLevelKeys
        known += sensors.flatMap { name in ConfigurationSchema.sensorFields.map { "sensors.\(name).\($0)" } }
        known += buses.flatMap { name in ConfigurationSchema.busFields.map { "buses.\(name).\($0)" } }
        known += ConfigurationSchema.buzzerFields.map { "buzzer.\($0)" }
        known += ConfigurationSchema.patternCues.map { "patterns.\($0)" }
        known += ConfigurationSchema.coreFields.map { "core.\($0)" }
        let names = known.map(ConfigurationSchema.environmentName(for:))
        let prefix = ConfigurationSchema.environmentPrefix + "_"
        for variable in environment.keys.sorted() where variable.hasPrefix(prefix) && !names.contains(variable) {
            let near = ConfigurationSchema.suggestion(for: variable, in: names).map { "; did you mean \($0)?" } ?? ""
            problems.append(ConfigurationProblem(.warning, source: "environment \(variable)", key: "",
                                                 "matches no configuration key and is ignored\(near)"))
        }
    }
}
