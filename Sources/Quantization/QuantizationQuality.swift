/// How far a quantized tensor is from its float original, for reports: the RMS error relative to the
/// tensor's own RMS, and the largest absolute error.
public struct QuantizationQuality: Equatable, Sendable {
    public let count: Int
    /// sqrt(mean((w − x)²)).
    public let rmsError: Double
    /// sqrt(mean(x²)).
    public let rms: Double
    /// max |w − x|.
    public let maxAbsoluteError: Double

    /// rmsError / rms (0 for an all-zero original that was reproduced exactly, infinity if not).
    public var relativeRMSError: Double {
        if rms > 0 { return rmsError / rms }
        return rmsError == 0 ? 0 : .infinity
    }

    public init(original: some Collection<Float>, restored: some Collection<Float>) {
        precondition(original.count == restored.count, "original and restored differ in size")
        var squaredError = 0.0, squared = 0.0, worst = 0.0
        for (x, w) in zip(original, restored) {
            let error = Double(w) - Double(x)
            squaredError += error * error
            squared += Double(x) * Double(x)
            worst = max(worst, abs(error))
        }
        let n = Double(max(original.count, 1))
        count = original.count
        rmsError = (squaredError / n).squareRoot()
        rms = (squared / n).squareRoot()
        maxAbsoluteError = worst
    }

    /// Quality of `matrix` against the float values it was made from (row-major, rows × columns).
    public init(original: [Float], matrix: QuantizedMatrix) {
        self.init(original: original, restored: Dequantizer.dequantize(matrix))
    }
}
