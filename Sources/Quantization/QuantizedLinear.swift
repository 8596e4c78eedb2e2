import CQuantKernels
import Tensors

/// `y = x · Wᵀ` for a quantized W[outputs, inputs], straight from the packed codes: activations are
/// quantized to int8 blocks once, then each output is a sum of integer block dot products scaled in
/// float (no dequantized copy of W is made). Output rows are split across `ThreadPool.shared`.
public enum QuantizedLinear {
    /// y[rows, matrix.rows] = x[rows, matrix.columns] · Wᵀ.
    public static func apply(
        _ matrix: QuantizedMatrix, to x: UnsafeBufferPointer<Float>, rows: Int,
        into y: UnsafeMutableBufferPointer<Float>, variant: KernelVariant = .preferred,
        panels: DecodePanels? = nil
    ) {
        let activations = QuantizedActivations(
            x, rows: rows, columns: matrix.columns, blocksPerScale: QuantizedActivations.blocksPerScale(for: [matrix.scheme], rows: rows))
        apply(matrix, to: activations, into: y, variant: variant, panels: panels)
    }

    /// The same with activations quantized by the caller (shared between matrices with one input).
    /// `panels` (made from this matrix) speed up one activation row on the variant that reads them.
    public static func apply(
        _ matrix: QuantizedMatrix, to activations: QuantizedActivations,
        into y: UnsafeMutableBufferPointer<Float>, variant: KernelVariant = .preferred,
        panels: DecodePanels? = nil
    ) {
        apply([Product(matrix, panels: panels, into: y)], to: activations, variant: variant)
    }

    /// One matrix of a product with a shared input: `output[rows, matrix.rows] = x · matrixᵀ`.
    public struct Product {
        public let matrix: QuantizedMatrix
        public let panels: DecodePanels?
        public let output: UnsafeMutableBufferPointer<Float>

        public init(_ matrix: QuantizedMatrix, panels: DecodePanels? = nil, into output: UnsafeMutableBufferPointer<Float>) {
            self.matrix = matrix
            self.panels = panels
            self.output = output
        }
    }

    /// Several matrices times the same quantized activations, as one job on the thread pool (see
    /// `ThreadPool.parallelFor(segments:)`): decode's Q, K and V, or gate and up, cost one hand-off.
    public static func apply(_ products: [Product], to activations: QuantizedActivations, variant: KernelVariant = .preferred) {
        guard !products.isEmpty else { return }
        for product in products {
            precondition(
                product.output.count == activations.rows * product.matrix.rows, "output buffer does not hold rows × outputs values")
        }
        let plan = Plan(products.map(\.matrix), panels: products.map(\.panels))
        plan.apply(activations, outputs: products.map(\.output.baseAddress), variant: variant)
    }

    /// Weight × activation-row products a part needs to be worth a thread hop. Splitting a product
    /// over two threads pays once its one-thread time exceeds about twice the hand-off (a few µs), and
    /// both kernel families stream 4-bit panels at 10-25 K weights/µs, so 64 K-weight parts (3-6 µs).
    /// Measured with SmolLM2-135M (0.3-1.8 M-weight layer products), 2 threads, AVX-512 VNNI on Zen 4:
    /// Q4_0 decode 171-254 tok/s with 16-128 K parts against 173-202 with 1 M (where no layer product
    /// split, only the logit row); the AVX2 kernels on the same CPU: 64 K no slower than 128 K.
    static let minimumPartWork = 1 << 16

    /// Parts a thread takes of one product: the pool's two, up to eight for products of over 2 M weights a
    /// thread (parts of at least 1 M), so that threads finish a large product closer together when one of
    /// them is slowed by a neighbour on the host; each part costs a claim and no regrouping of activations
    /// (qk_panel_prepare_activations does that once a product). Measured on Zen 4, runs alternating in one
    /// process: Llama-7B int4 on 2 threads faster in 5 of 6 pairs, but the second run of a pair was
    /// favoured in a control (9 of 16), so that is weak evidence; SmolLM2-135M's 0.5–1.8 M-weight products
    /// won 5 of 14 pairs in more parts, so they keep two.
    static func partsPerThread(weights: Int, threads: Int) -> Int { min(8, max(2, weights / (max(1, threads) << 20))) }

