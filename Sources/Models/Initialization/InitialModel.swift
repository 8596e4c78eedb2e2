import Checkpoints
import Foundation
import Tensors

/// A model to initialise from scratch: its family, configuration files and every parameter with
/// the distribution the official training code draws it from.
///
/// * MEGALODON (`XuezheMax/megalodon`, `init_mode = 'he'`, the `ModelConf` default): embedding and
///   output head truncated normal std 1/sqrt(D) at ±3 std (`get_init_fn('gaussian', dim=D)`); every
///   internal linear `kaiming_normal_(a=sqrt(5))` (std 1/sqrt(3·fan_in)) with zero biases; CEMA
///   alpha, delta normal(0.2), theta the logit of `exp(-k·log(D)/D)` in a random order, gamma real
///   normal(1) with zero imaginary part, omega truncated normal(0.25, ±1); every "+1"-offset norm
///   weight, bias, Q/K gamma/beta and TimestepNorm prior zero; `nffn.alpha` 0.1·0.5^layer.
/// * Llama 2 (Meta's names and `params.json`): Meta's code leaves parameters uninitialised, so the
///   Hugging Face `LlamaPreTrainedModel` statistics are used: every matrix normal(0.02), RMSNorm
///   weights one.
public struct InitialModel: Sendable {
    public enum Family: String, Sendable { case megalodon, llama }

    public let preset: String
    public let family: Family
    public let entries: [InitialTensor]
    /// MEGALODON: the `ModelConf` fields (the `model` object of the training config.json).
    /// Llama: Meta's `params.json`.
    public let configuration: JSONObject

    public static let presetNames = ["mega7.3B", "mega7.1B", "llama2-7b", "debug-small", "debug-small-llama"]

    public enum Failure: Error, CustomStringConvertible {
        case unknownPreset(String)
        case indivisible(String)
        case noModelParallelRelease(String)
        public var description: String {
            switch self {
            case let .noModelParallelRelease(family): return "\(family) has no official model-parallel folder form"
            case let .unknownPreset(name): return "unknown preset \"\(name)\" (known: \(InitialModel.presetNames.joined(separator: ", ")))"
            case let .indivisible(detail): return detail
            }
        }
    }

    public init(preset: String) throws {
        switch preset {
        case "llama2-7b":
            self = Self.llama(preset: preset, dim: 4096, layers: 32, heads: 32, vocab: 32000, multipleOf: 256)
        case "debug-small-llama":
            self = Self.llama(preset: preset, dim: 64, layers: 2, heads: 4, vocab: 128, multipleOf: 32)
        case "debug-small":
            var config = MegalodonConfig()
            (config.numLayers, config.modelDim, config.numHeads, config.zDim, config.valueDim) = (2, 64, 2, 32, 128)
            (config.ffnHiddenDim, config.cemaNdim, config.chunkSize, config.normNumGroups, config.vocabSize) = (96, 4, 16, 8, 97)
            config.swiglu = true
            try config.validate()
            self = try Self.megalodon(preset: preset, config: config)
        case "mega7.3B", "mega7.1B":
            self = try Self.megalodon(preset: preset, config: try MegalodonConfig.preset(preset))
        default:
            throw Failure.unknownPreset(preset)
        }
    }

    private init(preset: String, family: Family, entries: [InitialTensor], configuration: JSONObject) {
        self.preset = preset
        self.family = family
        self.entries = entries
        self.configuration = configuration
    }

    public func weights(seed: UInt64, dtype: DType) -> InitialWeights {
        InitialWeights(entries: entries, seed: seed, dtype: dtype, metadata: ["preset": preset, "seed": String(seed)])
    }

    public var parameterCount: Int { entries.reduce(0) { $0 + $1.shape.reduce(1, *) } }

    // MARK: MEGALODON

