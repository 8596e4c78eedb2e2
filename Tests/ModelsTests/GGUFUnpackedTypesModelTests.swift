import Checkpoints
import Foundation
import Tensors
import TestSupport
import Testing

@testable import Models
@testable import Quantization

/// A Llama GGUF whose matrices are the types the kernels unpack runs them as stored, against the same
/// file dequantized to f32: Q4_K, Q5_K, Q6_K, Q5_0, Q5_1 as in llama.cpp's Q4_K_M and Q5_K_M files, and
/// Q2_K, Q3_K, IQ4_NL as in its Q2_K and Q3_K_M files.
struct GGUFUnpackedTypesModelTests {
    /// Rows of 256 and 512 values: whole k-quant super-blocks.
    static let config = LlamaConfig(
        vocabSize: 48, hiddenSize: 256, intermediateSize: 512, numLayers: 2, numHeads: 4, numKVHeads: 2,
        ropeTheta: 10000, rmsNormEps: 1e-5, tieWordEmbeddings: false, maxPositionEmbeddings: 256,
        bosTokenID: 1, eosTokenIDs: [2])

    /// Each mix's types by tensor role, and what `matrixStorage` reports for it (the query, down and
    /// output matrices).
    static let mixes: [String: (types: [String: GGMLType], storage: String)] = [
        "q4_K_M-like": (
            [
                "attn_q": .q4_K, "attn_k": .q4_K, "attn_v": .q6_K, "attn_output": .q5_K,
                "ffn_gate": .q5_0, "ffn_up": .q5_1, "ffn_down": .q6_K, "output": .q4_K,
            ], "q4_K, q6_K"
        ),
        "q2_K/q3_K-like": (
            [
                "attn_q": .q2_K, "attn_k": .q2_K, "attn_v": .q3_K, "attn_output": .iq4_nl,
                "ffn_gate": .q2_K, "ffn_up": .iq4_nl, "ffn_down": .q3_K, "output": .q6_K,
            ], "q2_K, q3_K, q6_K"
        ),
    ]

    /// TinyLlama's tensors with every matrix but the embedding replaced by random blocks of its type.
    static func writeModel(_ matrixTypes: [String: GGMLType]) throws -> URL {
        let source = TinyLlama.ggufSource(config: config)
        var generator = SeededGenerator(seed: 3)
        var blockTypes: [String: GGMLType] = [:]
        for info in source.tensorInfos where info.shape.count == 2 && info.name != "token_embd.weight" {
            let role = info.name.split(separator: ".").dropLast().last.map(String.init) ?? info.name
            let type = matrixTypes[role] ?? matrixTypes["output"] ?? .q4_K
            let (rows, columns) = (info.shape[0], info.shape[1])
            let bytes = RandomGGMLBlocks.bytes(type, rows: rows, columns: columns, scales: 1e-4...3e-3, using: &generator)
            source.set(info.name, Tensor(bytes, shape: [rows, bytes.count / rows]))
            blockTypes[info.name] = type
        }
        var writer = GGUFWriter(metadata: [("general.architecture", .string("llama"))])
        writer.blockTypes = blockTypes
        let path = try SharedFiles.temporaryDirectory("gguf-unpacked").appendingPathComponent("model.gguf")
        try writer.write(source, to: path.path, overwrite: false)
        return path
    }

    @Test(arguments: mixes.keys.sorted())
    func unpackedBlocksRunAsStoredAndMatchTheirDequantizedWeights(_ mix: String) throws {
        let (types, storage) = try #require(Self.mixes[mix])
        let path = try Self.writeModel(types)
        defer { try? FileManager.default.removeItem(at: path.deletingLastPathComponent()) }
        let file = try GGUFFile(path: path.path)
        let native = try LlamaModel(config: Self.config, weights: file)
        #expect(native.matrixStorage == storage)
        // Every matrix is read as its stored blocks (none widened to f32 on load).
        let storedBytes = file.ggufTensors.filter { $0.ggmlShape.count == 2 && $0.name != "token_embd.weight" }.map {
            $0.elementCount / $0.type.blockSize * $0.type.blockByteCount
        }
        #expect(native.weightBytesPerToken == storedBytes.reduce(0, +))
        let reference = try LlamaModel(config: Self.config, weights: DequantizedTensorSource(file))
        #expect(reference.matrixStorage == "F32")

        // A prefill of more than `unpackedPrefillRows` tokens goes through dequantized blocks and sgemm (as
        // the reference does, up to summation order); 5 tokens through the one-row kernels once per row, as
        // decode does.
        var generator = SeededGenerator(seed: 9)
        let tokens = (0..<WeightMatrix.unpackedPrefillRows + 8).map { _ in Int.random(in: 0..<Self.config.vocabSize, using: &generator) }
        let long = try prefillAndDecodeLogits(native, prefill: tokens, decode: Array(tokens.prefix(6)))
        let longReference = try prefillAndDecodeLogits(reference, prefill: tokens, decode: Array(tokens.prefix(6)))
        let short = try prefillAndDecodeLogits(native, prefill: Array(tokens.prefix(5)), decode: [])
        let shortReference = try prefillAndDecodeLogits(reference, prefill: Array(tokens.prefix(5)), decode: [])
        let scale = (longReference.prefill + longReference.decode).map(abs).max() ?? 1
        let sgemmPrefill = maxAbsDifference(long.prefill, longReference.prefill) / scale
        let integerPrefill = maxAbsDifference(short.prefill, shortReference.prefill) / scale
        let integerDecode = maxAbsDifference(long.decode, longReference.decode) / scale
        print(
            "unpacked GGUF types (\(mix)) vs dequantized f32: relative max |Δlogit| prefill (sgemm) \(sgemmPrefill), "
                + "prefill (integer) \(integerPrefill), decode (integer) \(integerDecode)")
        #expect(sgemmPrefill <= QuantizedModelTests.floatArithmeticTolerance)
        #expect(integerPrefill <= QuantizedModelTests.integerArithmeticTolerance)
        #expect(integerDecode <= QuantizedModelTests.integerArithmeticTolerance)
        #expect(integerPrefill > 0 && integerDecode > 0, "the integer kernels round activations, so some logit must move")
    }
}
