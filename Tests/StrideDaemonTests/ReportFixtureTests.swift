import Foundation
import GRDB
import Hardware
import StrideCore
@testable import StrideDaemon
import Testing

/// Synthetic run records for the report tests: strides with noise and (optionally) a
/// fatigue drift on the left, windows computed from them, a baseline, alerts, a stop and a
/// sensor gap. No samples: the report does not read them.
enum ReportFixtures {
    struct Scenario {
        var minutes = 40.0
        var fatigue = false
        var stopAtMinute: Double? = 22
        var gapAtMinute: Double? = 31
        var seed: UInt64 = 7
        var tags: [(key: String, value: String)] = [("shoes", "pegasus 41")]
        var events = true
    }

    struct Noise {
        var state: UInt64
        mutating func uniform() -> Double {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return Double(state >> 11) / Double(1 << 53)
        }
        /// Approximately standard normal (sum of 12 uniforms).
        mutating func normal() -> Double { (0..<12).reduce(0) { s, _ in s + uniform() } - 6 }
    }

    static let startNs: UInt64 = 9_000_000_000
    static let startDate = Date(timeIntervalSince1970: 1_760_000_000)

    static func ramp(_ minute: Double, from a: Double, over: Double) -> Double { min(max((minute - a) / over, 0), 1) }

