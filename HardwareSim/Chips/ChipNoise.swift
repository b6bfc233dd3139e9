import Hardware

extension ChipModel {
    /// Typical accelerometer noise density per axis, g/√Hz, from each datasheet's noise
    /// figures; the simulated chip adds this white noise over its output bandwidth (half
    /// the data rate), so its noise grows with the rate as the real chip's does.
    /// - ADXL345: 290 µg/√Hz on X and Y (datasheet, Figure 52, root Allan deviation).
    /// - ADXL375: ≈ 5 mg/√Hz, 0.1 g rms at 800 Hz (2 LSB); the ADXL34x family's rule
    ///   (noise in LSB grows √2 per doubling of the rate) gives the same order.
    /// - LIS3DH: 220 µg/√Hz (normal mode).
    /// - LSM6DSO / LSM6DSOX: ≈ 70-80 µg/√Hz (high-performance mode); LSM6DSO32 ≈ 0.1-0.2 mg/√Hz
    ///   at its wider ranges, the larger taken.
    public var typicalNoiseDensityGPerRootHz: Double {
        switch self {
        case .adxl345: return 0.00029
        case .adxl375: return 0.005
        case .lis3dh: return 0.00022
        case .lsm6dso, .lsm6dsox: return 0.00008
        case .lsm6dso32: return 0.0002
        }
    }
}
