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

    /// `(x - mean) / sqrt(biased var + eps) · scale + bias`, row by row, in place.
    static func layerNormalize(_ x: inout [Float], width: Int, eps: Float, scale: [Float]?, bias: [Float]?) {
        precondition(width > 0 && x.count % width == 0, "rows do not tile the buffer")
        for start in stride(from: 0, to: x.count, by: width) {
            var sum = 0.0
            for j in 0..<width { sum += Double(x[start + j]) }
            let mean = sum / Double(width)
            var squares = 0.0
            for j in 0..<width {
                let centred = Double(x[start + j]) - mean
                squares += centred * centred
            }
            let inverse = 1 / (squares / Double(width) + Double(eps)).squareRoot()
            for j in 0..<width {
                var value = Float((Double(x[start + j]) - mean) * inverse)
                if let scale { value *= scale[j] }
                if let bias { value += bias[j] }
                x[start + j] = value
            }
        }
    }
}
