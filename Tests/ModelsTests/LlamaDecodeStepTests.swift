import Foundation
import Quantization
import Testing

@testable import Models

/// One token of one sequence takes `decodeStep` (buffers, products prepared at load); every other
/// call takes the general segment path. Both must give the same logits and caches bit for bit, for
/// f32 weights and for the quantized kernels, from an empty state and after a prefill.
@Suite("Llama decode step")
struct LlamaDecodeStepTests {
    static func model(scheme: String?) throws -> LlamaModel {
        let config = QuantizedModelTests.llamaConfig
        guard let scheme else { return try LlamaModel(config: config, weights: TinyLlama.ggufSource(config: config)) }
        let parsed = try QuantizationScheme(parsing: scheme)
        let folder = try QuantizedDirectory.write(
            try TinyLlama.huggingFaceSource(config: config), policy: QuantizationPolicy(scheme: parsed, embeddings: parsed),
            config: Data(TinyLlama.configJSON(config).utf8), name: "decode-step-\(scheme)")
        return try #require(try ModelBundle.open(folder.path).model as? LlamaModel)
    }

    @Test(arguments: [nil, "q4_0", "q8_0", "q4_1", "int4-g32", "int8-g64-asym"])
    func decodeStepMatchesTheSegmentPathBitForBit(scheme: String?) throws {
        let model = try Self.model(scheme: scheme)
        var stepped = model.makeState()
        var general = [model.makeState()]
        _ = try model.forward([1, 5, 9], state: &stepped, positions: .none)
        _ = model.forwardSegment([[1, 5, 9]], states: &general, logitRows: [0..<0])
        #expect(stepped == general[0])
        for token in [12, 30, 7, 21, 44] {
            let fast = try model.forward([token], state: &stepped, positions: .last)
            let reference = model.forwardSegment([[token]], states: &general, logitRows: [0..<1])[0]
            #expect(fast.rowCount == 1)
            #expect(fast.values.map(\.bitPattern) == reference.map(\.bitPattern), "token \(token)")
            #expect(stepped == general[0], "token \(token): caches differ")
        }
        let none = try model.forward([3], state: &stepped, positions: .none)
        #expect(none.rowCount == 0 && none.values.isEmpty)
        #expect(stepped.position == 9)
    }
}
