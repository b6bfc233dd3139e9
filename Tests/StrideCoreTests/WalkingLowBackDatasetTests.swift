import Foundation
import StrideCore
import Testing

/// The sacrum detector on walking (datasets/walking-lowback-mobgap): a healthy adult, a
/// lower-back sensor at 100 Hz in m/s² (x up, y right, z forward), reference initial
/// contacts with left/right labels from INDIP (foot IMUs and pressure insoles).
///
/// Checked: while walking the classifier never says running and no toe-off (so no contact
/// time, no running metric) is produced; at least 90 % of reference ICs have a detected IC
/// nearby; the side is right for at least 95 % of all reference ICs (issue 3's target);
/// no extra detected ICs appear inside the reference walking bouts.
///
/// Matching rule for sides: each reference IC takes the nearest detected IC within
/// ±`toleranceS`; the detected side is compared with the reference label. How many
/// reference ICs found a partner is printed, and the share is also given over all
/// reference ICs (an unmatched one counted as wrong).
struct WalkingLowBackDatasetTests {
    static let folder = "walking-lowback-mobgap"
    static let sampleRateHz = 100.0
    /// Half of a typical walking step (≈0.55 s at 100-110 steps/min): a partner closer than
    /// this belongs to the same step.
    static let toleranceS = 0.25
    static let standardGravity = 9.80665
    static let recordings = ["HA_001_Test5_Trial1", "HA_001_Test5_Trial2", "HA_001_Test11_Trial1"]

    struct Run {
        var events: [GaitEvent] = []
        var activityAt: [Activity] = []
        var origin: UInt64 = 0
    }

    static func run(_ recording: String) -> Run? {
        guard let rows = Datasets.csv("\(folder)/imu/\(recording)_lowerback.csv") else { return nil }
        let g = standardGravity
        let t0: UInt64 = 7_000_000_000
        let samples = rows.enumerated().map { i, r in
            IMUSample(timeNs: t0 + UInt64(i) * 10_000_000,
                      accel: Vector3(x: Float(r.double("acc_x") / g), y: Float(r.double("acc_y") / g), z: Float(r.double("acc_z") / g)),
                      gyro: Vector3(x: Float(r.double("gyr_x")), y: Float(r.double("gyr_y")), z: Float(r.double("gyr_z"))),
                      flags: .hasGyro)
        }
        let config = SacrumEventDetector.Configuration(sampleRateHz: sampleRateHz, mounting: .xUpZForward, sideSource: .medioLateral)
        var out = Run()
        out.origin = t0
        out.activityAt.reserveCapacity(samples.count)
        out.events = detectAll(samples, configuration: config) { _, d in out.activityAt.append(d.activity) }
        return out
    }

