import CQuantKernels
import Tensors
import TestSupport
import Testing

@testable import Quantization

/// Every kernel variant, against the plain reference: dequantize W, then float math. A variant this
/// CPU cannot run fails with the reason (KernelVariantCoverage).
///
/// Two comparisons per output:
/// * with the int8-quantized activations the kernels multiply (x̂ = scale·code): equal up to float
///   rounding of the accumulation, i.e. within 2e-5 of Σ (|w| + 2·max|w_row|)·|x̂|;
/// * with the original x: within the activation quantization bound Σ |w|·(d_block/2) on top of that.
struct QuantizedKernelTests {
    static let schemes = [
        "q8_0", "q4_0", "q4_1",
        "int8-g32-sym-f16", "int8-g64-asym-f32", "int8-g128-sym-f32", "int8-row-sym-f32", "int8-row-asym-f16",
        "int4-g32-sym-f16", "int4-g32-asym-f16", "int4-g64-asym-f32", "int4-g128-sym-f32", "int4-g128-asym-f16",
        // Panels store one scale per 2, 4, … blocks for these; a row group of 48 blocks keeps one per block.
        "int4-g64-asym-f16", "int8-g64-sym-f16", "int4-g128-sym-f16", "int8-row-sym-f16",
    ]

    static let cases: [(variant: KernelVariant, scheme: String)] =
        KernelVariant.allCases.flatMap { variant in schemes.map { (variant, $0) } }

    @Test func portableVariantIsAlwaysAvailable() {
        #expect(KernelVariant.portable.isAvailable)
        #expect(KernelVariant.preferred.isAvailable)
        #expect(KernelVariant.available.first == .portable)
    }

    @Test(arguments: cases.map { "\($0.variant)/\($0.scheme)" })
    func matchesDequantizedReference(_ label: String) throws {
        let parts = label.split(separator: "/").map(String.init)
        let variant = try #require(KernelVariant.allCases.first { $0.description == parts[0] })
        try KernelVariantCoverage.prerequisite(variant).check()
        let scheme = try QuantizationScheme(parsing: parts[1])
        let shapes: [(outputs: Int, columns: Int, rows: Int)] =
            scheme.ggmlBlockValues != nil
            ? [(7, 32, 1), (5, 96, 3), (33, 160, 2), (1, 64, 70), (6, 608, 7)]
            : [(7, 32, 1), (5, 97, 3), (17, 33, 2), (3, 1, 1), (9, 389, 4), (2, 200, 66), (5, 965, 8)]
        try Self.verify(label: label, schemeText: parts[1], scheme: scheme, variant: variant, shapes: shapes, usePanels: false)
    }

    /// Which (variant, scheme) pairs read decode panels: AVX-512 VNNI every scheme with half scales
    /// (ggml blocks, f16-scaled groups; f32 scales do not copy into panels), AVX2 and AVX-VNNI the 4-bit ones
    /// without offsets (Q4_0 and symmetric int4).
    static func readsPanels(_ variant: KernelVariant, _ text: String, _ scheme: QuantizationScheme) -> Bool {
        let halfScales = scheme.ggmlBlockValues != nil || text.hasSuffix("f16")
        let eightBitWithOffsets = text.hasPrefix("int8") && text.contains("-asym-")
        switch variant {
        case .portable: return false
        case .avx2, .avxVNNI: return halfScales && !eightBitWithOffsets
        case .avx512VNNI: return halfScales
        }
    }

    static let panelVariants: [KernelVariant] = [.avx2, .avxVNNI, .avx512VNNI]

    /// Large products split finer than the pool's two parts a thread; small ones keep two.
    @Test func largeProductsSplitIntoMorePartsAThread() {
        #expect(QuantizedLinear.partsPerThread(weights: 4096 * 4096, threads: 2) == 8)  // Llama-7B attention
        #expect(QuantizedLinear.partsPerThread(weights: 4096 * 4096, threads: 4) == 4)
        #expect(QuantizedLinear.partsPerThread(weights: 576 * 960, threads: 2) == 2)  // SmolLM2's Q, K and V
        #expect(QuantizedLinear.partsPerThread(weights: 0, threads: 1) == 2)
    }

