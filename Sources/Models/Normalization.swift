import Foundation

/// Row normalisations shared by the engines. Each works on `rows` consecutive rows of `width`
/// values; statistics accumulate in Double so long rows lose nothing to summation order. `scale`
/// and `bias` are the effective values (checkpoints that store `w` and use `w + 1` are resolved by
/// the loader).
enum Normalization {
    /// `x / sqrt(mean(x²) + eps) · scale`, row by row, in place.
    static func rmsNormalize(_ x: inout [Float], width: Int, eps: Float, scale: [Float]? = nil) {
        precondition(width > 0 && x.count % width == 0, "rows do not tile the buffer")
        for start in stride(from: 0, to: x.count, by: width) {
            var squares = 0.0
            for j in 0..<width { squares += Double(x[start + j]) * Double(x[start + j]) }
            let inverse = Float(1 / (squares / Double(width) + Double(eps)).squareRoot())
            if let scale {
                for j in 0..<width { x[start + j] = x[start + j] * inverse * scale[j] }
            } else {
                for j in 0..<width { x[start + j] *= inverse }
            }
        }
    }

    /// Mean and population variance of `x[start..<start + count]`, two-pass in Double.
    static func moments(_ x: [Float], start: Int, count: Int) -> (mean: Double, variance: Double) {
        var sum = 0.0
        for j in start..<start + count { sum += Double(x[j]) }
        let mean = sum / Double(count)
        var squares = 0.0
        for j in start..<start + count {
            let centred = Double(x[j]) - mean
            squares += centred * centred
        }
        return (mean, squares / Double(count))
    }

    /// `(x - mean) / sqrt(biased var + eps) · scale + bias`, row by row, in place.
    static func layerNormalize(_ x: inout [Float], width: Int, eps: Float, scale: [Float]?, bias: [Float]?) {
        precondition(width > 0 && x.count % width == 0, "rows do not tile the buffer")
        for start in stride(from: 0, to: x.count, by: width) {
            let (mean, variance) = moments(x, start: start, count: width)
            let inverse = 1 / (variance + Double(eps)).squareRoot()
            for j in 0..<width {
                var value = Float((Double(x[start + j]) - mean) * inverse)
                if let scale { value *= scale[j] }
                if let bias { value += bias[j] }
                x[start + j] = value
            }
        }
    }
}
