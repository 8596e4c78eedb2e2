import CQuantKernels
import Tensors

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
        let rowCodes = blocks * QuantizedLayout.blockValues
        // Every element is written by the kernel (blocks past `columns` get zero codes), so the arrays
        // start uninitialized; rows are split across the pool (prefill quantizes hundreds of rows).
        var scales: [Float] = []
        var sums: [Float] = []
        let codes = [Int8](unsafeUninitializedCapacity: rows * rowCodes) { codePointer, codesWritten in
            scales = [Float](unsafeUninitializedCapacity: rows * blocks) { scalePointer, scalesWritten in
                sums = [Float](unsafeUninitializedCapacity: rows * blocks) { sumPointer, sumsWritten in
                    let quantizedRows = rowCodes > 0 ? rows : 0  // no columns: nothing to write or point at
                    ThreadPool.shared.parallelFor(quantizedRows, minimumChunk: max(1, 65_536 / max(columns, 1))) { range in
                        for row in range {
                            qk_quantize_activation_row(
                                x.baseAddress! + row * columns, columns, blocks,
                                codePointer.baseAddress! + row * rowCodes,
                                scalePointer.baseAddress! + row * blocks, sumPointer.baseAddress! + row * blocks)
                        }
                    }
                    sumsWritten = rows * blocks
                }
                scalesWritten = rows * blocks
            }
            codesWritten = rows * rowCodes
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
