import Checkpoints
import Foundation
import Tensors
import TestSupport
import Testing

@testable import Models

/// A tiny random Llama in GGUF names, and the same model in Hugging Face names (Q/K rows in the
/// rotate-half layout), for loading, layout and state tests.
enum TinyLlama {
    static let config = LlamaConfig(
        vocabSize: 40, hiddenSize: 24, intermediateSize: 40, numLayers: 2, numHeads: 4, numKVHeads: 2,
        ropeTheta: 10000, rmsNormEps: 1e-5, tieWordEmbeddings: false, maxPositionEmbeddings: 256,
        bosTokenID: 1, eosTokenIDs: [2])

    static func ggufSource(seed: UInt64 = 7, config c: LlamaConfig = config) -> InMemoryTensorSource {
        var generator = SeededGenerator(seed: seed)
        func random(_ shape: [Int], around center: Float = 0) -> Tensor {
            Tensor((0..<shape.reduce(1, *)).map { _ in center + Float.random(in: -0.4...0.4, using: &generator) }, shape: shape)
        }
        var tensors: [(name: String, tensor: Tensor)] = [("token_embd.weight", random([c.vocabSize, c.hiddenSize]))]
        for n in 0..<c.numLayers {
            tensors += [
                ("blk.\(n).attn_norm.weight", random([c.hiddenSize], around: 1)),
                ("blk.\(n).attn_q.weight", random([c.queryWidth, c.hiddenSize])),
                ("blk.\(n).attn_k.weight", random([c.keyValueWidth, c.hiddenSize])),
                ("blk.\(n).attn_v.weight", random([c.keyValueWidth, c.hiddenSize])),
                ("blk.\(n).attn_output.weight", random([c.hiddenSize, c.queryWidth])),
                ("blk.\(n).ffn_norm.weight", random([c.hiddenSize], around: 1)),
                ("blk.\(n).ffn_gate.weight", random([c.intermediateSize, c.hiddenSize])),
                ("blk.\(n).ffn_up.weight", random([c.intermediateSize, c.hiddenSize])),
                ("blk.\(n).ffn_down.weight", random([c.hiddenSize, c.intermediateSize])),
            ]
        }
        tensors += [("output_norm.weight", random([c.hiddenSize], around: 1)), ("output.weight", random([c.vocabSize, c.hiddenSize]))]
        return InMemoryTensorSource(tensors)
    }

    /// The same model under Hugging Face names, Q/K rows permuted back to rotate-half.
    static func huggingFaceSource(seed: UInt64 = 7, config: LlamaConfig = config) throws -> InMemoryTensorSource {
        let gguf = ggufSource(seed: seed, config: config)
        let names =
            [(LlamaNaming.Part.embedding), .finalNorm, .outputHead]
            + (0..<config.numLayers).flatMap { n -> [LlamaNaming.Part] in
                [.attentionNorm(n), .query(n), .key(n), .value(n), .attentionOutput(n), .feedForwardNorm(n), .gate(n), .up(n), .down(n)]
            }
        return InMemoryTensorSource(
            try names.map { part in
                let name = LlamaNaming.huggingFace.name(part)
                var tensor = try gguf.tensor(named: LlamaNaming.gguf.name(part))
                switch part {
                case .query: tensor = try TensorRecipe.permuteRows(tensor, heads: config.numHeads, to: .halfSplit, location: name)
                case .key: tensor = try TensorRecipe.permuteRows(tensor, heads: config.numKVHeads, to: .halfSplit, location: name)
                default: break
                }
                return (name, tensor)
            })
    }

    /// A Hugging Face `config.json` for `c`.
    static func configJSON(_ c: LlamaConfig = config) -> String {
        """
        {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "vocab_size": \(c.vocabSize), "hidden_size": \(c.hiddenSize),
         "intermediate_size": \(c.intermediateSize), "num_hidden_layers": \(c.numLayers), "num_attention_heads": \(c.numHeads),
         "num_key_value_heads": \(c.numKVHeads), "rope_theta": \(c.ropeTheta), "rms_norm_eps": 1e-05, "tie_word_embeddings": false,
         "max_position_embeddings": 256, "bos_token_id": 1, "eos_token_id": 2, "hidden_act": "silu", "rope_scaling": null}
        """
    }
}