    @Test("walking, lower back: left/right of reference initial contacts, walking not running, no running metrics")
    func walking() {
        guard let refICs = Datasets.csv("\(Self.folder)/reference_initial_contacts.csv"),
              let bouts = Datasets.csv("\(Self.folder)/reference_walking_bouts.csv") else { return }
        var refTotal = 0, matched = 0, sideCorrect = 0
        var boutSamples = 0, boutRunning = 0, boutWalking = 0
        var toeOffs = 0, detectedICs = 0, unpartneredInBouts = 0
        var stereoTotal = 0, stereoCorrect = 0
        var timingErrorsMs: [Double] = []
        for rec in Self.recordings {
            guard let run = Self.run(rec) else { continue }
            let ics = run.events.filter { $0.kind == .initialContact }
            detectedICs += ics.count
            toeOffs += run.events.filter { $0.kind == .toeOff }.count
            func seconds(_ ns: UInt64) -> Double { Double(ns - run.origin) * 1e-9 }
            var partnered = Set<Int>()
            for r in refICs where r["recording"] == rec && r["reference_system"] == "INDIP" {
                refTotal += 1
                let t = r.double("ic_time_s")
                guard let best = ics.indices.min(by: { abs(seconds(ics[$0].timeNs) - t) < abs(seconds(ics[$1].timeNs) - t) }),
                      abs(seconds(ics[best].timeNs) - t) <= Self.toleranceS else {
                    print(String(format: "[walking-lowback] missed: %@ %.2f s %@, no detected IC within ±%.0f ms",
                                 rec, t, r["lr_label"] ?? "?", Self.toleranceS * 1000))
                    continue
                }
                partnered.insert(best)
                matched += 1
                timingErrorsMs.append((seconds(ics[best].timeNs) - t) * 1000)
                let want: Side = r["lr_label"] == "left" ? .left : .right
                if ics[best].side == want {
                    sideCorrect += 1
                } else {
                    print(String(format: "[walking-lowback] wrong side: %@ %.2f s %@, detected at %.2f s as %@",
                                 rec, t, r["lr_label"] ?? "?", seconds(ics[best].timeNs), "\(ics[best].side)"))
                }
            }
            // The same rule against the second reference (motion capture, where its
            // capture volume covered the walk): printed, so a change that only pleases
            // INDIP shows.
            for r in refICs where r["recording"] == rec && r["reference_system"] == "Stereophoto" {
                stereoTotal += 1
                let t = r.double("ic_time_s")
                guard let best = ics.min(by: { abs(seconds($0.timeNs) - t) < abs(seconds($1.timeNs) - t) }),
                      abs(seconds(best.timeNs) - t) <= Self.toleranceS else { continue }
                if best.side == (r["lr_label"] == "left" ? .left : .right) { stereoCorrect += 1 }
            }
            for b in bouts where b["recording"] == rec && b["reference_system"] == "INDIP" {
                let start = b.int("start"), end = b.int("end")
                // Detected ICs inside the bout that no reference IC took as its partner:
                // extra (phantom or doubled) steps.
                for (k, ic) in ics.enumerated() where !partnered.contains(k) {
                    let t = seconds(ic.timeNs) * Self.sampleRateHz
                    if t >= Double(start), t <= Double(end) { unpartneredInBouts += 1 }
                }
                for i in max(0, start)..<min(end, run.activityAt.count) {
                    boutSamples += 1
                    if run.activityAt[i] == .running { boutRunning += 1 }
                    if run.activityAt[i] == .walking { boutWalking += 1 }
                }
            }
        }
        let sideShare = matched == 0 ? 0 : Double(sideCorrect) / Double(matched)
        print(String(format: "[walking-lowback] reference ICs (INDIP) %d, matched within ±%.0f ms %d (%.1f %%), detected ICs %d",
                     refTotal, Self.toleranceS * 1000, matched, 100 * Double(matched) / Double(max(1, refTotal)), detectedICs))
        print(String(format: "[walking-lowback] left/right correct: %d of %d matched = %.1f %% (over all reference ICs: %.1f %%)",
                     sideCorrect, matched, 100 * sideShare, 100 * Double(sideCorrect) / Double(max(1, refTotal))))
        print(String(format: "[walking-lowback] against the Stereophoto reference: left/right correct for %d of %d reference ICs (%.1f %%)",
                     stereoCorrect, stereoTotal, 100 * Double(stereoCorrect) / Double(max(1, stereoTotal))))
        print(String(format: "[walking-lowback] IC timing vs reference: median |e| %.0f ms, mean e %+.0f ms",
                     Stats.percentile(timingErrorsMs.map { abs($0) }, 50), Stats.mean(timingErrorsMs)))
        print(String(format: "[walking-lowback] inside reference walking bouts: %d samples, called running %d, called walking %d (%.1f %%)",
                     boutSamples, boutRunning, boutWalking, 100 * Double(boutWalking) / Double(max(1, boutSamples))))
        print("[walking-lowback] detected ICs inside reference walking bouts without a reference partner: \(unpartneredInBouts)")
        print("[walking-lowback] toe-off events (running metrics) over the three recordings: \(toeOffs)")
        #expect(refTotal == 81)
        #expect(boutSamples > 0)
        #expect(boutRunning == 0, "never running while walking")
        #expect(Double(boutWalking) >= 0.8 * Double(boutSamples), "walking for most of each bout (two steps to decide)")
        #expect(toeOffs == 0, "no contact times, so no running metrics, while walking")
        // Issue 3's target, on the matched reference ICs, and the detection floor.
        #expect(Double(matched) >= 0.9 * Double(refTotal), "most reference ICs have a detected partner")
        #expect(sideShare >= 0.95, "left/right correct for ≥ 95 % of matched reference ICs")
        // Weak steps are accepted only where the walking rhythm puts the next step; this
        // guards against phantoms. The same 4 detected ICs inside reference bouts have no
        // INDIP partner as before weak steps were accepted: 40.46 s (in a turn), 79.43 s
        // (the Stereophoto reference has a left step at 79.42 s), 94.80 s (gait
        // initiation) and 124.74 s (a trunk bend); no more may appear.
        #expect(unpartneredInBouts <= 4, "no extra (phantom) steps inside reference walking bouts")
        // Issue 3's target, over all reference ICs (an unmatched one counted wrong):
        // 77 of 81 = 95.1 % (Stereophoto, printed above: 73 of 77, as before weak steps).
        // Left: two steps during a deep trunk bend (123.35 s, 125.16 s: the sensor's
        // "vertical" is far from vertical, no loading peak), the reference pair with two
        // contacts at the same instant (76.41 s R, 76.42 s L), which no side rule can both
        // get right, and 80.95 s R in a turn, detected as left (the Stereophoto reference
        // has no step there: 80.45 s L, then 81.69 s L).
        #expect(Double(sideCorrect) >= 0.95 * Double(refTotal), "left/right correct for ≥ 95 % of all reference ICs")
    }
}
