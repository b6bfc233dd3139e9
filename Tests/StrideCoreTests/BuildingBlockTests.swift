import Foundation
import StrideCore
import Testing

struct BiquadTests {
    @Test("Butterworth low-pass: unit step settles to 1 with the textbook ~4.3 % overshoot")
    func lowPassStep() throws {
        var f = try #require(Biquad.butterworthLowPass(cutoffHz: 20, sampleRateHz: 500))
        var peak = 0.0
        var last = 0.0
        for _ in 0..<500 {
            last = f.process(1)
            peak = max(peak, last)
        }
        print(String(format: "[biquad] 20 Hz low-pass at 500 Hz: step overshoot %.2f %%, final %.6f, DC group delay %.2f samples",
                     (peak - 1) * 100, last, f.groupDelayAtDCSamples))
        #expect(abs(last - 1) < 1e-9)
        // A second-order Butterworth overshoots by 4.32 % (analogue prototype).
        #expect(abs((peak - 1) * 100 - 4.3) < 0.5)
        #expect(abs(f.dcGain - 1) < 1e-12)
        // Analogue DC group delay √2/(2π·fc) = 11.25 ms = 5.6 samples; the bilinear design is close.
        #expect(abs(f.groupDelayAtDCSamples - 5.6) < 0.3)
    }

    /// Steady-state gain for a sine of frequency `hz`.
    static func gain(_ f: Biquad, hz: Double, fs: Double) -> Double {
        var g = f
        var peak = 0.0
        let n = Int(fs * 4)
        for i in 0..<n {
            let y = g.process(sin(2 * .pi * hz * Double(i) / fs))
            if i > n / 2 { peak = max(peak, abs(y)) }
        }
        return peak
    }

    @Test("Butterworth cut-off: −3 dB at fc, flat below, falling 12 dB/octave above", arguments: [(20.0, 500.0), (20.0, 100.0), (5.0, 1000.0)])
    func cutoff(fc: Double, fs: Double) throws {
        let f = try #require(Biquad.butterworthLowPass(cutoffHz: fc, sampleRateHz: fs))
        let atFc = Self.gain(f, hz: fc, fs: fs)
        let low = Self.gain(f, hz: fc / 10, fs: fs)
        print(String(format: "[biquad] fc %.0f Hz at %.0f Hz: gain at fc %.4f (−3 dB = 0.7071), at fc/10 %.4f", fc, fs, atFc, low))
        #expect(abs(atFc - 0.70710678) < 0.01)
        #expect(abs(low - 1) < 0.01)
        if 4 * fc < fs / 2 {
            let octaveUp = Self.gain(f, hz: 2 * fc, fs: fs)
            #expect(octaveUp < 0.3)
        }
    }

    @Test("high-pass blocks DC; invalid cut-offs give nil instead of trapping")
    func highPassAndInvalid() throws {
        var hp = try #require(Biquad.butterworthHighPass(cutoffHz: 0.5, sampleRateHz: 100))
        var y = 1.0
        for _ in 0..<2000 { y = hp.process(1) }
        #expect(abs(y) < 1e-6)
        #expect(Biquad.butterworthLowPass(cutoffHz: 60, sampleRateHz: 100) == nil)
        #expect(Biquad.butterworthLowPass(cutoffHz: 0, sampleRateHz: 100) == nil)
        #expect(Biquad.butterworthLowPass(cutoffHz: 10, sampleRateHz: 0) == nil)
    }

    @Test("reset to a steady input starts without a transient")
    func steadyReset() throws {
        var f = try #require(Biquad.butterworthLowPass(cutoffHz: 20, sampleRateHz: 500))
        f.reset(steadyInput: 0.8)
        for _ in 0..<50 { #expect(abs(f.process(0.8) - 0.8) < 1e-9) }
    }
}

struct RingBufferTests {
    @Test("wraps: keeps the newest `capacity` elements, addressed by absolute index")
    func wrap() {
        var r = RingBuffer<Int>(capacity: 4, filler: -1)
        #expect(r.count == 0)
        #expect(r.element(at: 0) == nil)
        #expect(r.newestIndex == -1)
        for i in 0..<10 { r.append(i * 10) }
        #expect(r.count == 4)
        #expect(r.capacity == 4)
        #expect(r.oldestIndex == 6)
        #expect(r.newestIndex == 9)
        #expect(r.element(at: 5) == nil, "overwritten")
        #expect(r.element(at: 6) == 60)
        #expect(r.element(at: 9) == 90)
        #expect(r.element(at: 10) == nil, "not yet appended")
        #expect(r.element(age: 0) == 90)
        #expect(r.element(age: 3) == 60)
        #expect(r.element(age: 4) == nil)
        #expect(r.clampedElement(at: 2, fallback: 0) == 60)
        #expect(r.clampedElement(at: 99, fallback: 0) == 90)
        r.removeAll()
        #expect(r.count == 0)
        #expect(r.clampedElement(at: 0, fallback: 7) == 7)
    }