@Suite("Llama weight loading")
struct LlamaLoadingTests {
    @Test func huggingFaceAndGGUFNamesGiveTheSameModel() throws {
        let gguf = try LlamaModel(config: TinyLlama.config, weights: TinyLlama.ggufSource())
        let huggingFace = try LlamaModel(config: TinyLlama.config, weights: TinyLlama.huggingFaceSource())
        let tokens = [1, 5, 9, 33, 2, 17, 38, 0]
        var a = gguf.makeState(), b = huggingFace.makeState()
        let expected = try gguf.forward(tokens, state: &a, positions: .all)
        #expect(try huggingFace.forward(tokens, state: &b, positions: .all) == expected)
    }

    /// Hugging Face's `rotate_half` RoPE on a head equals our adjacent-pair RoPE on the permuted head:
    /// the permutation is what makes the two checkpoint layouts the same model.
    @Test func permutationTurnsRotateHalfIntoAdjacentPairs() throws {
        let headDim = 8, heads = 2, position = 5
        var generator = SeededGenerator(seed: 3)
        let halves = (0..<heads * headDim).map { _ in Float.random(in: -1...1, using: &generator) }
        let rotary = RotaryEmbedding(dimension: headDim, base: 10000)
        var rotatedHalves = halves
        for head in 0..<heads {
            for i in 0..<headDim / 2 {
                let angle = Double(Float(position) * rotary.inverseFrequencies[i])
                let (c, s) = (Float(cos(angle)), Float(sin(angle)))
                let (x, y) = (halves[head * headDim + i], halves[head * headDim + i + headDim / 2])
                rotatedHalves[head * headDim + i] = x * c - y * s
                rotatedHalves[head * headDim + i + headDim / 2] = y * c + x * s
            }
        }
        let asRows = { (values: [Float]) in Tensor(values, shape: [values.count, 1]) }
        var interleaved = try TensorRecipe.permuteRows(asRows(halves), heads: heads, to: .interleaved, location: "q").scalars(
            as: Float.self)
        interleaved.withUnsafeMutableBufferPointer { rotary.rotate($0.baseAddress!, vectors: heads, position: position) }
        let expected = try TensorRecipe.permuteRows(asRows(rotatedHalves), heads: heads, to: .interleaved, location: "q").scalars(
            as: Float.self)
        for (ours, theirs) in zip(interleaved, expected) { #expect(abs(ours - theirs) <= 1e-6) }
        let back = try TensorRecipe.permuteRows(
            TensorRecipe.permuteRows(asRows(halves), heads: heads, to: .interleaved, location: "q"),
            heads: heads, to: .halfSplit, location: "q")
        #expect(back.scalars(as: Float.self) == halves)
    }

    @Test func keySetAndShapesAreChecked() throws {
        let source = TinyLlama.ggufSource()
        source.remove("blk.1.ffn_up.weight")
        source.set("blk.0.attn_k.weight", Tensor([Float](repeating: 0, count: 24 * 24), shape: [24, 24]))
        source.set("rope_freqs.weight", Tensor([Float](repeating: 1, count: 3), shape: [3]))
        #expect(
            throws: WeightLoadingError.keyMismatch(
                location: source.location, missing: ["blk.1.ffn_up.weight"], unexpected: ["rope_freqs.weight"],
                misshaped: ["blk.0.attn_k.weight: shape [24, 24], expected [12, 24]"])
        ) {
            try LlamaModel(config: TinyLlama.config, weights: source)
        }
    }

    @Test func tiedHeadMustEqualTheEmbedding() throws {
        var tied = TinyLlama.config
        tied.tieWordEmbeddings = true
        let source = TinyLlama.ggufSource()
        #expect(throws: WeightLoadingError.self) { try LlamaModel(config: tied, weights: source) }
        source.set("output.weight", try source.tensor(named: "token_embd.weight"))
        _ = try LlamaModel(config: tied, weights: source)
        source.remove("output.weight")
        let model = try LlamaModel(config: tied, weights: source)
        #expect(model.vocabularySize == 40)
    }

