import Foundation
import StrideCore
import Testing

@Suite("Post-impact ringing and the mount check")
struct PostImpactRingingTests {
    static let fs = 800.0

    /// An impact of `peakG` whose peak is at k = 0: a fall over 5 ms to a quarter of the
    /// peak, then a slow rise into mid-stance; plus a damped resonance when `ringing`.
    static func stance(peakG: Double, ringing: (hz: Double, gain: Double, decayS: Double)?) -> (Int) -> Double {
        { k in
            let t = Double(k) / fs
            var y = t <= 0.005 ? peakG * (1 - 0.75 * t / 0.005) : 0.25 * peakG + 8 * (t - 0.005)
            if let r = ringing, t > 0 {
                y += r.gain * peakG * exp(-t / r.decayS) * sin(2 * .pi * r.hz * t)
            }
            return y
        }
    }

    func swings(_ signal: (Int) -> Double, peakG: Double) -> Int {
        PostImpactRinging.swings(from: Int(PostImpactRinging.startSeconds * Self.fs),
                                 to: Int(PostImpactRinging.endSeconds * Self.fs),
                                 minimumSwing: PostImpactRinging.minimumSwing(rise: peakG)) { signal($0) }
    }

    @Test func aFirmImpactDoesNotRing() {
        for peak in [5.0, 10, 20] {
            let n = swings(Self.stance(peakG: peak, ringing: nil), peakG: peak)
            #expect(n < PostImpactRinging.ringingSwings, "peak \(peak) g: \(n) swings")
        }
    }

    @Test(arguments: [12.0, 28, 45])
    func aLooseStrapRingsAcrossTheResonanceBand(hz: Double) {
        // Lafortune et al. 1991: loose skin mounts resonate at 10-50 Hz.
        let n = swings(Self.stance(peakG: 10, ringing: (hz, 0.4, 0.04)), peakG: 10)
        #expect(n >= PostImpactRinging.ringingSwings, "\(hz) Hz: \(n) swings")
    }

    @Test func noiseBelowTheFloorIsNotRinging() {
        // The ADXL375's noise (0.1 g rms) on a small walking impact of 3 g.
        // Uniform noise of ±0.17 g has 0.1 g rms; its peak-to-peak (0.35 g) is under the floor.
        var rng = SystemRandomNumberGenerator()
        let noiseless = swings(Self.stance(peakG: 3, ringing: nil), peakG: 3)
        var counts = Set<Int>()
        for _ in 0..<200 {
            let noise = (0...200).map { _ in 0.1 * Double.random(in: -1.7...1.7, using: &rng) }
            counts.insert(swings({ Self.stance(peakG: 3, ringing: nil)($0) + noise[$0] }, peakG: 3))
        }
        #expect(counts == [noiseless], "noiseless \(noiseless) swings, with noise \(counts.sorted())")
    }

    @Test func theCheckNeedsHalfTheWindowToSuspectAndAQuarterToClear() {
        var check = MountRingingCheck()
        var changed = false
        // 15 of 32 ringing (the first one firm): not yet.
        for i in 0..<32 { changed = check.add(rang: i % 2 == 1 && i < 30) || changed }
        #expect(check.ringingStances == 15)
        #expect(!check.looseSuspected && !changed)
        // One more ringing stance (16 of the last 32): suspected.
        changed = check.add(rang: true)
        #expect(changed && check.looseSuspected)
        // Firm stances push the ringing ones out; it clears at a quarter (8 of 32), not before.
        var firmUntilCleared = 0
        while check.looseSuspected && firmUntilCleared < 64 {
            #expect(check.ringingStances > MountRingingCheck.window / 4)
            _ = check.add(rang: false)
            firmUntilCleared += 1
        }
        #expect(!check.looseSuspected)
        #expect(check.ringingStances == MountRingingCheck.window / 4)
        #expect(firmUntilCleared > 1 && firmUntilCleared < 32)
        #expect(check.stancesJudged == 33 + firmUntilCleared)
    }
}
