import Checkpoints
import Foundation

/// The shape of a Llama-family model (Hugging Face `LlamaConfig` fields; GGUF `llama.*` metadata).
public struct LlamaConfig: Equatable, Sendable, Codable {
    public var vocabSize: Int
    public var hiddenSize: Int
    public var intermediateSize: Int
    public var numLayers: Int
    public var numHeads: Int
    /// Key/value heads; fewer than `numHeads` is grouped-query attention.
    public var numKVHeads: Int
    public var headDim: Int
    public var ropeTheta: Double
    public var rmsNormEps: Float
    /// The output head is the token embedding.
    public var tieWordEmbeddings: Bool
    public var maxPositionEmbeddings: Int
    public var bosTokenID: Int?
    public var eosTokenIDs: [Int]

    public init(
        vocabSize: Int, hiddenSize: Int, intermediateSize: Int, numLayers: Int, numHeads: Int, numKVHeads: Int,
        headDim: Int? = nil, ropeTheta: Double = 10000, rmsNormEps: Float = 1e-6, tieWordEmbeddings: Bool = false,
        maxPositionEmbeddings: Int = 2048, bosTokenID: Int? = nil, eosTokenIDs: [Int] = []
    ) {
        self.vocabSize = vocabSize
        self.hiddenSize = hiddenSize
        self.intermediateSize = intermediateSize
        self.numLayers = numLayers
        self.numHeads = numHeads
        self.numKVHeads = numKVHeads
        self.headDim = headDim ?? (numHeads > 0 ? hiddenSize / numHeads : 0)
        self.ropeTheta = ropeTheta
        self.rmsNormEps = rmsNormEps
        self.tieWordEmbeddings = tieWordEmbeddings
        self.maxPositionEmbeddings = maxPositionEmbeddings
        self.bosTokenID = bosTokenID
        self.eosTokenIDs = eosTokenIDs
    }

    public enum Failure: Error, Equatable, CustomStringConvertible {
        case invalid(field: String, reason: String)
        case unsupported(field: String, reason: String)
        case unreadable(path: String, reason: String)

        public var description: String {
            switch self {
            case let .invalid(field, reason): return "Llama config: \(field): \(reason)"
            case let .unsupported(field, reason): return "Llama config: \(field): \(reason) (not supported)"
            case let .unreadable(path, reason): return "\(path): \(reason)"
            }
        }
    }

    public var queryWidth: Int { numHeads * headDim }
    public var keyValueWidth: Int { numKVHeads * headDim }

    /// Throws the first inconsistency, naming the field.
    public func validate() throws {
        let positive: [(String, Int)] = [
            ("vocab_size", vocabSize), ("hidden_size", hiddenSize), ("intermediate_size", intermediateSize),
            ("num_hidden_layers", numLayers), ("num_attention_heads", numHeads), ("num_key_value_heads", numKVHeads),
            ("head_dim", headDim), ("max_position_embeddings", maxPositionEmbeddings),
        ]
        for (field, value) in positive where value <= 0 {
            throw Failure.invalid(field: field, reason: "must be positive, got \(value)")
        }
        guard numHeads % numKVHeads == 0 else {
            throw Failure.invalid(field: "num_key_value_heads", reason: "\(numKVHeads) does not divide num_attention_heads \(numHeads)")
        }
        guard headDim % 2 == 0 else { throw Failure.invalid(field: "head_dim", reason: "\(headDim) must be even for rotary embedding") }
        guard ropeTheta > 0, ropeTheta.isFinite else {
            throw Failure.invalid(field: "rope_theta", reason: "must be a positive number, got \(ropeTheta)")
        }
        guard rmsNormEps > 0, rmsNormEps.isFinite else {
            throw Failure.invalid(field: "rms_norm_eps", reason: "must be a positive number, got \(rmsNormEps)")
        }
        for id in [bosTokenID].compactMap({ $0 }) + eosTokenIDs where !(0..<vocabSize).contains(id) {
            throw Failure.invalid(field: "bos_token_id/eos_token_id", reason: "token \(id) is outside the vocabulary 0..<\(vocabSize)")
        }
    }
}

/// Everything a Llama model remembers: per layer the keys (after RoPE) and values of every position
/// seen. A value: copy it to score several continuations of one prefix.
public struct LlamaState: Sendable, Equatable {
    public var layers: [ChunkKVCache]
    /// Tokens consumed so far.
    public var position: Int
}

/// Llama-family inference (Hugging Face `LlamaForCausalLM`, llama.cpp `llm_build_llama`), one sequence
/// or several stacked, f32 arithmetic over weights in their stored dtype: pre-norm blocks of grouped-query attention
/// with RoPE and a SwiGLU MLP, a final RMSNorm and a tied or separate output head.
public struct LlamaModel: BatchedLanguageModel {
    public let config: LlamaConfig
    let embedding: WeightMatrix
    let blocks: [LlamaBlock]
    let finalNormScale: [Float]
    /// The embedding itself when tied.
    let output: WeightMatrix
    /// `output` prepared for one-row steps.
    let outputHead: LinearGroup
    let rotary: RotaryEmbedding
    /// How new states cache keys and values (`makeState`, `loadState`); a state keeps the precision it
    /// was made with.
    public var keyValuePrecision: KeyValuePrecision = .f32

    /// Tokens processed per segment of a call: bounds the attention scores to `segment × context`.
    static let segmentLength = 512

    public typealias Failure = LanguageModelFailure

    init(config: LlamaConfig, embedding: WeightMatrix, blocks: [LlamaBlock], finalNormScale: [Float], output: WeightMatrix) {
        self.config = config
        self.embedding = embedding
        self.blocks = blocks
        self.finalNormScale = finalNormScale
        self.output = output
        outputHead = LinearGroup([Linear(weight: output, bias: nil)])
        rotary = RotaryEmbedding(dimension: config.headDim, base: config.ropeTheta)
    }

    public var vocabularySize: Int { output.outputs }

    public func makeState() -> LlamaState {
        LlamaState(layers: Array(repeating: ChunkKVCache(precision: keyValuePrecision), count: blocks.count), position: 0)
    }

    public func keepingKeyValues(in precision: KeyValuePrecision) -> LlamaModel {
        var model = self
        model.keyValuePrecision = precision
        return model
    }

    /// One sequence is a batch of one (see `forward(batch:states:positions:)`); the state is moved in
    /// and out, not copied, so its caches grow in place.
    public func forward(_ tokens: [Int], state: inout LlamaState, positions: LogitPositions) throws -> Logits {
        var states = [LlamaState(layers: [], position: 0)]
        swap(&states[0], &state)
        defer { swap(&states[0], &state) }
        return try forward(batch: [tokens], states: &states, positions: positions)[0]
    }

    /// A state from another model would index out of bounds; refuse it with a reason instead.
    func checkShape(of state: LlamaState) throws {
        guard state.layers.count == blocks.count else {
            throw Failure.stateMismatch("\(state.layers.count) layers, the model has \(blocks.count)")
        }
        let width = config.keyValueWidth
        for (index, cache) in state.layers.enumerated() {
            let stored = cache.storedElements
            guard cache.count == state.position, stored.keys == cache.count * width, stored.values == cache.count * width else {
                throw Failure.stateMismatch(
                    "layer \(index) caches \(cache.count) positions of the wrong width or count for position \(state.position)")
            }
        }
    }
}
