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
    /// Blocks from each row's start that share one scale: 1, or 8 (256 values, as ggml's Q8_K
    /// activations) for one-row inputs a k-quant reads; `blocksPerScale(for:rows:)` says which.
    public let blocksPerScale: Int

    /// 8 for one activation row (decode) read by a k-quant (super-blocks of 256 values), else 1. The
    /// k-quant kernels that know it then apply their integer sub-block scales in integer arithmetic
    /// and pay one float product per 256 values (AVX2 Q2_K … Q6_K decode; qk_activations.blocks_per_scale):
    /// Llama-7B Q4_K_M on AVX2 decoded 1.15-1.2× faster. The coarser scale moved SmolLM2 Q4_K_M's
    /// perplexity on 3,000 tokens fed one a call by noise (7.644 → 7.642); calls of several rows, which
    /// score prompts and measure perplexity, keep a scale per block all the same. Other matrices of a
    /// shared input read the same activations: the format is the same either way.
    public static func blocksPerScale(for schemes: some Sequence<QuantizationScheme>, rows: Int) -> Int {
        rows == 1 && schemes.contains { $0.ggmlBlockValues == 256 } ? 8 : 1
    }

    /// Quantizes `rows` rows of `columns` floats (row-major), one scale per `blocksPerScale` blocks.
    public init(_ x: UnsafeBufferPointer<Float>, rows: Int, columns: Int, blocksPerScale: Int = 1) {
        precondition(blocksPerScale == 1 || blocksPerScale == 8, "activation blocks share a scale in ones or eights")
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
                            qk_quantize_activation_row_shared(
                                x.baseAddress! + row * columns, columns, blocks, blocksPerScale,
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
        self.blocksPerScale = blocksPerScale
    }

    public init(_ x: [Float], rows: Int, columns: Int, blocksPerScale: Int = 1) {
        self = x.withUnsafeBufferPointer { QuantizedActivations($0, rows: rows, columns: columns, blocksPerScale: blocksPerScale) }
    }

    /// The kernels' view of these activations (no prepared panel row), valid only inside `body`.
    func withKernelInputs<Result>(_ body: (inout qk_activations) throws -> Result) rethrows -> Result {
        try codes.withUnsafeBufferPointer { codes in
            try scales.withUnsafeBufferPointer { scales in
                try scaledSums.withUnsafeBufferPointer { sums in
                    var inputs = qk_activations(
                        rows: rows, blocksPerRow: blocksPerRow, codes: codes.baseAddress, scales: scales.baseAddress,
                        scaledSums: sums.baseAddress, blocksPerScale: blocksPerScale)
                    return try body(&inputs)
                }
            }
        }
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
