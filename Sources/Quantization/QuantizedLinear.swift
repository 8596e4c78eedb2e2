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
        let activations = QuantizedActivations(x, rows: rows, columns: matrix.columns)
        apply(matrix, to: activations, into: y, variant: variant, panels: panels)
    }

    /// The same with activations quantized by the caller (shared between matrices with one input).
    /// `panels` (made from this matrix) speed up one activation row on the variant that reads them.
    public static func apply(
        _ matrix: QuantizedMatrix, to activations: QuantizedActivations,
        into y: UnsafeMutableBufferPointer<Float>, variant: KernelVariant = .preferred,
        panels: DecodePanels? = nil
    ) {
        precondition(activations.columns == matrix.columns, "activations have \(activations.columns) columns, the matrix \(matrix.columns)")
        precondition(y.count == activations.rows * matrix.rows, "output buffer does not hold rows × outputs values")
        precondition(variant.isAvailable, "kernel variant \(variant) is not available on this CPU")
        guard matrix.rows > 0, activations.rows > 0 else { return }
        guard matrix.columns > 0 else {
            y.initialize(repeating: 0)
            return
        }
        let layout = matrix.layout
        let outputs = matrix.rows
        var descriptor = kernelMatrix(matrix, layout)
        if let panels {
            precondition(panels.storage.bytes.count == outputs * panels.rowBytes, "decode panels of another matrix")
            descriptor.panels = panels.storage.bytes.baseAddress?.assumingMemoryBound(to: UInt8.self)
            descriptor.panel_row_bytes = panels.rowBytes
        }
        withExtendedLifetime((matrix, panels)) {
            activations.codes.withUnsafeBufferPointer { codes in
                activations.scales.withUnsafeBufferPointer { scales in
                    activations.scaledSums.withUnsafeBufferPointer { sums in
                        let inputs = qk_activations(
                            rows: activations.rows, blocks_per_row: activations.blocksPerRow,
                            codes: codes.baseAddress, scales: scales.baseAddress,
                            scaled_sums: sums.baseAddress)
                        withUnsafePointer(to: descriptor) { weights in
                            withUnsafePointer(to: inputs) { inputs in
                                let chunk = max(16, minimumPartWork(variant) / max(matrix.columns * activations.rows, 1))
                                ThreadPool.shared.parallelFor(outputs, minimumChunk: chunk) { range in
                                    qk_matmul(
                                        variant.rawValue, weights, inputs, range.lowerBound, range.upperBound,
                                        y.baseAddress, outputs)
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Weight × activation-row products a part needs to be worth a thread hop, from 2-thread decode of
    /// SmolLM2-135M Q4_0 (0.3-0.9 M-weight layer matrices; prefill's hundreds of rows always split).
    /// AVX-512 VNNI panels take about 16 µs for 0.9 M weights (Zen 5): 256 K-weight parts gained nothing
    /// and made decode 5% slower, so 1 M. The AVX2 kernels are 2-3x slower per weight: on Zen 3, 128 K
    /// parts decoded at 155-172 tok/s against 114-127 with 1 M (megalodon-generate, 128 tokens, paired).
    static func minimumPartWork(_ variant: KernelVariant) -> Int {
        variant == .avx512VNNI ? 1 << 20 : 1 << 17
    }

    /// Convenience returning a new array of rows × matrix.rows outputs.
    public static func apply(_ matrix: QuantizedMatrix, to x: [Float], rows: Int, variant: KernelVariant = .preferred) -> [Float] {
        [Float](unsafeUninitializedCapacity: rows * matrix.rows) { y, initialized in
            x.withUnsafeBufferPointer { apply(matrix, to: $0, rows: rows, into: y, variant: variant) }
            initialized = rows * matrix.rows
        }
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
