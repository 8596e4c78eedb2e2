import Checkpoints
import Tensors

/// The `general.*` and `llama.*` keys llama.cpp needs for a Llama model, from a Hugging Face config.
public enum GGUFLlamaMetadata {
    /// llama.cpp's `llama_ftype` (`general.file_type`): the type most matrices are stored in
    /// (F32 only when nothing else is used).
    static func fileType(_ types: [GGMLType]) -> UInt32 {
        let counts = Dictionary(grouping: types, by: { $0 }).mapValues(\.count)
        let main = counts.filter { $0.key != .f32 }.max { ($0.value, $1.key.rawValue) < ($1.value, $0.key.rawValue) }?.key ?? .f32
        switch main {
        case .f16: return 1
        case .q4_0: return 2
        case .q4_1: return 3
        case .q5_0: return 8
        case .q5_1: return 9
        case .q8_0: return 7
        case .q4_K: return 15
        case .q5_K: return 17
        case .q6_K: return 18
        case .q2_K: return 10
        case .q3_K: return 12  // LLAMA_FTYPE_MOSTLY_Q3_K_M
        case .iq4_nl: return 25
        case .bf16: return 32
        default: return 0
        }
    }

    /// `blockTypes` names the tensors stored in ggml blocks (see `GGUFWriter.blockTypes`).
    public static func keys(
        configuration: ModelConfiguration, name: String, tensors: [TensorInfo],
        blockTypes: [String: GGMLType] = [:]
    ) throws -> [(key: String, value: GGUFValue)] {
        let matrixTypes = tensors.filter { $0.shape.count > 1 }.compactMap { blockTypes[$0.name] ?? GGUFWriter.ggmlType(for: $0.dtype) }
        let hidden = try configuration.int("hidden_size")
        let heads = try configuration.int("num_attention_heads")
        guard heads > 0, hidden % heads == 0 else {
            throw ConversionError.invalidConfiguration(
                path: configuration.origin, field: "num_attention_heads", problem: "must divide hidden_size")
        }
        func u32(_ value: Int) -> GGUFValue { .uint32(UInt32(clamping: value)) }
        var keys: [(key: String, value: GGUFValue)] = [
            ("general.architecture", .string("llama")),
            ("general.name", .string(name)),
            ("general.file_type", .uint32(fileType(matrixTypes))),
            ("llama.context_length", u32(try configuration.optionalInt("max_position_embeddings") ?? 2048)),
            ("llama.embedding_length", u32(hidden)),
            ("llama.block_count", u32(try configuration.int("num_hidden_layers"))),
            ("llama.feed_forward_length", u32(try configuration.int("intermediate_size"))),
            ("llama.rope.dimension_count", u32(try configuration.optionalInt("head_dim") ?? hidden / heads)),
            ("llama.attention.head_count", u32(heads)),
            ("llama.attention.head_count_kv", u32(try configuration.optionalInt("num_key_value_heads") ?? heads)),
            ("llama.attention.layer_norm_rms_epsilon", .float32(Float(try configuration.double("rms_norm_eps") ?? 1e-6))),
            ("llama.rope.freq_base", .float32(Float(try configuration.double("rope_theta") ?? 10000))),
        ]
        if let vocabulary = try configuration.optionalInt("vocab_size") { keys.append(("llama.vocab_size", u32(vocabulary))) }
        return keys
    }
}
