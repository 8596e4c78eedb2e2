import Foundation

/// The official `ModelConf` fields (XuezheMax/megalodon `megalodon/config.py`) that shape inference.
/// Read from a model directory's `config.json`, whose keys are the official snake_case names plus
/// `"architecture": "megalodon"`; a missing field takes the official default.
public struct MegalodonConfig: Codable, Equatable, Sendable {
    public var numLayers = 8
    public var modelDim = 1024
    /// Shared query/key width over all heads.
    public var zDim = 256
    /// Value and gate width over all heads.
    public var valueDim = 2048
    public var numHeads = 1
    public var ffnHiddenDim = 2048
    /// Complex EMA orders per channel.
    public var cemaNdim = 16
    /// Attention chunk length; also the RoPE table length.
    public var chunkSize = 2048
    public var normNumGroups = 32
    /// Affine weights for the RMSNorm and the FFN LayerNorm (TimestepNorm is always affine).
    public var normAffine = true
    public var normEps: Float = 1e-5
    /// nil means 10000.
    public var ropeBase: Double?
    public var swiglu = false
    public var rescaleNffn = false
    public var scaleEmb = false
    public var shareEmb = false
    public var vocabSize = -1
    /// -1 means `vocabSize`.
    public var outputSize = -1

    public init() {}

    public enum Failure: Error, Equatable, CustomStringConvertible {
        case invalid(field: String, reason: String)
        case wrongArchitecture(found: String)
        case unreadable(path: String, reason: String)
        case unknownPreset(String, known: [String])

        public var description: String {
            switch self {
            case let .invalid(field, reason): return "MEGALODON config: \(field): \(reason)"
            case let .wrongArchitecture(found): return "config.json describes a \"\(found)\" model, not \"megalodon\""
            case let .unreadable(path, reason): return "\(path): \(reason)"
            case let .unknownPreset(name, known): return "unknown MEGALODON preset \"\(name)\" (known: \(known.joined(separator: ", ")))"
            }
        }
    }

    // MARK: derived sizes

    public var zHeadDim: Int { zDim / numHeads }
    public var valueHeadDim: Int { valueDim / numHeads }
    /// Rows of the output projection.
    public var outputVocabularySize: Int { outputSize == -1 ? vocabSize : outputSize }
    public var effectiveRopeBase: Double { ropeBase ?? 10000 }

    /// Throws the first inconsistency, naming the field.
    public func validate() throws {
        let positive: [(String, Int)] = [
            ("num_layers", numLayers), ("model_dim", modelDim), ("z_dim", zDim), ("value_dim", valueDim),
            ("num_heads", numHeads), ("ffn_hidden_dim", ffnHiddenDim), ("cema_ndim", cemaNdim),
            ("chunk_size", chunkSize), ("norm_num_groups", normNumGroups), ("vocab_size", vocabSize),
        ]
        for (field, value) in positive where value <= 0 {
            throw Failure.invalid(field: field, reason: "must be positive, got \(value)")
        }
        guard zDim % numHeads == 0 else {
            throw Failure.invalid(field: "z_dim", reason: "\(zDim) is not divisible by num_heads \(numHeads)")
        }
        guard valueDim % numHeads == 0 else {
            throw Failure.invalid(field: "value_dim", reason: "\(valueDim) is not divisible by num_heads \(numHeads)")
        }
        guard zHeadDim % 2 == 0 else {
            throw Failure.invalid(field: "z_dim", reason: "the per-head width \(zHeadDim) must be even for rotary embedding")
        }
        guard modelDim % normNumGroups == 0 else {
            throw Failure.invalid(field: "model_dim", reason: "\(modelDim) is not divisible by norm_num_groups \(normNumGroups)")
        }
        guard normEps > 0, normEps.isFinite else {
            throw Failure.invalid(field: "norm_eps", reason: "must be a positive number, got \(normEps)")
        }
        if let ropeBase, !(ropeBase > 0 && ropeBase.isFinite) {
            throw Failure.invalid(field: "rope_base", reason: "must be a positive number or null, got \(ropeBase)")
        }
        guard outputSize == -1 || outputSize > 0 else {
            throw Failure.invalid(field: "output_size", reason: "must be -1 (= vocab_size) or positive, got \(outputSize)")
        }
        if shareEmb, outputVocabularySize != vocabSize {
            throw Failure.invalid(
                field: "output_size", reason: "share_emb ties the output to the embedding, so it must equal vocab_size \(vocabSize)")
        }
    }
}

