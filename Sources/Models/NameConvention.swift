import Checkpoints

/// The tensor naming conventions a checkpoint can use, recognised from the names it holds.
public enum NameConvention: String, Sendable, CaseIterable {
    /// Official MEGALODON `Mega` state dict (`layers.0.mega.cema.alpha`), our canonical MEGALODON form.
    case megalodonOfficial = "megalodon (official names)"
    /// megalodon-jax native names (`model.layers.0.attn.cema.alpha`).
    case megalodonJax = "megalodon-jax"
    /// Hugging Face `LlamaForCausalLM` (`model.layers.0.self_attn.q_proj.weight`), our canonical Llama form.
    case huggingFaceLlama = "Hugging Face Llama"
    /// Meta's original release (`layers.0.attention.wq.weight`).
    case metaLlama = "Meta Llama"
    /// llama.cpp's GGUF names (`blk.0.attn_q.weight`).
    case ggufLlama = "GGUF llama"
    case unknown = "unrecognised names"

    public static func detect(_ names: [String]) -> NameConvention {
        let set = Set(names)
        if set.contains("model.embed.weight") || names.contains(where: { $0.hasPrefix("model.layers.") && $0.contains(".attn.cema.") }) { return .megalodonJax }
        if set.contains("embed.weight") || names.contains(where: { $0.contains(".mega.cema.") }) { return .megalodonOfficial }
        if set.contains("model.embed_tokens.weight") { return .huggingFaceLlama }
        if set.contains("tok_embeddings.weight") { return .metaLlama }
        if set.contains("token_embd.weight") { return .ggufLlama }
        return .unknown
    }

    public var family: ModelFamily? {
        switch self {
        case .megalodonOfficial, .megalodonJax: return .megalodon
        case .huggingFaceLlama, .metaLlama, .ggufLlama: return .llama
        case .unknown: return nil
        }
    }
}
