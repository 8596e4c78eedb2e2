import CQuantKernels

/// Activation rows quantized once per matmul to int8 blocks of 32 (x ≈ scale·code), the form the
/// integer kernels consume. Reuse one value for several matrices that read the same input.
public struct QuantizedActivations: Sendable {
    public let rows: Int
    public let columns: Int
    public let blocksPerRow: Int
    public let codes: [Int8]
    public let scales: [Float]
    /// scale·Σ codes per block: what a weight offset or bias multiplies.
    public let scaledSums: [Float]

    /// Quantizes `rows` rows of `columns` floats (row-major).
    public init(_ x: UnsafeBufferPointer<Float>, rows: Int, columns: Int) {
        precondition(rows >= 0 && columns >= 0 && x.count == rows * columns, "activation buffer does not hold rows × columns values")
        let blocks = (columns + QuantizedLayout.blockValues - 1) / QuantizedLayout.blockValues
        var codes = [Int8](repeating: 0, count: rows * blocks * QuantizedLayout.blockValues)
        var scales = [Float](repeating: 0, count: rows * blocks)
        var sums = [Float](repeating: 0, count: rows * blocks)
        codes.withUnsafeMutableBufferPointer { codePointer in
            scales.withUnsafeMutableBufferPointer { scalePointer in
                sums.withUnsafeMutableBufferPointer { sumPointer in
                    for row in 0..<rows {
                        qk_quantize_activation_row(
                            x.baseAddress! + row * columns, columns, blocks,
                            codePointer.baseAddress! + row * blocks * QuantizedLayout.blockValues,
                            scalePointer.baseAddress! + row * blocks, sumPointer.baseAddress! + row * blocks)
                    }
                }
            }
        }
        self.rows = rows
        self.columns = columns
        self.blocksPerRow = blocks
        self.codes = codes
        self.scales = scales
        self.scaledSums = sums
    }

    public init(_ x: [Float], rows: Int, columns: Int) {
        self = x.withUnsafeBufferPointer { QuantizedActivations($0, rows: rows, columns: columns) }
    }

    /// The activations the kernels actually multiply, expanded back to floats (scale·code) — the
    /// input of the plain reference computation in tests.
    public func dequantized() -> [Float] {
        var values = [Float](repeating: 0, count: rows * columns)
        for row in 0..<rows {
            for column in 0..<columns {
                let block = row * blocksPerRow + column / QuantizedLayout.blockValues
                values[row * columns + column] = scales[block] * Float(codes[row * blocksPerRow * QuantizedLayout.blockValues + column])
            }
        }
        return values
    }
}
