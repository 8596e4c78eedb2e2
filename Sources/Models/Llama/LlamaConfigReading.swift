import Checkpoints
import Foundation

/// Reading a `LlamaConfig` from a Hugging Face `config.json` or from GGUF `llama.*` metadata.
extension LlamaConfig {
    /// Reads `config.json` in `url` (a directory or the file itself) and validates it.
    public static func load(from url: URL) throws -> LlamaConfig {
        let (path, contents) = readConfigFile(at: url)
        do { return try decode(try contents.get(), path: path) } catch let failure as Failure { throw failure } catch {
            throw Failure.unreadable(path: path, reason: "cannot read: \(error.localizedDescription)")
        }
    }

    /// Decodes and validates a Hugging Face `LlamaForCausalLM` config.
    public static func decode(_ data: Data, path: String = "config.json") throws -> LlamaConfig {
        let fields: HuggingFaceLlamaFields
        do { fields = try JSONDecoder().decode(HuggingFaceLlamaFields.self, from: data) } catch {
            throw Failure.unreadable(path: path, reason: "not a Llama config: \(error)")
        }
        if let type = fields.model_type, type != "llama" {
            throw Failure.unsupported(field: "model_type", reason: "\"\(type)\" is not a Llama model")
        }
        if fields.rope_scaling != nil { throw Failure.unsupported(field: "rope_scaling", reason: "scaled RoPE") }
        if fields.attention_bias == true { throw Failure.unsupported(field: "attention_bias", reason: "attention biases") }
        if fields.mlp_bias == true { throw Failure.unsupported(field: "mlp_bias", reason: "MLP biases") }
        if let activation = fields.hidden_act, activation != "silu" {
            throw Failure.unsupported(field: "hidden_act", reason: "activation \"\(activation)\"")
        }
        func required(_ value: Int?, _ field: String) throws -> Int {
            guard let value else { throw Failure.invalid(field: field, reason: "missing") }
            return value
        }
        let heads = try required(fields.num_attention_heads, "num_attention_heads")
        let config = LlamaConfig(
            vocabSize: try required(fields.vocab_size, "vocab_size"), hiddenSize: try required(fields.hidden_size, "hidden_size"),
            intermediateSize: try required(fields.intermediate_size, "intermediate_size"),
            numLayers: try required(fields.num_hidden_layers, "num_hidden_layers"), numHeads: heads,
            numKVHeads: fields.num_key_value_heads ?? heads, headDim: fields.head_dim, ropeTheta: fields.rope_theta ?? 10000,
            rmsNormEps: fields.rms_norm_eps ?? 1e-6, tieWordEmbeddings: fields.tie_word_embeddings ?? false,
            maxPositionEmbeddings: fields.max_position_embeddings ?? 2048, bosTokenID: fields.bos_token_id,
            eosTokenIDs: fields.eos_token_id?.ids ?? [])
        try config.validate()
        return config
    }

    /// The config a GGUF file's `llama.*` metadata describes. Tied embeddings: no `output.weight`.
    public init(gguf file: GGUFFile) throws {
        let architecture = try file.string("general.architecture")
        guard architecture == "llama" else {
            throw Failure.unsupported(field: "general.architecture", reason: "\"\(architecture)\" is not a Llama model")
        }
        if file.metadata("llama.rope.scaling.type") != nil, let kind = try? file.string("llama.rope.scaling.type"), kind != "none" {
            throw Failure.unsupported(field: "llama.rope.scaling.type", reason: "scaled RoPE \"\(kind)\"")
        }
        let hidden = try file.int("llama.embedding_length")
        let heads = try file.int("llama.attention.head_count")
        let vocabulary = try (try? file.int("llama.vocab_size")) ?? file.array("tokenizer.ggml.tokens").count
        let headDim = (try? file.int("llama.attention.key_length")) ?? (try? file.int("llama.rope.dimension_count"))
        self.init(
            vocabSize: vocabulary, hiddenSize: hidden, intermediateSize: try file.int("llama.feed_forward_length"),
            numLayers: try file.int("llama.block_count"), numHeads: heads,
            numKVHeads: (try? file.int("llama.attention.head_count_kv")) ?? heads, headDim: headDim,
            ropeTheta: (try? file.double("llama.rope.freq_base")) ?? 10000,
            rmsNormEps: Float(try file.double("llama.attention.layer_norm_rms_epsilon")),
            tieWordEmbeddings: !file.contains("output.weight"),
            maxPositionEmbeddings: (try? file.int("llama.context_length")) ?? 2048,
            bosTokenID: try? file.int("tokenizer.ggml.bos_token_id"),
            eosTokenIDs: (try? file.int("tokenizer.ggml.eos_token_id")).map { [$0] } ?? [])
        try validate()
    }
}

/// The `config.json` fields we read, spelled as Hugging Face writes them.
private struct HuggingFaceLlamaFields: Decodable {
    /// `eos_token_id` is a number or a list of numbers.
    enum TokenIDs: Decodable {
        case one(Int), many([Int])
        var ids: [Int] {
            switch self {
            case let .one(id): return [id]
            case let .many(ids): return ids
            }
        }
        init(from decoder: Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let id = try? container.decode(Int.self) { self = .one(id) } else { self = .many(try container.decode([Int].self)) }
        }
    }
    /// Any JSON value that is not null (`rope_scaling` is an object when present).
    struct Present: Decodable { init(from decoder: Decoder) throws {} }

    var model_type: String?
    var vocab_size: Int?
    var hidden_size: Int?
    var intermediate_size: Int?
    var num_hidden_layers: Int?
    var num_attention_heads: Int?
    var num_key_value_heads: Int?
    var head_dim: Int?
    var rope_theta: Double?
    var rms_norm_eps: Float?
    var tie_word_embeddings: Bool?
    var max_position_embeddings: Int?
    var bos_token_id: Int?
    var eos_token_id: TokenIDs?
    var rope_scaling: Present?
    var attention_bias: Bool?
    var mlp_bias: Bool?
    var hidden_act: String?
}
