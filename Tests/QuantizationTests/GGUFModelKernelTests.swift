import Checkpoints
import Foundation
import TestSupport
import Testing

@testable import Quantization

/// The released SmolLM2-135M-Instruct Q4_1 GGUF (llama.cpp's own quantization, fetched by
/// scripts/fetch-models): its Q4_1 and Q8_0 matrices run through the kernels straight from the
/// mapped file and agree with GGUF dequantization followed by float math.
struct GGUFModelKernelTests {
    static let modelPath = SharedFiles.cachedModel("SmolLM2-135M-Instruct.Q4_1.gguf")

    @Test(.requires(.smolLM2))
    func llamaCppMatricesRunNatively() throws {
        let file = try GGUFFile(path: Self.modelPath)
        for name in ["blk.0.attn_q.weight", "blk.0.ffn_down.weight", "blk.29.ffn_gate.weight"] {
            let raw = try file.rawTensor(named: name)
            #expect(raw.type == .q4_1, "\(name)")
            let matrix = try QuantizedMatrix(gguf: raw, name: name)
            #expect(matrix.codes.isMapped)
            // Dequantizing our way equals the GGUF reader's F32 view bit for bit.
            let reference = try file.tensor(named: name).floats()
            let ours = Dequantizer.dequantize(matrix)
            #expect(zip(ours, reference).allSatisfy { $0.bitPattern == $1.bitPattern }, "\(name)")

            var generator = SeededGenerator(seed: 42)
            let x = generator.normals(2 * matrix.columns)
            let activations = QuantizedActivations(x, rows: 2, columns: matrix.columns)
            let expected = referenceLinear(
                weights: reference, rows: matrix.rows, columns: matrix.columns, x: activations.dequantized(), rows: 2)
            for variant in KernelVariant.available {
                var y = [Float](repeating: .nan, count: 2 * matrix.rows)
                y.withUnsafeMutableBufferPointer { QuantizedLinear.apply(matrix, to: activations, into: $0, variant: variant) }
                let scale = expected.map(abs).max() ?? 1
                let worst = zip(y, expected).map { abs(Double($0) - $1) }.max() ?? 0
                #expect(worst <= 1e-4 * scale, "\(name) \(variant): worst error \(worst) of \(scale)")
            }
        }
        // The Q8_0 token embedding is accepted; the F32 norms are not quantized matrices.
        #expect(try QuantizedMatrix(gguf: file.rawTensor(named: "token_embd.weight"), name: "token_embd.weight").scheme == .q8_0)
        #expect(throws: QuantizationError.unsupportedDType(tensor: "blk.0.attn_norm.weight", dtype: "F32")) {
            try QuantizedMatrix(gguf: file.rawTensor(named: "blk.0.attn_norm.weight"), name: "blk.0.attn_norm.weight")
        }
    }

    @Test(.requires(.smolLM2))
    func requantizingLlamaCppQ4_1ReproducesItsBlocks() throws {
        // Quantizing llama.cpp's dequantized weights again lands on the very same blocks (d, m and
        // codes), a check of our Q4_1 quantizer on real weights quantized by llama.cpp itself.
        let file = try GGUFFile(path: Self.modelPath)
        let raw = try file.rawTensor(named: "blk.3.attn_k.weight")
        let values = try file.tensor(named: "blk.3.attn_k.weight").floats()
        let matrix = try values.withUnsafeBufferPointer {
            try Quantizer.quantize($0, rows: raw.shape[0], columns: raw.shape[1], scheme: .q4_1)
        }
        let original = [UInt8](raw.storage.bytes), ours = [UInt8](matrix.codes.bytes)
        let blocks = original.count / 20
        let identical = (0..<blocks).filter { original[$0 * 20..<($0 + 1) * 20] == ours[$0 * 20..<($0 + 1) * 20] }.count
        #expect(identical == blocks, "\(identical) of \(blocks) blocks identical")
    }
}