    @Test("capacity of at least one")
    func minimumCapacity() {
        var r = RingBuffer<Float>(capacity: 0, filler: 0)
        r.append(1)
        r.append(2)
        #expect(r.count == 1)
        #expect(r.element(age: 0) == 2)
    }
}

struct BodyFrameTests {
    /// Rotation of `v` by `deg` about the sensor z axis.
    static func rotZ(_ v: Vector3, _ deg: Double) -> Vector3 {
        let c = Float(cos(deg * .pi / 180)), s = Float(sin(deg * .pi / 180))
        return Vector3(x: v.x * c - v.y * s, y: v.x * s + v.y * c, z: v.z)
    }

    @Test("a sensor tilted 30° about the medio-lateral axis is recovered from gravity", arguments: [0.0, 30.0, -30.0, 75.0])
    func tiltRecovered(deg: Double) throws {
        // Nominal: x up, y forward, z left. Tilt the sensor: gravity and a forward push
        // are both seen rotated.
        let g = Self.rotZ(Vector3(x: 1, y: 0, z: 0), deg)
        let a = try #require(BodyFrameAlignment(gravity: g, mounting: .xUpYForward))
        let push = Self.rotZ(Vector3(x: 0.3, y: -0.5, z: 0), deg)  // +0.3 g up, 0.5 g backward
        let b = a.toBody(push + g)
        #expect(abs(b.vertical - 1.3) < 1e-5)
        #expect(abs(b.anteroPosterior + 0.5) < 1e-5)
        #expect(abs(b.medioLateral) < 1e-5)
    }

    @Test("Mobilise-D frame: x up, y right, z forward")
    func mobiliseFrame() throws {
        let a = try #require(BodyFrameAlignment(gravity: Vector3(x: 1, y: 0, z: 0), mounting: .xUpZForward))
        let b = a.toBody(Vector3(x: 1, y: 0.2, z: 0.4))
        #expect(abs(b.vertical - 1) < 1e-6)
        #expect(abs(b.anteroPosterior - 0.4) < 1e-6)
        #expect(abs(b.medioLateral + 0.2) < 1e-6, "+y is the wearer's right, body ML is + left")
        #expect(BodyFrameAlignment(gravity: .zero, mounting: .xUpZForward) == nil)
    }

    @Test("gravity estimator: window mean, then slow tracking")
    func gravityEstimator() throws {
        var e = GravityEstimator(windowSamples: 4, trackingTimeConstantSamples: 10)
        for x in [0.9, 1.1, 0.8, 1.2] {
            #expect(e.gravity == nil)
            e.add(Vector3(x: Float(x), y: 0, z: 0))
        }
        let g = try #require(e.gravity)
        #expect(abs(g.x - 1) < 1e-6)
        e.add(Vector3(x: 2, y: 0, z: 0))
        #expect(abs((e.gravity?.x ?? 0) - 1.1) < 1e-6)
    }
}

struct ActivityClassifierTests {
    static func feed(_ c: inout ActivityClassifier, steps: Int, intervalS: Double, flight: Bool, from t0: UInt64 = 1_000_000_000) -> UInt64 {
        var t = t0
        for _ in 0..<steps {
            c.registerStep(at: t, hadFlight: flight)
            t += UInt64(intervalS * 1e9)
            c.advance(to: t - 1)
        }
        return t
    }

    @Test("running with flight at 180 steps/min, walking at 105, standing after a pause")
    func classes() {
        var c = ActivityClassifier()
        #expect(c.activity == .unknown)
        var t = Self.feed(&c, steps: 6, intervalS: 60.0 / 180, flight: true)
        #expect(c.activity == .running)
        #expect(abs((c.cadenceStepsPerMinute ?? 0) - 180) < 0.5)
        t = Self.feed(&c, steps: 6, intervalS: 60.0 / 105, flight: false, from: t)
        #expect(c.activity == .walking)
        #expect(abs((c.cadenceStepsPerMinute ?? 0) - 105) < 0.5)
        c.advance(to: t + 3_000_000_000)
        #expect(c.activity == .standing)
        #expect(c.cadenceStepsPerMinute == nil)
    }
}