    /// Convenience returning a new array of rows × matrix.rows outputs.
    public static func apply(_ matrix: QuantizedMatrix, to x: [Float], rows: Int, variant: KernelVariant = .preferred) -> [Float] {
        [Float](unsafeUninitializedCapacity: rows * matrix.rows) { y, initialized in
            x.withUnsafeBufferPointer { apply(matrix, to: $0, rows: rows, into: y, variant: variant) }
            initialized = rows * matrix.rows
        }
    }

    /// The kernels' descriptor of `matrix`, reading `panels` (made from this matrix) for one
    /// activation row on the variants that take them.
    static func kernelMatrix(_ matrix: QuantizedMatrix, panels: DecodePanels?) -> qk_matrix {
        var descriptor = kernelMatrix(matrix, matrix.layout)
        if let panels {
            precondition(panels.storage.bytes.count == matrix.rows * panels.rowBytes, "decode panels of another matrix")
            descriptor.panels = panels.storage.bytes.baseAddress?.assumingMemoryBound(to: UInt8.self)
            descriptor.panel_row_bytes = panels.rowBytes
        }
        return descriptor
    }

    static func kernelMatrix(_ matrix: QuantizedMatrix, _ layout: QuantizedLayout) -> qk_matrix {
        var descriptor = qk_matrix()
        descriptor.rows = layout.rows
        descriptor.blocks_per_row = layout.blocksPerRow
        descriptor.row_bytes = layout.rowBytes
        descriptor.data = matrix.codes.bytes.baseAddress?.assumingMemoryBound(to: UInt8.self)
        switch matrix.scheme {
        case .q8_0: descriptor.layout = Int32(QK_LAYOUT_Q8_0.rawValue)
        case .q4_0: descriptor.layout = Int32(QK_LAYOUT_Q4_0.rawValue)
        case .q4_1: descriptor.layout = Int32(QK_LAYOUT_Q4_1.rawValue)
        case .q5_0: descriptor.layout = Int32(QK_LAYOUT_Q5_0.rawValue)
        case .q5_1: descriptor.layout = Int32(QK_LAYOUT_Q5_1.rawValue)
        case .q4_K: descriptor.layout = Int32(QK_LAYOUT_Q4_K.rawValue)
        case .q5_K: descriptor.layout = Int32(QK_LAYOUT_Q5_K.rawValue)
        case .q6_K: descriptor.layout = Int32(QK_LAYOUT_Q6_K.rawValue)
        case .q2_K: descriptor.layout = Int32(QK_LAYOUT_Q2_K.rawValue)
        case .q3_K: descriptor.layout = Int32(QK_LAYOUT_Q3_K.rawValue)
        case .iq4_nl: descriptor.layout = Int32(QK_LAYOUT_IQ4_NL.rawValue)
        case let .grouped(scheme):
            descriptor.layout = Int32(QK_LAYOUT_GROUPED.rawValue)
            switch (scheme.bits, scheme.symmetric) {
            case (.int8, true): descriptor.codes = Int32(QK_CODES_I8.rawValue)
            case (.int8, false): descriptor.codes = Int32(QK_CODES_U8.rawValue)
            case (.int4, _): descriptor.codes = Int32(QK_CODES_U4.rawValue)
            }
            descriptor.scales_are_f16 = scheme.scaleType == .f16 ? 1 : 0
            descriptor.has_biases = scheme.symmetric ? 0 : 1
            descriptor.blocks_per_group = max(1, layout.groupSize / QuantizedLayout.blockValues)
            if case .row = scheme.grouping { descriptor.blocks_per_group = layout.blocksPerRow }
            descriptor.groups_per_row = layout.groupsPerRow
            descriptor.scales = matrix.scales.flatMap { UnsafeRawPointer($0.bytes.baseAddress) }
            descriptor.biases = matrix.biases.flatMap { UnsafeRawPointer($0.bytes.baseAddress) }
        }
        return descriptor
    }
}

extension qk_activations {
    /// Activations the kernels regroup themselves (no prepared panel row).
    init(
        rows: Int, blocksPerRow: Int, codes: UnsafePointer<Int8>?, scales: UnsafePointer<Float>?, scaledSums: UnsafePointer<Float>?,
        blocksPerScale: Int
    ) {
        self.init()
        (self.rows, blocks_per_row, self.codes, self.scales, scaled_sums) = (rows, blocksPerRow, codes, scales, scaledSums)
        blocks_per_scale = Int32(blocksPerScale)
    }
}
