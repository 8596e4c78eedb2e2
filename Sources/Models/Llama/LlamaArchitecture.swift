import Checkpoints
import Foundation
import Tensors

extension ModelFamily {
    public static let llama = ModelFamily(rawValue: "llama")
}

extension NameConvention {
    /// Hugging Face `LlamaForCausalLM` (`model.layers.0.self_attn.q_proj.weight`), our canonical Llama form.
    public static let huggingFaceLlama = NameConvention("Hugging Face Llama", family: .llama)
    /// Meta's original release (`layers.0.attention.wq.weight`).
    public static let metaLlama = NameConvention("Meta Llama", family: .llama)
    /// llama.cpp's GGUF names (`blk.0.attn_q.weight`).
    public static let ggufLlama = NameConvention("GGUF llama", family: .llama, outputName: "gguf")
}

/// The Llama wing's answers to the registry (see `ModelArchitecture`): Hugging Face, Meta and GGUF
/// names (`MetaLlamaNames`, `GGUFLlamaNames`), Hugging Face and Meta configurations, GGUF metadata
/// (`GGUFLlamaMetadata`).
public enum LlamaArchitecture: ModelArchitecture {
    public static let family = ModelFamily.llama
    public static let conventions: [NameConvention] = [.huggingFaceLlama, .metaLlama, .ggufLlama]
    public static let ggufArchitecture: String? = "llama"

    public static func convention(of names: Set<String>) -> NameConvention? {
        if names.contains("model.embed_tokens.weight") { return .huggingFaceLlama }
        if names.contains("tok_embeddings.weight") { return .metaLlama }
        if names.contains("token_embd.weight") { return .ggufLlama }
        return nil
    }

    /// A Hugging Face config.json (`model_type`/`architectures`) or Meta's params.json (`dim`, `n_layers`).
    public static func configuration(
        recognizing object: JSONObject, origin: String, convention: NameConvention
    ) throws -> ModelConfiguration? {
        if object["model_type"] != nil || object["architectures"] != nil {
            return ModelConfiguration(family: family, fields: object, origin: origin)
        }
        if object["dim"] != nil, object["n_layers"] != nil { return try MetaLlamaNames.configuration(fromParams: object, origin: origin) }
        return nil
    }

    /// Any convention to Hugging Face names (filling the fields the tensors decide), then on to GGUF
    /// names when asked.
    public static func plan(
        _ source: TensorSource, from convention: NameConvention, to target: NameConvention,
        configuration: ModelConfiguration?
    ) throws -> (tensors: [PlannedTensor], configuration: ModelConfiguration?)? {
        if convention == target { return (PlannedSource.identity(source).plan, configuration) }
        guard target == .huggingFaceLlama || target == .ggufLlama else { return nil }
        var llama = try configuration.required(by: source)
        var plan: [PlannedTensor]
        switch convention {
        case .metaLlama: plan = try MetaLlamaNames.toHuggingFace(source, configuration: llama)
        case .ggufLlama: plan = try GGUFLlamaNames.toHuggingFace(source, configuration: llama)
        case .huggingFaceLlama: plan = PlannedSource.identity(source).plan
        default: return nil
        }
        llama = try completed(llama, plan: plan, location: source.location)
        if target == .ggufLlama {
            let huggingFace = PlannedSource(input: source, plan: plan)
            plan = PlannedTensor.compose(try GGUFLlamaNames.fromHuggingFace(huggingFace, configuration: llama), over: plan)
        }
        return (plan, llama)
    }

    /// Fills the Llama fields the tensors decide (vocabulary, FFN width, tied head).
    static func completed(_ configuration: ModelConfiguration, plan: [PlannedTensor], location: String) throws -> ModelConfiguration {
        var result = configuration
        var fields = JSONObject()
        let shapes = Dictionary(plan.map { ($0.info.name, $0.info.shape) }, uniquingKeysWith: { first, _ in first })
        guard let embedding = shapes["model.embed_tokens.weight"], embedding.count == 2 else {
            throw ConversionError.missingTensor(input: location, tensor: "model.embed_tokens.weight")
        }
        let derived: [(String, JSONValue)] = [
            ("vocab_size", .number(JSONNumber(lexeme: String(embedding[0])))),
            (
                "intermediate_size",
                shapes["model.layers.0.mlp.gate_proj.weight"].map { .number(JSONNumber(lexeme: String($0[0]))) } ?? .null
            ),
            ("tie_word_embeddings", .bool(shapes["lm_head.weight"] == nil)),
        ]
        for (key, value) in configuration.fields.members {
            // The embedding's row count wins over a stale or placeholder (-1) vocabulary size.
            if key == "vocab_size" { continue }
            fields.append(key: key, value: value)
        }
        for (key, value) in derived where fields[key] == nil && value != .null { fields.append(key: key, value: value) }
        result.fields = fields
        return result
    }

    public static func configuration(ggufMetadata: [String: String], source: TensorSource) throws -> ModelConfiguration {
        try GGUFLlamaNames.configuration(fromMetadata: ggufMetadata, source: source)
    }

    public static func ggufMetadata(
        configuration: ModelConfiguration, name: String, tensors: [TensorInfo],
        blockTypes: [String: GGMLType]
    ) throws -> [(key: String, value: GGUFValue)] {
        try GGUFLlamaMetadata.keys(configuration: configuration, name: name, tensors: tensors, blockTypes: blockTypes)
    }

    public static func loadModel(directory: URL, arithmetic: QuantizedArithmetic) throws -> any LanguageModel {
        try LlamaModel(directory: directory, arithmetic: arithmetic)
    }

    public static func loadModel(gguf: GGUFFile, arithmetic: QuantizedArithmetic) throws -> any LanguageModel {
        try LlamaModel(gguf: gguf, arithmetic: arithmetic)
    }
}
