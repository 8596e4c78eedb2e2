import Checkpoints
import Foundation
import Tensors
import TestSupport
import Testing

@testable import Quantization

/// The AVX-VNNI variant is the AVX2 code with dpbusd in place of maddubs + madd, and both form the same
/// integers, so on the ggml block types it must give the AVX2 variant's floats bit for bit: one row
/// through the decode panels or the unpacked decoders, with activation scales per 32 or per 256 values,
/// and several rows through the prefill. A model then scores the same on either; SmolLM2 Q8_0's
/// perplexity moved from 6.6137 to 6.6477 while the AVX-VNNI 8-bit panels paid the code shift in float.
struct AVXVNNIAgreementTests {
    static let schemes: [QuantizationScheme] = [.q8_0, .q4_0, .q4_1, .q5_0, .q5_1, .iq4_nl, .q2_K, .q3_K, .q4_K, .q5_K, .q6_K]

    @Test(arguments: schemes)
    func sameFloatsAsAVX2(_ scheme: QuantizationScheme) throws {
        for variant in [KernelVariant.avx2, .avxVNNI] { try KernelVariantCoverage.prerequisite(variant).check() }
        let type = try #require(scheme.ggmlType)
        let shapes = [(9, 768, 1), (6, 1536, 1), (5, 576, 1), (5, 512, 3), (6, 1024, 70)]
        for (index, (outputs, columns, rows)) in shapes.enumerated() where columns % type.blockSize == 0 {
            var generator = SeededGenerator(seed: UInt64(17 + index))
            let bytes = RandomGGMLBlocks.bytes(type, rows: outputs, columns: columns, using: &generator)
            let matrix = try QuantizedMatrix(
                scheme: scheme, rows: outputs, columns: columns, codes: Storage(count: bytes.count) { $0.copyBytes(from: bytes) })
            var x = generator.normals(rows * columns)
            x[x.count - 1] = 40  // an activation outlier in the last block
            for blocksPerScale in [1, 8] {
                let activations = QuantizedActivations(x, rows: rows, columns: columns, blocksPerScale: blocksPerScale)
                let results = [KernelVariant.avx2, .avxVNNI].map { variant in
                    let panels = rows == 1 ? DecodePanels(matrix, variant: variant) : nil
                    var y = [Float](repeating: .nan, count: rows * outputs)
                    y.withUnsafeMutableBufferPointer {
                        QuantizedLinear.apply(matrix, to: activations, into: $0, variant: variant, panels: panels)
                    }
                    return y
                }
                let label = "\(scheme) \(outputs)×\(columns), \(rows) row(s), \(blocksPerScale) block(s) a scale"
                #expect(results[0].allSatisfy { $0.isFinite }, "\(label)")
                #expect(
                    results[0].map(\.bitPattern) == results[1].map(\.bitPattern),
                    "\(label): avx2 \(results[0].prefix(3)), avx-vnni \(results[1].prefix(3))")
            }
        }
    }
}