    /// One call over several matrices regroups the activation row once, for the first matrix's panel
    /// form (qk_panel_prepare_activations); matrices of another form regroup it themselves. Both must give
    /// exactly what each matrix gives from activations no call prepared.
    @Test(arguments: panelVariants)
    func preparedActivationsGiveTheUnpreparedResults(_ variant: KernelVariant) throws {
        try KernelVariantCoverage.prerequisite(variant).check()
        let columns = 1536
        var generator = SeededGenerator(seed: 7)
        let matrices = try ["q4_0", "int4-g64-asym-f16", "q4_0", "q8_0"].enumerated().map { index, text in
            try generator.normals((5 + index) * columns, scale: 0.1).withUnsafeBufferPointer {
                try Quantizer.quantize($0, rows: 5 + index, columns: columns, scheme: try QuantizationScheme(parsing: text))
            }
        }
        let panels = try matrices.map { try #require(DecodePanels($0, variant: variant)) }
        let activations = QuantizedActivations(generator.normals(columns), rows: 1, columns: columns)
        let buffers = matrices.map { UnsafeMutableBufferPointer<Float>.allocate(capacity: $0.rows) }
        defer { buffers.forEach { $0.deallocate() } }
        buffers.forEach { $0.initialize(repeating: .nan) }
        QuantizedLinear.apply(
            matrices.indices.map { QuantizedLinear.Product(matrices[$0], panels: panels[$0], into: buffers[$0]) }, to: activations,
            variant: variant)
        for index in matrices.indices {
            let prepared = Array(buffers[index])
            var unprepared = [Float](repeating: .nan, count: matrices[index].rows)
            var descriptor = QuantizedLinear.kernelMatrix(matrices[index], panels: panels[index])
            withExtendedLifetime(panels[index]) {
                activations.withKernelInputs { inputs in
                    qk_matmul(variant.rawValue, &descriptor, &inputs, 0, matrices[index].rows, &unprepared, matrices[index].rows)
                }
            }
            #expect(prepared.allSatisfy { $0.isFinite }, "\(variant) matrix \(index)")
            #expect(prepared.map(\.bitPattern) == unprepared.map(\.bitPattern), "\(variant) matrix \(index): prepared differs")
        }
    }

    /// The one-row kernel over decode panels: every group size (16, and tails of 8, 4, 2 blocks, odd
    /// block counts padded), row tiles of 4 and a remainder, against the same reference, for each
    /// variant that reads panels; a variant this CPU cannot run fails with the reason.
    @Test(arguments: panelVariants.flatMap { variant in schemes.map { "\(variant)/\($0)" } })
    func decodePanelsMatchDequantizedReference(_ label: String) throws {
        let parts = label.split(separator: "/").map(String.init)
        let variant = try #require(KernelVariant.allCases.first { $0.description == parts[0] })
        try KernelVariantCoverage.prerequisite(variant).check()
        let text = parts[1]
        let scheme = try QuantizationScheme(parsing: text)
        // 11,008 columns (Llama-7B's down projection): rows whose activations and look-ahead overflow L1,
        // which the panel kernels prefetch into L2 instead (qk_panel_prefetch_into_l2).
        let columns =
            scheme.ggmlBlockValues != nil ? [32, 64, 96, 192, 480, 576, 1536, 1024 + 448, 11008] : [1, 33, 97, 389, 576, 965, 1536, 11008]
        let shapes = columns.enumerated().map { (outputs: 3 + 2 * $0.offset, columns: $0.element, rows: 1) }
        let expectPanels = Self.readsPanels(variant, text, scheme)
        #expect((Self.panels(for: scheme, variant: variant) != nil) == expectPanels, "\(label): panels made should be \(expectPanels)")
        guard expectPanels else { return }
        try Self.verify(label: "panels/\(label)", schemeText: text, scheme: scheme, variant: variant, shapes: shapes, usePanels: true)
    }

    /// No panels for a variant that does not read them, whatever the CPU: the portable kernel never
    /// does, so a model on such a CPU holds no second copy of its weights.
    @Test func thePortableVariantGetsNoPanels() throws {
        for text in Self.schemes {
            #expect(Self.panels(for: try QuantizationScheme(parsing: text), variant: .portable) == nil, "\(text)")
        }
    }

    static func panels(for scheme: QuantizationScheme, variant: KernelVariant) -> DecodePanels? {
        let matrix = try? [Float](repeating: 0.5, count: 2 * 64).withUnsafeBufferPointer {
            try Quantizer.quantize($0, rows: 2, columns: 64, scheme: scheme)
        }
        return matrix.flatMap { DecodePanels($0, variant: variant) }
    }

    static func verify(
        label: String, schemeText: String, scheme: QuantizationScheme, variant: KernelVariant,
        shapes: [(outputs: Int, columns: Int, rows: Int)], usePanels: Bool
    ) throws {
        let parts = [variant.description, schemeText]
        for (index, shape) in shapes.enumerated() {
            var generator = SeededGenerator(seed: UInt64(index * 7919 + parts[1].count))
            var weights = generator.normals(shape.outputs * shape.columns, scale: 0.1)
            weights[0] = 2.5  // an outlier in the first group
            var x = generator.normals(shape.rows * shape.columns)
            x[x.count - 1] = 40  // an activation outlier in the last block
            let matrix = try weights.withUnsafeBufferPointer {
                try Quantizer.quantize($0, rows: shape.outputs, columns: shape.columns, scheme: scheme)
            }
            let panels = usePanels ? try #require(DecodePanels(matrix, variant: variant)) : nil
            checkAgainstReference(
                label: "\(label) \(shape)", matrix, weights: Dequantizer.dequantize(matrix), x: x, rows: shape.rows, variant: variant,
                panels: panels)
        }
    }

    /// The kernel's product of `matrix` (whose values are `weights`) and `x[rows, columns]` against the
    /// double-precision references, within the bounds the type's comment states.
    static func checkAgainstReference(
        label: String, _ matrix: QuantizedMatrix, weights w: [Float], x: [Float], rows: Int, variant: KernelVariant,
        panels: DecodePanels? = nil, blocksPerScale: Int = 1
    ) {
        let (outputs, columns) = (matrix.rows, matrix.columns)
        let activations = QuantizedActivations(x, rows: rows, columns: columns, blocksPerScale: blocksPerScale)
        var y = [Float](repeating: .nan, count: rows * outputs)
        y.withUnsafeMutableBufferPointer { QuantizedLinear.apply(matrix, to: activations, into: $0, variant: variant, panels: panels) }
        let xq = activations.dequantized()
        let exact = referenceLinear(weights: w, rows: outputs, columns: columns, x: xq, rows: rows)
        let unquantized = referenceLinear(weights: w, rows: outputs, columns: columns, x: x, rows: rows)
        var worstRounding = 0.0, worstActivation = 0.0
        for t in 0..<rows {
            for r in 0..<outputs {
                let row = w[r * columns..<(r + 1) * columns]
                let rowMax = Double(row.map(abs).max() ?? 0)
                var magnitude = 0.0, activationBound = 0.0
                for c in 0..<columns {
                    magnitude += (Double(abs(row[row.startIndex + c])) + 2 * rowMax) * Double(abs(xq[t * columns + c]))
                    let block = t * activations.blocksPerRow + c / 32
                    activationBound += Double(abs(row[row.startIndex + c])) * Double(activations.scales[block]) / 2
                }
                let value = Double(y[t * outputs + r])
                let tolerance = 2e-5 * magnitude + 1e-30
                worstRounding = max(worstRounding, abs(value - exact[t * outputs + r]) / tolerance)
                worstActivation = max(worstActivation, abs(value - unquantized[t * outputs + r]) / (activationBound * 1.0001 + tolerance))
            }
        }
        #expect(worstRounding <= 1, "\(label): error reaches \(worstRounding) of the rounding tolerance")
        #expect(worstActivation <= 1, "\(label): error reaches \(worstActivation) of the activation bound")
    }

    @Test func variantsAgreeOnALargerMatrix() throws {
        var generator = SeededGenerator(seed: 99)
        let (outputs, columns) = (64, 1024)
        let weights = generator.normals(outputs * columns, scale: 0.02)
        let x = generator.normals(2 * columns)
        for text in ["q4_0", "q4_1", "q8_0", "int8-g64-asym-f16", "int4-g128-sym-f16"] {
            let matrix = try weights.withUnsafeBufferPointer {
                try Quantizer.quantize($0, rows: outputs, columns: columns, scheme: QuantizationScheme(parsing: text))
            }
            let baseline = QuantizedLinear.apply(matrix, to: x, rows: 2, variant: .portable)
            for variant in KernelVariant.available {
                let y = QuantizedLinear.apply(matrix, to: x, rows: 2, variant: variant)
                let scale = baseline.map(abs).max() ?? 1
                let worst = zip(y, baseline).map { abs($0 - $1) }.max() ?? 0
                #expect(worst <= 1e-5 * scale, "\(text) \(variant): differs from portable by \(worst)")
            }
        }
    }

    @Test func multiThreadedMatchesSingleThreaded() throws {
        var generator = SeededGenerator(seed: 5)
        // Parts are at least 1 M weights (QuantizedLinear): 4500 × 512 splits into two.
        let (outputs, columns) = (4500, 512)
        let weights = generator.normals(outputs * columns, scale: 0.02)
        let x = generator.normals(3 * columns)
        let matrix = try weights.withUnsafeBufferPointer { try Quantizer.quantize($0, rows: outputs, columns: columns, scheme: .q4_0) }
        let single = QuantizedLinear.apply(matrix, to: x, rows: 3)
        let pool = ThreadPool.shared
        let previous = pool.threadCount
        pool.threadCount = 2
        defer { pool.threadCount = previous }
        let threaded = QuantizedLinear.apply(matrix, to: x, rows: 3)
        #expect(single == threaded)
    }
}