    static func megalodon(preset: String, config c: MegalodonConfig) throws -> InitialModel {
        let d = c.modelDim
        let entries = MegalodonModel.schema(c, .official).entries.map { entry -> InitialTensor in
            let name = entry.name
            func tensor(_ distribution: InitialDistribution) -> InitialTensor {
                InitialTensor(name: name, shape: entry.shape, distribution: distribution)
            }
            switch name {
            case "embed.weight": return tensor(.gaussian(dim: d))
            case "output.output.weight":
                return InitialTensor(
                    name: name, shape: entry.shape, distribution: .gaussian(dim: d), sameValuesAs: c.shareEmb ? "embed.weight" : nil)
            case "rope.freqs":
                return tensor(.values(MegalodonNames.ropeFrequencies(headDim: c.zHeadDim, base: c.ropeBase ?? 10000)))
            default: break
            }
            if name.hasSuffix(".prior_count") {
                return InitialTensor(name: name, shape: entry.shape, distribution: .constant(0), isInteger: true)
            }
            if name.hasSuffix(".cema.alpha") || name.hasSuffix(".cema.delta") { return tensor(.normal(std: 0.2)) }
            if name.hasSuffix(".cema.theta") { return tensor(.cemaTheta) }
            if name.hasSuffix(".cema.gamma") { return tensor(.complexRealNormal) }
            if name.hasSuffix(".cema.omega") { return tensor(.truncatedNormal(std: 0.25, limit: 1)) }
            if name.hasSuffix(".nffn.alpha"), let layer = Self.layerIndex(name) { return tensor(.constant(0.1 * powf(0.5, Float(layer)))) }
            if entry.isMatrix { return tensor(.he(fanIn: entry.shape[1])) }
            // Biases, "+1"-offset norm weights, Q/K gamma/beta, priors.
            return tensor(.constant(0))
        }
        let encoded = try JSONEncoder().encode(c)
        var fields = (try JSONParser.parse([UInt8](encoded))).objectValue ?? JSONObject()
        var model = JSONObject()
        for (key, value) in fields.members where key != "architecture" { model.append(key: key, value: value) }
        model.append(key: "init_mode", value: .string("he"))
        fields = model
        return InitialModel(preset: preset, family: .megalodon, entries: entries, configuration: fields)
    }

    static func layerIndex(_ name: String) -> Int? {
        let parts = name.split(separator: ".")
        guard parts.count > 1, parts[0] == "layers" else { return nil }
        return Int(parts[1])
    }

    // MARK: Llama (Meta layout)

    /// Meta's FFN width: 2/3 of 4·dim rounded up to `multipleOf` (11008 for dim 4096).
    static func llamaHiddenDim(dim: Int, multipleOf: Int) -> Int {
        let hidden = 2 * (4 * dim) / 3
        return multipleOf * ((hidden + multipleOf - 1) / multipleOf)
    }

    static func llama(preset: String, dim: Int, layers: Int, heads: Int, vocab: Int, multipleOf: Int) -> InitialModel {
        let hidden = llamaHiddenDim(dim: dim, multipleOf: multipleOf)
        let std: InitialDistribution = .normal(std: 0.02)
        var entries = [InitialTensor(name: "tok_embeddings.weight", shape: [vocab, dim], distribution: std)]
        for layer in 0..<layers {
            let p = "layers.\(layer)."
            for projection in ["wq", "wk", "wv", "wo"] {
                entries.append(InitialTensor(name: p + "attention.\(projection).weight", shape: [dim, dim], distribution: std))
            }
            entries.append(InitialTensor(name: p + "feed_forward.w1.weight", shape: [hidden, dim], distribution: std))
            entries.append(InitialTensor(name: p + "feed_forward.w2.weight", shape: [dim, hidden], distribution: std))
            entries.append(InitialTensor(name: p + "feed_forward.w3.weight", shape: [hidden, dim], distribution: std))
            entries.append(InitialTensor(name: p + "attention_norm.weight", shape: [dim], distribution: .constant(1)))
            entries.append(InitialTensor(name: p + "ffn_norm.weight", shape: [dim], distribution: .constant(1)))
        }
        entries.append(InitialTensor(name: "norm.weight", shape: [dim], distribution: .constant(1)))
        entries.append(InitialTensor(name: "output.weight", shape: [vocab, dim], distribution: std))
        var params = JSONObject()
        func number(_ text: String) -> JSONValue { .number(JSONNumber(lexeme: text)) }
        params.append(key: "dim", value: number(String(dim)))
        params.append(key: "multiple_of", value: number(String(multipleOf)))
        params.append(key: "n_heads", value: number(String(heads)))
        params.append(key: "n_layers", value: number(String(layers)))
        params.append(key: "norm_eps", value: number("1e-05"))
        params.append(key: "vocab_size", value: number(String(vocab)))
        return InitialModel(preset: preset, family: .llama, entries: entries, configuration: params)
    }

