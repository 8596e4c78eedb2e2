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

    func name(_ part: Part) -> String {
        switch (self, part) {
        case (.huggingFace, .embedding): return "model.embed_tokens.weight"
        case (.huggingFace, .finalNorm): return "model.norm.weight"
        case (.huggingFace, .outputHead): return "lm_head.weight"
        case let (.huggingFace, .attentionNorm(n)): return "model.layers.\(n).input_layernorm.weight"
        case let (.huggingFace, .query(n)): return "model.layers.\(n).self_attn.q_proj.weight"
        case let (.huggingFace, .key(n)): return "model.layers.\(n).self_attn.k_proj.weight"
        case let (.huggingFace, .value(n)): return "model.layers.\(n).self_attn.v_proj.weight"
        case let (.huggingFace, .attentionOutput(n)): return "model.layers.\(n).self_attn.o_proj.weight"
        case let (.huggingFace, .feedForwardNorm(n)): return "model.layers.\(n).post_attention_layernorm.weight"
        case let (.huggingFace, .gate(n)): return "model.layers.\(n).mlp.gate_proj.weight"
        case let (.huggingFace, .up(n)): return "model.layers.\(n).mlp.up_proj.weight"
        case let (.huggingFace, .down(n)): return "model.layers.\(n).mlp.down_proj.weight"
        case (.gguf, .embedding): return "token_embd.weight"
        case (.gguf, .finalNorm): return "output_norm.weight"
        case (.gguf, .outputHead): return "output.weight"
        case let (.gguf, .attentionNorm(n)): return "blk.\(n).attn_norm.weight"
        case let (.gguf, .query(n)): return "blk.\(n).attn_q.weight"
        case let (.gguf, .key(n)): return "blk.\(n).attn_k.weight"
        case let (.gguf, .value(n)): return "blk.\(n).attn_v.weight"
        case let (.gguf, .attentionOutput(n)): return "blk.\(n).attn_output.weight"
        case let (.gguf, .feedForwardNorm(n)): return "blk.\(n).ffn_norm.weight"
        case let (.gguf, .gate(n)): return "blk.\(n).ffn_gate.weight"
        case let (.gguf, .up(n)): return "blk.\(n).ffn_up.weight"
        case let (.gguf, .down(n)): return "blk.\(n).ffn_down.weight"
        }
    }
}