/// Everything a MEGALODON model remembers about the tokens it has seen: per layer the current
/// chunk's keys and values, the TimestepNorm statistics and the complex EMA state, plus the final
/// norm's statistics. A value: copy it to score several continuations of one prefix.
public struct MegalodonState: Sendable, Equatable {
    public var layers: [MegalodonLayerState]
    public var finalNorm: TimestepNormState
    /// Tokens consumed so far.
    public var position: Int
}

/// MEGALODON inference (official `Mega` in `megalodon/model/mega.py`), batch 1, f32 arithmetic over
/// weights in their stored dtype. Calls may split a sequence anywhere; each call is processed in
/// segments that end at attention-chunk boundaries, so memory is bounded by the chunk size.
public struct MegalodonModel: LanguageModel {
    public let config: MegalodonConfig
    let embedding: WeightMatrix
    let blocks: [MegalodonBlock]
    let finalNorm: TimestepNorm
    /// The embedding itself when share_emb ties them.
    let output: WeightMatrix

    public typealias Failure = LanguageModelFailure

    init(config: MegalodonConfig, embedding: WeightMatrix, blocks: [MegalodonBlock], finalNorm: TimestepNorm, output: WeightMatrix) {
        self.config = config
        self.embedding = embedding
        self.blocks = blocks
        self.finalNorm = finalNorm
        self.output = output
    }

    public var vocabularySize: Int { output.outputs }

    public func makeState() -> MegalodonState {
        MegalodonState(layers: blocks.map { $0.initialState() }, finalNorm: finalNorm.prior, position: 0)
    }

    public func forward(_ tokens: [Int], state: inout MegalodonState, positions: LogitPositions) throws -> Logits {
        try forward(tokens, state: &state, positions: positions, tap: nil)
    }

    func forward(_ tokens: [Int], state: inout MegalodonState, positions: LogitPositions, tap: ActivationTap?) throws -> Logits {
        try LanguageModelFailure.checkTokens(tokens, vocabularySize: config.vocabSize)
        try checkShape(of: state)
        var logits: [Float] = []
        var start = 0
        while start < tokens.count {
            let room = config.chunkSize - state.position % config.chunkSize
            let end = min(tokens.count, start + room)
            let wanted = positions.rows(inSegment: start, end, callLength: tokens.count)
            logits += forwardSegment(Array(tokens[start..<end]), state: &state, logitRows: wanted, tap: tap)
            start = end
        }
        return Logits(rowCount: logits.count / vocabularySize, vocabularySize: vocabularySize, values: logits)
    }

    /// Tokens that all fall into one attention chunk; returns logits for `logitRows` of them.
    private func forwardSegment(_ tokens: [Int], state: inout MegalodonState, logitRows: Range<Int>, tap: ActivationTap?) -> [Float] {
        let width = config.modelDim, rows = tokens.count
        var x = [Float](repeating: 0, count: rows * width)
        x.withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            for (row, token) in tokens.enumerated() { embedding.copyRow(token, into: base + row * width) }
        }
        tap?("embed", x)
        if config.scaleEmb {
            let factor = Float(width).squareRoot()
            for i in x.indices { x[i] *= factor }
        }
        for (index, block) in blocks.enumerated() {
            x = block.forward(x, rows: rows, state: &state.layers[index], tap: tap)
        }
        let normalized = finalNorm.apply(x, rows: rows, state: &state.finalNorm)
        tap?("output.final_norm", normalized)
        state.position += rows
        guard !logitRows.isEmpty else { return [] }
        return output.apply(Array(normalized[logitRows.lowerBound * width..<logitRows.upperBound * width]), rows: logitRows.count)
    }

    /// A state from another model would index out of bounds; refuse it with a reason instead.
    func checkShape(of state: MegalodonState) throws {
        guard state.layers.count == blocks.count else {
            throw Failure.stateMismatch("\(state.layers.count) layers, the model has \(blocks.count)")
        }
        let c = config
        let attentionRows = state.position % c.chunkSize
        for (index, layer) in state.layers.enumerated() {
            let norm = layer.timestepNorm, ema = layer.ema, kv = layer.attention
            guard norm.mean.count == c.normNumGroups, norm.variance.count == c.normNumGroups,
                ema.real.count == c.modelDim * c.cemaNdim, ema.imaginary.count == c.modelDim * c.cemaNdim,
                kv.count == attentionRows, kv.keys.count == kv.count * c.zDim, kv.values.count == kv.count * c.valueDim
            else { throw Failure.stateMismatch("layer \(index) has the wrong sizes for this configuration or position \(state.position)") }
        }
        guard state.finalNorm.mean.count == c.normNumGroups, state.finalNorm.variance.count == c.normNumGroups else {
            throw Failure.stateMismatch("the final norm has \(state.finalNorm.mean.count) groups, expected \(c.normNumGroups)")
        }
    }
}
