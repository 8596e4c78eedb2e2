import Foundation
import Tensors

/// Row normalisations shared by the engines. Each works on `rows` consecutive rows of `width`
/// values; statistics accumulate in Double so long rows lose nothing to summation order. `scale`
/// and `bias` are the effective values (checkpoints that store `w` and use `w + 1` are resolved by
/// the loader). Rows are independent, so they are split over `ThreadPool.shared` (the tools'
/// --threads); each row's arithmetic is the same whatever the split.
enum Normalization {
    /// Rows per part: about 16K values, so a decode row (one token) stays on the calling thread.
    static func rowsPerPart(width: Int) -> Int { max(1, 16_384 / max(width, 1)) }

    /// `x / sqrt(mean(x²) + eps) · scale`, row by row, in place.
    static func rmsNormalize(_ x: inout [Float], width: Int, eps: Float, scale: [Float]? = nil) {
        precondition(width > 0 && x.count % width == 0, "rows do not tile the buffer")
        x.withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            rmsNormalizeRows(base, into: base, rows: buffer.count / width, width: width, eps: eps, scale: scale)
        }
    }

    /// `rmsNormalize` into a new array, `x` unchanged: the copy a caller would make first is the
    /// normalisation's own output (a serial copy less per layer).
    static func rmsNormalized(_ x: [Float], width: Int, eps: Float, scale: [Float]? = nil) -> [Float] {
        precondition(width > 0 && x.count % width == 0, "rows do not tile the buffer")
        return [Float](unsafeUninitializedCapacity: x.count) { y, initialized in
            x.withUnsafeBufferPointer { xs in
                guard let source = xs.baseAddress, let target = y.baseAddress else { return }
                rmsNormalizeRows(source, into: target, rows: xs.count / width, width: width, eps: eps, scale: scale)
                initialized = xs.count
            }
        }
    }

    private static func rmsNormalizeRows(
        _ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, rows: Int, width: Int, eps: Float, scale: [Float]?
    ) {
        ThreadPool.shared.parallelFor(rows, minimumChunk: rowsPerPart(width: width)) { part in
            for row in part { rmsNormalizeRow(x + row * width, into: y + row * width, width: width, eps: eps, scale: scale) }
        }
    }

    /// One row of `rmsNormalize`, from `x` into `y` (which may be `x`).
    static func rmsNormalizeRow(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, width: Int, eps: Float, scale: [Float]?) {
        var squares = 0.0
        for j in 0..<width { squares += Double(x[j]) * Double(x[j]) }
        let inverse = Float(1 / (squares / Double(width) + Double(eps)).squareRoot())
        if let scale {
            scale.withUnsafeBufferPointer { scale in
                for j in 0..<width { y[j] = x[j] * inverse * scale[j] }
            }
        } else {
            for j in 0..<width { y[j] = x[j] * inverse }
        }
    }

    /// Mean and population variance of `count` values at `x`, two-pass in Double.
    static func moments(_ x: UnsafePointer<Float>, count: Int) -> (mean: Double, variance: Double) {
        var sum = 0.0
        for j in 0..<count { sum += Double(x[j]) }
        let mean = sum / Double(count)
        var squares = 0.0
        for j in 0..<count {
            let centred = Double(x[j]) - mean
            squares += centred * centred
        }
        return (mean, squares / Double(count))
    }

    /// `(x - mean) / sqrt(biased var + eps) · scale + bias`, row by row, in place.
    static func layerNormalize(_ x: inout [Float], width: Int, eps: Float, scale: [Float]?, bias: [Float]?) {
        precondition(width > 0 && x.count % width == 0, "rows do not tile the buffer")
        x.withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            ThreadPool.shared.parallelFor(buffer.count / width, minimumChunk: rowsPerPart(width: width)) { rows in
                for row in rows {
                    let x = base + row * width
                    let (mean, variance) = moments(x, count: width)
                    let inverse = 1 / (variance + Double(eps)).squareRoot()
                    for j in 0..<width {
                        var value = Float((Double(x[j]) - mean) * inverse)
                        if let scale { value *= scale[j] }
                        if let bias { value += bias[j] }
                        x[j] = value
                    }
                }
            }
        }
    }
}
