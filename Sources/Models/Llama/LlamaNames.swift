import Checkpoints
import Foundation
import Tensors

/// Meta's original Llama names → Hugging Face names (formats/names/meta-llama-consolidated.json):
/// q/k projections re-ordered from interleaved to half-split RoPE rows, as transformers'
/// `convert_llama_weights_to_hf.py` does; `rope.freqs` dropped (recomputed from the config).
public enum MetaLlamaNames {
    /// Meta name → Hugging Face name (`{i}` = layer index), the `names` table of the JSON file.
    public static let renamePairs: [(meta: String, huggingFace: String)] = [
        ("tok_embeddings.weight", "model.embed_tokens.weight"),
        ("norm.weight", "model.norm.weight"),
        ("output.weight", "lm_head.weight"),
        ("layers.{i}.attention.wq.weight", "model.layers.{i}.self_attn.q_proj.weight"),
        ("layers.{i}.attention.wk.weight", "model.layers.{i}.self_attn.k_proj.weight"),
        ("layers.{i}.attention.wv.weight", "model.layers.{i}.self_attn.v_proj.weight"),
        ("layers.{i}.attention.wo.weight", "model.layers.{i}.self_attn.o_proj.weight"),
        ("layers.{i}.feed_forward.w1.weight", "model.layers.{i}.mlp.gate_proj.weight"),
        ("layers.{i}.feed_forward.w2.weight", "model.layers.{i}.mlp.down_proj.weight"),
        ("layers.{i}.feed_forward.w3.weight", "model.layers.{i}.mlp.up_proj.weight"),
        ("layers.{i}.attention_norm.weight", "model.layers.{i}.input_layernorm.weight"),
        ("layers.{i}.ffn_norm.weight", "model.layers.{i}.post_attention_layernorm.weight"),
    ]
    static let renames = NameTemplates(renamePairs.map { ($0.meta, $0.huggingFace) })

    public static func toHuggingFace(_ source: TensorSource, configuration: ModelConfiguration) throws -> [PlannedTensor] {
        let heads = try configuration.int("num_attention_heads")
        let kvHeads = try configuration.optionalInt("num_key_value_heads") ?? heads
        var plan: [PlannedTensor] = []
        var unmapped: [String] = []
        for info in source.tensorInfos where info.name != "rope.freqs" {
            guard let target = renames.map(info.name) else { unmapped.append(info.name); continue }
            var recipe = TensorRecipe.stored(info.name)
            if info.name.hasSuffix(".attention.wq.weight") { recipe = .ropeRows(recipe, heads: heads, to: .halfSplit) }
            if info.name.hasSuffix(".attention.wk.weight") { recipe = .ropeRows(recipe, heads: kvHeads, to: .halfSplit) }
            plan.append(PlannedTensor(info: TensorInfo(name: target, dtype: info.dtype, shape: info.shape), recipe: recipe))
        }
        guard unmapped.isEmpty else { throw ConversionError.unmappedTensors(input: source.location, names: unmapped) }
        return plan
    }

    /// `params.json` (`dim`, `n_layers`, `n_heads`, `n_kv_heads`, `norm_eps`, `rope_theta`) as
    /// Hugging Face `LlamaConfig` fields; vocabulary and FFN sizes are taken from the tensors later.
    public static func configuration(fromParams params: JSONObject, origin: String) throws -> ModelConfiguration {
        let meta = ModelConfiguration(family: .llama, fields: params, origin: origin)
        var fields = JSONObject()
        fields.append(key: "architectures", value: .array([.string("LlamaForCausalLM")]))
        fields.append(key: "model_type", value: .string("llama"))
        fields.append(key: "hidden_size", value: number(try meta.int("dim")))
        fields.append(key: "num_hidden_layers", value: number(try meta.int("n_layers")))
        let heads = try meta.int("n_heads")
        fields.append(key: "num_attention_heads", value: number(heads))
        fields.append(key: "num_key_value_heads", value: number(try meta.optionalInt("n_kv_heads") ?? heads))
        fields.append(key: "rms_norm_eps", value: params["norm_eps"] ?? .number(JSONNumber(lexeme: "1e-06")))
        fields.append(key: "rope_theta", value: params["rope_theta"] ?? .number(JSONNumber(lexeme: "10000.0")))
        fields.append(key: "hidden_act", value: .string("silu"))
        fields.append(key: "tie_word_embeddings", value: .bool(false))
        return ModelConfiguration(family: .llama, fields: fields, origin: origin)
    }

    static func number(_ value: Int) -> JSONValue { .number(JSONNumber(lexeme: String(value))) }
}