    // MARK: official folder

    /// The official folder's small files: MEGALODON's training config and consolidate config, or Meta's params.json.
    public func officialConfigFiles(ranks: Int, dtype: DType) -> [(name: String, contents: String)] {
        switch family {
        case .llama:
            return [("params.json", JSONValue.object(configuration).serialized(.pythonIndented(1)))]
        case .megalodon:
            var training = JSONObject()
            training.append(key: "model", value: .object(configuration))
            var tokenizer = JSONObject()
            tokenizer.append(key: "path", value: .string("tokenizer.model"))
            tokenizer.append(key: "additional_vocab_size", value: .number(JSONNumber(lexeme: "0")))
            training.append(key: "tokenizer", value: .object(tokenizer))
            var consolidate = JSONObject()
            consolidate.append(key: "model_parallel_size", value: .number(JSONNumber(lexeme: String(ranks))))
            let officialDType = ["BF16": "bf16", "F16": "fp16", "F32": "fp32"][dtype.rawValue] ?? "fp32"
            consolidate.append(key: "dtype", value: .string(officialDType))
            return [
                ("config.json", JSONValue.object(training).serialized(.pythonIndented(1))),
                ("consolidate_config.json", JSONValue.object(consolidate).serialized(.compact)),
            ]
        }
    }

    /// The configuration a canonical model directory of this model carries, as the registry reads its
    /// configuration object (MEGALODON's `ModelConf`, Meta's params.json).
    public func modelConfiguration() throws -> ModelConfiguration {
        let family = ModelFamily(rawValue: self.family.rawValue)
        let convention = Architectures.architecture(of: family)?.conventions.first ?? .unknown
        return try Architectures.configuration(from: configuration, origin: "preset \(preset)", convention: convention)
    }

    /// The writer of the official model-parallel folder over `ranks` ranks, split as the wing declares
    /// (after `checkSplit`).
    public func officialWriter(ranks: Int) throws -> ModelParallelWriter {
        try checkSplit(ranks: ranks)
        guard let layout = Architectures.architecture(of: ModelFamily(rawValue: family.rawValue))?.modelParallelLayout else {
            throw Failure.noModelParallelRelease(family.rawValue)
        }
        return ModelParallelWriter(layout: layout, ranks: ranks, mergeRules: Architectures.modelParallelMergeRule)
    }

    /// The official code splits whole heads (and TimestepNorm groups) over ranks: refuse what it would.
    public func checkSplit(ranks: Int) throws {
        guard family == .megalodon, let heads = configuration["num_heads"]?.numberValue?.intValue,
            let groups = configuration["norm_num_groups"]?.numberValue?.intValue
        else { return }
        if heads % ranks != 0 || groups % ranks != 0 {
            throw Failure.indivisible(
                "\(preset) has \(heads) heads and \(groups) norm groups; the official code needs both divisible by the \(ranks) model-parallel ranks"
            )
        }
    }
}
