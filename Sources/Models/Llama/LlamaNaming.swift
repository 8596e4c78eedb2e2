/// The two tensor-naming schemes a Llama checkpoint may use, and their Q/K row layout.
enum LlamaNaming: Sendable {
    /// `model.layers.N.self_attn.q_proj.weight`, ...: rotate-half Q/K rows.
    case huggingFace
    /// `blk.N.attn_q.weight`, ...: adjacent-pair (interleaved) Q/K rows.
    case gguf

    static func detect(_ matrices: MatrixReader) -> LlamaNaming {
        matrices.holds("token_embd.weight") ? .gguf : .huggingFace
    }

    /// Parts of the model by role.
    enum Part {
        case embedding, finalNorm, outputHead
        case attentionNorm(Int), query(Int), key(Int), value(Int), attentionOutput(Int)
        case feedForwardNorm(Int), gate(Int), up(Int), down(Int)
    }

    /// The tensor name of `part`: the Hugging Face name, renamed by `GGUFLlamaNames` for GGUF.
    func name(_ part: Part) -> String {
        let huggingFace = Self.huggingFaceName(part)
        guard self == .gguf else { return huggingFace }
        return GGUFLlamaNames.fromHF.map(huggingFace) ?? huggingFace
    }

    private static func huggingFaceName(_ part: Part) -> String {
        switch part {
        case .embedding: return "model.embed_tokens.weight"
        case .finalNorm: return "model.norm.weight"
        case .outputHead: return "lm_head.weight"
        case let .attentionNorm(n): return "model.layers.\(n).input_layernorm.weight"
        case let .query(n): return "model.layers.\(n).self_attn.q_proj.weight"
        case let .key(n): return "model.layers.\(n).self_attn.k_proj.weight"
        case let .value(n): return "model.layers.\(n).self_attn.v_proj.weight"
        case let .attentionOutput(n): return "model.layers.\(n).self_attn.o_proj.weight"
        case let .feedForwardNorm(n): return "model.layers.\(n).post_attention_layernorm.weight"
        case let .gate(n): return "model.layers.\(n).mlp.gate_proj.weight"
        case let .up(n): return "model.layers.\(n).mlp.up_proj.weight"
        case let .down(n): return "model.layers.\(n).mlp.down_proj.weight"
        }
    }
}