    /// Writes the record into `directory` and returns its path.
    static func record(in directory: String, _ s: Scenario) throws -> String {
        let sensors = [
            RunSensor(id: 0, placement: .leftShank, bus: "/dev/i2c-1", address: 0x53, chip: .adxl375,
                      applied: AppliedConfiguration(dataRateHz: 800, rangeG: 200, fifoWatermark: 16)),
            RunSensor(id: 1, placement: .rightShank, bus: "/dev/i2c-1", address: 0x1d, chip: .adxl375,
                      applied: AppliedConfiguration(dataRateHz: 800, rangeG: 200, fifoWatermark: 16)),
        ]
        let start = RunStart(appVersion: "0.0.0-test", startDate: startDate, startMonotonicNs: startNs, configurationYAML: "# test\n",
                             tags: s.tags, sensors: sensors, mode: "simulate")
        let recorder = try RunRecorder.create(in: directory, start: start,
                                              options: RunRecorder.Options(recordQueueCapacity: 16_384),
                                              logger: RunStoreLogCapture().logger)
        var pending = 0
        func push(_ ok: Bool) {
            pending += 1
            if pending >= 4_000 { recorder.flush(); pending = 0 }
        }
        func ns(_ minute: Double) -> UInt64 { startNs + UInt64(minute * 60e9) }
        var noise = Noise(state: s.seed &* 0x9E37_79B9_7F4A_7C15 | 1)
        push(recorder.record(RunActivityChange(timeNs: startNs, activity: .standing)))
        push(recorder.record(RunActivityChange(timeNs: ns(0.25), activity: .running)))
        if let stop = s.stopAtMinute {
            push(recorder.record(RunActivityChange(timeNs: ns(stop), activity: .standing)))
            push(recorder.record(RunActivityChange(timeNs: ns(stop + 1), activity: .running)))
        }
        if let gap = s.gapAtMinute {
            push(recorder.record(RunFault(sensor: 1, kind: .sensorLost, startNs: ns(gap), endNs: ns(gap + 25.0 / 60), errno: 121,
                                          detail: "i2c-1 0x1d: remote I/O error")))
        }

        var strides = [StrideRecord]()
        var t = 0.25 * 60
        var index = [0, 0]
        var leg = 0
        var window = [StrideRecord]()
        var baseline: BaselineModel?
        var steps = 0
        let end = s.minutes * 60
        while t < end {
            let minute = t / 60
            if let stop = s.stopAtMinute, minute >= stop, minute < stop + 1 { t = (stop + 1) * 60; continue }
            let inGap = s.gapAtMinute.map { minute >= $0 && minute < $0 + 25.0 / 60 } ?? false
            let strideMs = 700 * (1 + 0.012 * noise.normal())
            let stepMs = strideMs / 2 * (1 + 0.015 * noise.normal())
            let general = 1 + 0.02 * ramp(minute, from: 20, over: 20)
            var contact = (leg == 0 ? 232.0 : 229.0) * general * (1 + 0.03 * noise.normal())
            var pta = (leg == 0 ? 9.2 : 9.0) * (1 + 0.08 * noise.normal())
            if s.fatigue, leg == 0 {
                contact *= 1 + 0.062 * ramp(minute, from: 15, over: 10)
                pta *= 1 + 0.12 * ramp(minute, from: 24, over: 10)
            }
            if !(inGap && leg == 1) {
                var m = MetricVector()
                m[.strideTime] = strideMs
                m[.stepTime] = stepMs
                m[.contactTime] = contact
                m[.flightTime] = stepMs - contact
                m[.dutyFactor] = contact / strideMs
                m[.peakTibialAcceleration] = pta
                m[.loadingRate] = pta * 42
                var q: StrideQuality = noise.uniform() < 0.02 ? .extraEvents : []
                if inGap { q.insert(.missingContralateralContact) }
                let side: Side = leg == 0 ? .left : .right
                let startNs = startNs + UInt64(t * 1e9)
                let st = StrideRecord(side: side, index: index[leg], startNs: startNs, endNs: startNs + UInt64(strideMs * 1e6),
                                      metrics: m, rawPeakG: pta, peakClipped: false, quality: q)
                index[leg] += 1
                strides.append(st)
                push(recorder.record(StrideAnalyzerOutput.stride(st)))
                if s.events {
                    push(recorder.record(GaitEvent(kind: .initialContact, side: side, timeNs: startNs, peakG: Float(pta), clipped: false,
                                                   loadingRateGPerS: Float(pta * 42))))
                    push(recorder.record(GaitEvent(kind: .toeOff, side: side, timeNs: startNs + UInt64(contact * 1e6), peakG: 0,
                                                   clipped: false, loadingRateGPerS: 0)))
                }
                if q.isGood { window.append(st) }
                if window.count > 32 { window.removeFirst(window.count - 32) }
                steps += 1
                if steps % 8 == 0, window.count == 32 {
                    var w = SymmetryWindowReport(windowSteps: 32)
                    w.startNs = window[0].startNs
                    w.endNs = st.endNs
                    w.leftStrides = window.filter { $0.side == .left }.count
                    w.rightStrides = 32 - w.leftStrides
                    for metric in StrideMetric.all {
                        let l = ReportStatistics.median(window.filter { $0.side == .left }.compactMap { $0.metrics[metric] })
                        let r = ReportStatistics.median(window.filter { $0.side == .right }.compactMap { $0.metrics[metric] })
                        w.left[metric] = l
                        w.right[metric] = r
                        if let l, let r { w.symmetryIndex[metric] = SymmetryIndex.percent(left: l, right: r) }
                        if let b = baseline, let si = w.symmetryIndex[metric], let bs = b.symmetryIndex[metric] {
                            w.symmetryIndexChange[metric] = si - bs
                        }
                    }
                    push(recorder.record(StrideAnalyzerOutput.window(w)))
                }
            }
            if baseline == nil, minute >= 10 {
                var b = BaselineModel()
                b.learntAtNs = startNs + UInt64(t * 1e9)
                b.cadenceStepsPerMinute = 60_000 / 350
                b.cadenceLow = 166
                b.cadenceHigh = 176
                let learning = strides.filter { $0.quality.isGood && $0.startNs >= ns(3) }
                for metric in StrideMetric.all {
                    var med = [0.0, 0.0]
                    for l in 0..<2 {
                        let v = learning.filter { $0.side.legSlot == l }.compactMap { $0.metrics[metric] }
                        var x = LegMetricBaseline()
                        x.count = v.count
                        x.median = ReportStatistics.median(v) ?? 0
                        x.mad = (ReportStatistics.robustSigma(v) ?? 0) / ReportStatistics.madToSigma
                        x.intercept = x.median
                        x.residualSigma = ReportStatistics.robustSigma(v) ?? 0
                        x.longRunSigma = x.residualSigma
                        b.legs[l * StrideMetric.count + metric.rawValue] = x
                        med[l] = x.median
                    }
                    b.symmetryIndex[metric] = SymmetryIndex.percent(left: med[0], right: med[1])
                }
                baseline = b
                push(recorder.record(StrideAnalyzerOutput.baselineLearnt(b)))
            }
            t += stepMs / 1000
            leg = 1 - leg
        }
        if s.fatigue {
            func alert(_ kind: CompensationAlert.Kind, _ level: Int, at minute: Double, si: Double, l: Double, r: Double,
                       metrics: StrideMetricSet, severity: Double) -> CompensationAlert {
                CompensationAlert(kind: kind, level: level, timeNs: ns(minute),
                                  finding: CompensationFinding(side: .leg(.left), primaryMetric: .contactTime, metrics: metrics,
                                                               severity: severity, symmetryIndexChange: si, leftChangePercent: l,
                                                               rightChangePercent: r, onsetNs: ns(15.4)),
                                  effectiveWindowStridePairs: 39)
            }
            for a in [alert(.raised, 1, at: 18.6, si: 3.1, l: 3.4, r: 0.3, metrics: StrideMetricSet(.contactTime), severity: 1.0),
                      alert(.escalated, 2, at: 24.2, si: 5.8, l: 6.3, r: 0.5, metrics: StrideMetricSet(.contactTime).union(StrideMetricSet(.dutyFactor)), severity: 1.8),
                      alert(.escalated, 3, at: 33.5, si: 6.4, l: 8.1, r: 1.6, metrics: StrideMetricSet(.contactTime).union(StrideMetricSet(.peakTibialAcceleration)), severity: 2.1)]
                where a.timeNs < ns(s.minutes) {
                push(recorder.record(StrideAnalyzerOutput.alert(a)))
            }
        }
        recorder.close(endMonotonicNs: ns(s.minutes))
        return recorder.path
    }

    /// Marks a closed record as cut off, as a power cut leaves it.
    static func cutOff(_ path: String) throws {
        let db = try DatabaseQueue(path: path)
        try db.write { try $0.execute(sql: "UPDATE run SET complete = 0, end_ns = NULL, end_utc = NULL, stop_reason = NULL") }
        try db.close()
    }
}

@Suite("report fixtures")
struct ReportFixtureTests {
    @Test func theFatigueFixtureHasWhatTheReportNeeds() throws {
        let dir = RunStoreTempDirectory()
        let path = try ReportFixtures.record(in: dir.path, ReportFixtures.Scenario(minutes: 12, fatigue: true, stopAtMinute: nil, gapAtMinute: nil))
        let reader = try RunReader(path: path)
        #expect(try reader.strides().count > 1500)
        #expect(try reader.windows().count > 200)
        #expect(try reader.baseline() != nil)
    }
}