    @Test func outOfVocabularyTokensAndForeignStatesAreRefused() throws {
        let model = try LlamaModel(config: TinyLlama.config, weights: TinyLlama.ggufSource())
        var state = model.makeState()
        #expect(throws: LlamaModel.Failure.tokenOutOfRange(token: 40, index: 1, vocabularySize: 40)) {
            try model.forward([3, 40], state: &state, positions: .last)
        }
        state.position = 3
        #expect(throws: LlamaModel.Failure.self) { try model.forward([3], state: &state, positions: .last) }
    }

    /// SmolLM2-135M's published Hugging Face config.json (fields as the Hub serves them).
    @Test func readsHuggingFaceConfig() throws {
        let json = """
            {"architectures": ["LlamaForCausalLM"], "attention_bias": false, "attention_dropout": 0.0, "bos_token_id": 1,
             "eos_token_id": 2, "hidden_act": "silu", "hidden_size": 576, "initializer_range": 0.041666666666666664,
             "intermediate_size": 1536, "is_llama_config": true, "max_position_embeddings": 8192, "model_type": "llama",
             "num_attention_heads": 9, "num_hidden_layers": 30, "num_key_value_heads": 3, "pretraining_tp": 1,
             "rms_norm_eps": 1e-05, "rope_interleaved": false, "rope_scaling": null, "rope_theta": 100000,
             "tie_word_embeddings": true, "torch_dtype": "bfloat16", "transformers_version": "4.42.3", "use_cache": true, "vocab_size": 49152}
            """
        let config = try LlamaConfig.decode(Data(json.utf8))
        #expect(
            config
                == LlamaConfig(
                    vocabSize: 49152, hiddenSize: 576, intermediateSize: 1536, numLayers: 30, numHeads: 9, numKVHeads: 3,
                    headDim: 64, ropeTheta: 100000, rmsNormEps: 1e-5, tieWordEmbeddings: true,
                    maxPositionEmbeddings: 8192, bosTokenID: 1, eosTokenIDs: [2]))
        let scaled = json.replacingOccurrences(
            of: "\"rope_scaling\": null", with: "\"rope_scaling\": {\"type\": \"linear\", \"factor\": 2.0}")
        #expect(throws: LlamaConfig.Failure.unsupported(field: "rope_scaling", reason: "scaled RoPE")) {
            try LlamaConfig.decode(Data(scaled.utf8))
        }
        let grouped = json.replacingOccurrences(of: "\"num_key_value_heads\": 3", with: "\"num_key_value_heads\": 4")
        #expect(throws: LlamaConfig.Failure.self) { try LlamaConfig.decode(Data(grouped.utf8)) }
    }
}

@Suite("Llama state")
struct LlamaStateTests {
    @Test func anySplitOfASequenceGivesTheSameLogits() throws {
        let model = try LlamaModel(config: TinyLlama.config, weights: TinyLlama.ggufSource())
        let tokens = (0..<23).map { ($0 * 7 + 3) % 40 }
        var whole = model.makeState()
        let expected = try model.forward(tokens, state: &whole, positions: .all)
        var pieces = model.makeState()
        var rows: [Float] = []
        for range in [0..<1, 1..<9, 9..<10, 10..<23] {
            rows += try model.forward(Array(tokens[range]), state: &pieces, positions: .all).values
        }
        #expect(pieces.position == 23)
        for (a, b) in zip(rows, expected.values) { #expect(abs(a - b) <= 1e-5) }
    }

    @Test func savedStatesContinueExactly() throws {
        let model = try LlamaModel(config: TinyLlama.config, weights: TinyLlama.ggufSource())
        var state = model.makeState()
        _ = try model.forward([1, 4, 9, 16], state: &state, positions: .none)
        let folder = try SharedFiles.temporaryDirectory("llama-state")
        let path = folder.appendingPathComponent("state.safetensors").path
        try model.saveState(state, to: path)
        var restored = try model.loadState(from: path)
        #expect(restored == state)
        #expect(try model.forward([25], state: &restored, positions: .last) == model.forward([25], state: &state, positions: .last))
        var other = TinyLlama.config
        other.ropeTheta = 500
        let otherModel = try LlamaModel(config: other, weights: TinyLlama.ggufSource())
        #expect(throws: LlamaModel.StateFileFailure.otherModel(path: path)) { try otherModel.loadState(from: path) }
    }
}