/// llama.cpp's GGUF names ⇄ Hugging Face names (formats/names/gguf-llama.json). GGUF stores q/k rows
/// interleaved (llama.cpp's `convert_hf_to_gguf.py` permutes them on the way in), so the way back
/// un-permutes.
public enum GGUFLlamaNames {
    public static let pairs: [(gguf: String, huggingFace: String)] = [
        ("token_embd.weight", "model.embed_tokens.weight"),
        ("output_norm.weight", "model.norm.weight"),
        ("output.weight", "lm_head.weight"),
        ("blk.{i}.attn_norm.weight", "model.layers.{i}.input_layernorm.weight"),
        ("blk.{i}.attn_q.weight", "model.layers.{i}.self_attn.q_proj.weight"),
        ("blk.{i}.attn_k.weight", "model.layers.{i}.self_attn.k_proj.weight"),
        ("blk.{i}.attn_v.weight", "model.layers.{i}.self_attn.v_proj.weight"),
        ("blk.{i}.attn_output.weight", "model.layers.{i}.self_attn.o_proj.weight"),
        ("blk.{i}.ffn_norm.weight", "model.layers.{i}.post_attention_layernorm.weight"),
        ("blk.{i}.ffn_gate.weight", "model.layers.{i}.mlp.gate_proj.weight"),
        ("blk.{i}.ffn_up.weight", "model.layers.{i}.mlp.up_proj.weight"),
        ("blk.{i}.ffn_down.weight", "model.layers.{i}.mlp.down_proj.weight"),
    ]
    static let toHF = NameTemplates(pairs.map { ($0.gguf, $0.huggingFace) })
    static let fromHF = NameTemplates(pairs.map { ($0.huggingFace, $0.gguf) })

    public static func toHuggingFace(_ source: TensorSource, configuration: ModelConfiguration) throws -> [PlannedTensor] {
        try rename(
            source, configuration: configuration, names: toHF, layout: .halfSplit, qSuffix: ".attn_q.weight", kSuffix: ".attn_k.weight")
    }

    public static func fromHuggingFace(_ source: TensorSource, configuration: ModelConfiguration) throws -> [PlannedTensor] {
        try rename(
            source, configuration: configuration, names: fromHF, layout: .interleaved, qSuffix: ".self_attn.q_proj.weight",
            kSuffix: ".self_attn.k_proj.weight")
    }

    private static func rename(
        _ source: TensorSource, configuration: ModelConfiguration, names: NameTemplates, layout: RoPELayout,
        qSuffix: String, kSuffix: String
    ) throws -> [PlannedTensor] {
        let heads = try configuration.int("num_attention_heads")
        let kvHeads = try configuration.optionalInt("num_key_value_heads") ?? heads
        var plan: [PlannedTensor] = []
        var unmapped: [String] = []
        for info in source.tensorInfos where info.name != "rope_freqs.weight" && !info.name.hasSuffix(".rotary_emb.inv_freq") {
            guard let target = names.map(info.name) else { unmapped.append(info.name); continue }
            var recipe = TensorRecipe.stored(info.name)
            if info.name.hasSuffix(qSuffix) { recipe = .ropeRows(recipe, heads: heads, to: layout) }
            if info.name.hasSuffix(kSuffix) { recipe = .ropeRows(recipe, heads: kvHeads, to: layout) }
            plan.append(PlannedTensor(info: TensorInfo(name: target, dtype: info.dtype, shape: info.shape), recipe: recipe))
        }
        guard unmapped.isEmpty else { throw ConversionError.unmappedTensors(input: source.location, names: unmapped) }
        return plan
    }

    /// GGUF `llama.*` keys as Hugging Face `LlamaConfig` fields.
    public static func configuration(fromMetadata metadata: [String: String], source: TensorSource) throws -> ModelConfiguration {
        func required(_ key: String) throws -> String {
            guard let value = metadata[key] else {
                throw ConversionError.invalidConfiguration(path: source.location, field: key, problem: "missing")
            }
            return value
        }
        func integer(_ key: String) throws -> JSONValue {
            let text = try required(key)
            guard Int(text) != nil else {
                throw ConversionError.invalidConfiguration(path: source.location, field: key, problem: "expected an integer, found \(text)")
            }
            return .number(JSONNumber(lexeme: text))
        }
        func float(_ key: String, default fallback: String) throws -> JSONValue {
            let text = metadata[key] ?? fallback
            guard let value = Double(text), value.isFinite else {
                throw ConversionError.invalidConfiguration(path: source.location, field: key, problem: "expected a number, found \(text)")
            }
            return .number(JSONNumber(lexeme: String(value)))
        }
        var fields = JSONObject()
        fields.append(key: "architectures", value: .array([.string("LlamaForCausalLM")]))
        fields.append(key: "model_type", value: .string("llama"))
        fields.append(key: "hidden_size", value: try integer("llama.embedding_length"))
        fields.append(key: "intermediate_size", value: try integer("llama.feed_forward_length"))
        fields.append(key: "num_hidden_layers", value: try integer("llama.block_count"))
        fields.append(key: "num_attention_heads", value: try integer("llama.attention.head_count"))
        fields.append(
            key: "num_key_value_heads",
            value: metadata["llama.attention.head_count_kv"] != nil
                ? try integer("llama.attention.head_count_kv") : try integer("llama.attention.head_count"))
        fields.append(key: "max_position_embeddings", value: try integer("llama.context_length"))
        fields.append(key: "rms_norm_eps", value: try float("llama.attention.layer_norm_rms_epsilon", default: "1e-06"))
        fields.append(key: "rope_theta", value: try float("llama.rope.freq_base", default: "10000.0"))
        fields.append(key: "hidden_act", value: .string("silu"))
        fields.append(key: "tie_word_embeddings", value: .bool(!source.contains("output.weight")))
        return ModelConfiguration(family: .llama, fields: fields, origin: source.location)
    }
}
