import Checkpoints
import Foundation
import Tensors

extension ModelFamily {
    public static let megalodon = ModelFamily(rawValue: "megalodon")
}

extension NameConvention {
    /// Official MEGALODON `Mega` state dict (`layers.0.mega.cema.alpha`), our canonical MEGALODON form.
    public static let megalodonOfficial = NameConvention("megalodon (official names)", family: .megalodon)
    /// megalodon-jax native names (`model.layers.0.attn.cema.alpha`).
    public static let megalodonJax = NameConvention("megalodon-jax", family: .megalodon, outputName: "jax")
}

/// The MEGALODON wing's answers to the registry (see `ModelArchitecture`): official and
/// megalodon-jax names (`MegalodonNames`), the training config, no GGUF form.
public enum MegalodonArchitecture: ModelArchitecture {
    public static let family = ModelFamily.megalodon
    public static let conventions: [NameConvention] = [.megalodonOfficial, .megalodonJax]

    public static func convention(of names: Set<String>) -> NameConvention? {
        if names.contains("model.embed.weight") || names.contains(where: { $0.hasPrefix("model.layers.") && $0.contains(".attn.cema.") }) {
            return .megalodonJax
        }
        if names.contains("embed.weight") || names.contains(where: { $0.contains(".mega.cema.") }) { return .megalodonOfficial }
        return nil
    }

    /// A MEGALODON training config (`model` object), a bare `ModelConf` (`model_dim`), or any
    /// configuration that came with MEGALODON tensors.
    public static func configuration(
        recognizing object: JSONObject, origin: String, convention: NameConvention
    ) throws -> ModelConfiguration? {
        if let model = object["model"]?.objectValue { return ModelConfiguration(family: family, fields: model, origin: origin) }
        if object["model_dim"] != nil || (convention.family == family && object["model_type"] == nil) {
            return ModelConfiguration(family: family, fields: object, origin: origin)
        }
        return nil
    }

    public static func plan(
        _ source: TensorSource, from convention: NameConvention, to target: NameConvention,
        configuration: ModelConfiguration?
    ) throws -> (tensors: [PlannedTensor], configuration: ModelConfiguration?)? {
        switch (convention, target) {
        case _ where convention == target: return (PlannedSource.identity(source).plan, configuration)
        case (.megalodonOfficial, .megalodonJax):
            return (try MegalodonNames.officialToJax(source, configuration: try configuration.required(by: source)), configuration)
        case (.megalodonJax, .megalodonOfficial):
            return (try MegalodonNames.jaxToOfficial(source, configuration: try configuration.required(by: source)), configuration)
        default: return nil
        }
    }

    public static func loadModel(directory: URL, arithmetic: QuantizedArithmetic) throws -> any LanguageModel {
        try MegalodonModel(directory: directory, arithmetic: arithmetic)
    }
}
