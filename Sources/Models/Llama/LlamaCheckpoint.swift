import Checkpoints
import Foundation
import Tensors

/// Builds a `LlamaModel` from any `TensorSource` holding Hugging Face or GGUF names, strictly: the
/// key set and every shape are checked against the config first. Hugging Face Q/K rows are permuted
/// into the adjacent-pair RoPE layout here, once. Matrices stay as stored (f32/f16/bf16, quantized
/// model directories, GGUF Q8_0/Q4_0/Q4_1/Q5_0/Q5_1/Q4_K/Q5_K/Q6_K blocks; see `MatrixReader`); norm weights become f32.
extension LlamaModel {
    /// `arithmetic` chooses how quantized matrices compute (integer kernels unless the caller asks for float).
    public init(config: LlamaConfig, weights source: TensorSource, arithmetic: QuantizedArithmetic = .integer) throws {
        try config.validate()
        let matrices = try MatrixReader(source, arithmetic: arithmetic)
        let naming = LlamaNaming.detect(matrices)
        try Self.schema(config, naming).check(source, quantized: matrices.manifest)
        func matrix(_ part: LlamaNaming.Part, permutedHeads: Int? = nil) throws -> WeightMatrix {
            let name = naming.name(part)
            guard let heads = permutedHeads, naming == .huggingFace else { return try matrices.matrix(name) }
            // Quantized rows move whole (codes with their scales), so a quantized HF checkpoint needs
            // no re-quantization: the interleaved matrix holds exactly the same rows.
            return try matrices.matrix(name) {
                try TensorRecipe.permuteRows($0, heads: heads, to: .interleaved, location: "\(source.location): \(name)")
            }
        }
        func linear(_ part: LlamaNaming.Part, permutedHeads: Int? = nil) throws -> Linear {
            Linear(weight: try matrix(part, permutedHeads: permutedHeads), bias: nil)
        }
        func floats(_ part: LlamaNaming.Part) throws -> [Float] { try source.tensor(named: naming.name(part)).floats() }

        let embedding = try matrix(.embedding)
        var output = embedding
        if config.tieWordEmbeddings {
            try matrices.requireIdentical(naming.name(.outputHead), to: naming.name(.embedding), because: "tie_word_embeddings is set")
        } else {
            output = try matrix(.outputHead)
        }
        let blocks = try (0..<config.numLayers).map { n in
            LlamaBlock(
                attentionNormScale: try floats(.attentionNorm(n)),
                attention: LlamaAttention(
                    query: try linear(.query(n), permutedHeads: config.numHeads),
                    key: try linear(.key(n), permutedHeads: config.numKVHeads),
                    value: try linear(.value(n)), output: try linear(.attentionOutput(n)),
                    heads: config.numHeads, keyValueHeads: config.numKVHeads, headDim: config.headDim),
                feedForwardNormScale: try floats(.feedForwardNorm(n)),
                feedForward: SiLUFeedForward(gate: try linear(.gate(n)), up: try linear(.up(n)), down: try linear(.down(n))),
                eps: config.rmsNormEps)
        }
        self.init(config: config, embedding: embedding, blocks: blocks, finalNormScale: try floats(.finalNorm), output: output)
    }

    /// A GGUF file of general.architecture "llama": config from its metadata; Q8_0, Q4_0, Q4_1, Q5_0,
    /// Q5_1, Q4_K, Q5_K and Q6_K matrices run from the mapped blocks, other quantized types are
    /// dequantized to f32.
    public init(gguf file: GGUFFile, arithmetic: QuantizedArithmetic = .integer) throws {
        try self.init(config: try LlamaConfig(gguf: file), weights: file, arithmetic: arithmetic)
    }

    /// A model directory: Hugging Face `config.json` and safetensors weights (HF or GGUF names).
    public init(directory: URL, arithmetic: QuantizedArithmetic = .integer) throws {
        try self.init(
            config: try LlamaConfig.load(from: directory), weights: try ModelDirectory.open(directory.path), arithmetic: arithmetic)
    }

    static func schema(_ c: LlamaConfig, _ naming: LlamaNaming) -> CheckpointSchema {
        var schema = CheckpointSchema()
        let d = c.hiddenSize
        schema.matrix(naming.name(.embedding), c.vocabSize, d)
        for n in 0..<c.numLayers {
            schema.tensor(naming.name(.attentionNorm(n)), [d])
            schema.matrix(naming.name(.query(n)), c.queryWidth, d)
            schema.matrix(naming.name(.key(n)), c.keyValueWidth, d)
            schema.matrix(naming.name(.value(n)), c.keyValueWidth, d)
            schema.matrix(naming.name(.attentionOutput(n)), d, c.queryWidth)
            schema.tensor(naming.name(.feedForwardNorm(n)), [d])
            schema.matrix(naming.name(.gate(n)), c.intermediateSize, d)
            schema.matrix(naming.name(.up(n)), c.intermediateSize, d)
            schema.matrix(naming.name(.down(n)), d, c.intermediateSize)
        }
        schema.tensor(naming.name(.finalNorm), [d])
        // A tied head may still be stored under its own key (it must then equal the embedding).
        schema.matrix(naming.name(.outputHead), c.vocabSize, d, optional: c.tieWordEmbeddings)
        return schema
    }
}
