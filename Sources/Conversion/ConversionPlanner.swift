import Checkpoints
import Models
import Tensors

/// Which names the output uses.
public enum OutputNames: String, Sendable, CaseIterable {
    /// Official MEGALODON names, Hugging Face Llama names (the canonical model directory).
    case canonical
    /// megalodon-jax names (MEGALODON only).
    case megalodonJax = "jax"
    /// llama.cpp GGUF names (Llama only; the GGUF writer's input).
    case gguf
}

/// Decides, for an opened input, the output tensors (names, shapes, dtypes, recipes) and the
/// output configuration.
public enum ConversionPlanner {
    public struct Result {
        public var source: PlannedSource
        public var configuration: ModelConfiguration?
    }

    public static func plan(_ input: CheckpointInput, names: OutputNames, dtype: DType? = nil) throws -> Result {
        let source = input.source
        let family = input.convention.family ?? input.configuration?.family
        let needsConfiguration = { () throws -> ModelConfiguration in
            guard let configuration = input.configuration else {
                throw ConversionError.missingConfiguration(input: source.location,
                    hint: "put config.json beside the checkpoint or pass --config FILE")
            }
            return configuration
        }
        var plan: [PlannedTensor]
        var configuration = input.configuration
        switch (input.convention, names) {
        case (.megalodonOfficial, .canonical), (.megalodonJax, .megalodonJax), (.huggingFaceLlama, .canonical), (.ggufLlama, .gguf), (.unknown, .canonical):
            plan = PlannedSource.identity(source).plan
        case (.megalodonOfficial, .megalodonJax):
            plan = try MegalodonNames.officialToJax(source, configuration: try needsConfiguration())
        case (.megalodonJax, .canonical):
            plan = try MegalodonNames.jaxToOfficial(source, configuration: try needsConfiguration())
        case (.metaLlama, .canonical), (.metaLlama, .gguf), (.ggufLlama, .canonical), (.huggingFaceLlama, .gguf):
            var llama = try needsConfiguration()
            switch input.convention {
            case .metaLlama: plan = try MetaLlamaNames.toHuggingFace(source, configuration: llama)
            case .ggufLlama: plan = try GGUFLlamaNames.toHuggingFace(source, configuration: llama)
            default: plan = PlannedSource.identity(source).plan
            }
            llama = try completedLlamaConfiguration(llama, plan: plan, location: source.location)
            configuration = llama
            if names == .gguf {
                let huggingFace = PlannedSource(input: source, plan: plan)
                plan = try compose(GGUFLlamaNames.fromHuggingFace(huggingFace, configuration: llama), over: plan)
            }
        default:
            throw ConversionError.unsupportedConversion(input: source.location,
                detail: "\(input.convention.rawValue) checkpoints cannot be written with \(names.rawValue) names" + (family.map { " (model family: \($0.rawValue))" } ?? ""))
        }
        let planned = PlannedSource(input: source, plan: plan, metadata: [:]).casting(floatsTo: dtype)
        return Result(source: planned, configuration: configuration)
    }

    /// Fills the Llama fields the tensors decide (vocabulary, FFN width, tied head).
    static func completedLlamaConfiguration(_ configuration: ModelConfiguration, plan: [PlannedTensor], location: String) throws -> ModelConfiguration {
        var result = configuration
        var fields = JSONObject()
        let shapes = Dictionary(plan.map { ($0.info.name, $0.info.shape) }, uniquingKeysWith: { first, _ in first })
        guard let embedding = shapes["model.embed_tokens.weight"], embedding.count == 2 else {
            throw ConversionError.missingTensor(input: location, tensor: "model.embed_tokens.weight")
        }
        let derived: [(String, JSONValue)] = [
            ("vocab_size", .number(JSONNumber(lexeme: String(embedding[0])))),
            ("intermediate_size", shapes["model.layers.0.mlp.gate_proj.weight"].map { .number(JSONNumber(lexeme: String($0[0]))) } ?? .null),
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

    /// Replaces each `.stored(name)` of `outer` by the recipe `inner` gives for `name`, and cancels a
    /// RoPE re-order followed by its inverse.
    static func compose(_ outer: [PlannedTensor], over inner: [PlannedTensor]) -> [PlannedTensor] {
        let recipes = Dictionary(inner.map { ($0.info.name, $0.recipe) }, uniquingKeysWith: { first, _ in first })
        func substitute(_ recipe: TensorRecipe) -> TensorRecipe {
            switch recipe {
            case let .stored(name): return recipes[name] ?? recipe
            case let .reshaped(base, shape): return .reshaped(substitute(base), shape)
            case let .ropeRows(base, heads, layout):
                let resolved = substitute(base)
                if case let .ropeRows(innermost, innerHeads, innerLayout) = resolved, innerHeads == heads, innerLayout != layout { return innermost }
                return .ropeRows(resolved, heads: heads, to: layout)
            case let .lastAxisEntry(base, index, count): return .lastAxisEntry(substitute(base), index: index, count: count)
            case let .stackedOnLastAxis(parts): return .stackedOnLastAxis(parts.map(substitute))
            case .zeros, .values: return recipe
            }
        }
        return outer.map { PlannedTensor(info: $0.info, recipe: substitute($0.recipe)) }
    }
}
