import Tensors

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
        var sums = Sums()
        for (x, w) in zip(original, restored) { sums.add(original: x, restored: w) }
        self.init(sums, count: original.count)
    }

    private init(_ sums: Sums, count: Int) {
        let n = Double(max(count, 1))
        self.count = count
        rmsError = (sums.squaredError / n).squareRoot()
        rms = (sums.squared / n).squareRoot()
        maxAbsoluteError = sums.worst
    }

    /// Running sums of the statistics.
    private struct Sums {
        var squaredError = 0.0, squared = 0.0, worst = 0.0

        @inline(__always)
        mutating func add(original x: Float, restored w: Float) {
            let error = Double(w) - Double(x)
            squaredError += error * error
            squared += Double(x) * Double(x)
            worst = max(worst, abs(error))
        }

        mutating func add(_ other: Sums) {
            squaredError += other.squaredError
            squared += other.squared
            worst = max(worst, other.worst)
        }
    }

    /// Quality of `matrix` against the float values it was made from (row-major, rows × columns).
    public init(original: [Float], matrix: QuantizedMatrix) {
        self = original.withUnsafeBufferPointer { QuantizationQuality(original: $0, matrix: matrix) }
    }

    /// The same, without a restored copy of the matrix: rows are restored and measured on the thread
    /// pool one at a time, then summed in row order, so the figures do not depend on the thread count
    /// (quantizing a 7B model spent a fifth of its time restoring whole matrices on one thread).
    public init(original: UnsafeBufferPointer<Float>, matrix: QuantizedMatrix) {
        let rows = matrix.rows, columns = matrix.columns
        precondition(original.count == rows * columns, "original and matrix differ in size")
        var perRow = [Sums](repeating: Sums(), count: rows)
        perRow.withUnsafeMutableBufferPointer { sums in
            ThreadPool.shared.parallelFor(rows, minimumChunk: max(1, 65536 / max(columns, 1))) { range in
                var restored = [Float](repeating: 0, count: columns)
                restored.withUnsafeMutableBufferPointer { buffer in
                    for row in range {
                        Dequantizer.dequantizeRow(matrix, row: row, into: buffer)
                        var rowSums = Sums()
                        for (x, w) in zip(original[row * columns..<(row + 1) * columns], buffer) {
                            rowSums.add(original: x, restored: w)
                        }
                        sums[row] = rowSums
                    }
                }
            }
        }
        var total = Sums()
        for rowSums in perRow { total.add(rowSums) }
        self.init(total, count: original.count)
    }
}
