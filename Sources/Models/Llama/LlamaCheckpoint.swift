import Foundation
import Tensors

/// Builds a `LlamaModel` from any `TensorSource` holding Hugging Face or GGUF names, strictly: the
/// key set and every shape are checked against the config first. Hugging Face Q/K rows are permuted
/// into the adjacent-pair RoPE layout here, once. Matrices stay in their stored dtype (quantized
/// GGUF tensors arrive dequantized to f32); norm weights become f32.
extension LlamaModel {
    public init(config: LlamaConfig, weights source: TensorSource) throws {
        try config.validate()
        let naming = LlamaNaming.detect(source)
        try Self.schema(config, naming).check(source)
        func matrix(_ part: LlamaNaming.Part, permutedHeads: Int? = nil) throws -> WeightMatrix {
            let name = naming.name(part)
            var tensor = try source.tensor(named: name)
            if let heads = permutedHeads, naming == .huggingFace {
                tensor = try TensorRecipe.permuteRows(tensor, heads: heads, to: .interleaved, location: "\(source.location): \(name)")
            }
            return try WeightMatrix(tensor, name: name)
        }
        func linear(_ part: LlamaNaming.Part, permutedHeads: Int? = nil) throws -> Linear {
            Linear(weight: try matrix(part, permutedHeads: permutedHeads), bias: nil)
        }
        func floats(_ part: LlamaNaming.Part) throws -> [Float] { try source.tensor(named: naming.name(part)).floats() }

        let embedding = try matrix(.embedding)
        var output = embedding
        if config.tieWordEmbeddings {
            try source.requireIdentical(naming.name(.outputHead), to: naming.name(.embedding), because: "tie_word_embeddings is set")
        } else {
            output = try matrix(.outputHead)
        }
        let blocks = try (0..<config.numLayers).map { n in
            LlamaBlock(
                attentionNormScale: try floats(.attentionNorm(n)),
                attention: LlamaAttention(query: try linear(.query(n), permutedHeads: config.numHeads),
                                          key: try linear(.key(n), permutedHeads: config.numKVHeads),
                                          value: try linear(.value(n)), output: try linear(.attentionOutput(n)),
                                          heads: config.numHeads, keyValueHeads: config.numKVHeads, headDim: config.headDim),
                feedForwardNormScale: try floats(.feedForwardNorm(n)),
                feedForward: SiLUFeedForward(gate: try linear(.gate(n)), up: try linear(.up(n)), down: try linear(.down(n))),
                eps: config.rmsNormEps)
        }
        self.init(config: config, embedding: embedding, blocks: blocks, finalNormScale: try floats(.finalNorm), output: output)
    }

    /// A GGUF file of general.architecture "llama": config from its metadata, weights dequantized.
    public init(gguf file: GGUFFile) throws {
        try self.init(config: try LlamaConfig(gguf: file), weights: file)
    }

    /// A model directory: Hugging Face `config.json` and safetensors weights (HF or GGUF names).
    public init(directory: URL) throws {
        try self.init(config: try LlamaConfig.load(from: directory), weights: try ModelDirectory.open(directory.path))
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
