import Checkpoints
import Foundation
import Quantization

/// The registry: every architecture the toolkit loads, converts and quantizes, one line each.
/// Adding an architecture = a new wing under Sources/Models/ plus one line here (see
/// docs/adding-a-model.md).
public enum Architectures {
    public static let all: [any ModelArchitecture.Type] = [
        MegalodonArchitecture.self,
        LlamaArchitecture.self,
    ]

    /// The architecture whose `family` is `family`.
    public static func architecture(of family: ModelFamily) -> (any ModelArchitecture.Type)? {
        all.first { $0.family == family }
    }

    /// The architecture whose GGUF files say `general.architecture` = `name`.
    public static func architecture(ggufName name: String) -> (any ModelArchitecture.Type)? {
        all.first { $0.ggufArchitecture == name }
    }

    /// The architecture whose official model-parallel release has folders of `layout`.
    public static func architecture(modelParallelLayout layout: ModelParallelLayout) -> (any ModelArchitecture.Type)? {
        all.first { $0.modelParallelLayout == layout }
    }

    /// `MergeRules` for Checkpoints' model-parallel reader and writer: the split its wing declares.
    public static func modelParallelMergeRule(_ layout: ModelParallelLayout, tensor: String, rank: Int) -> MergeRule? {
        architecture(modelParallelLayout: layout)?.modelParallelMergeRule(for: tensor, rank: rank)
    }

    /// Opens what a user points at (`ModelDirectory.open`), merging a model-parallel release by the
    /// rules of its architecture.
    public static func openCheckpoint(_ path: String) throws -> TensorSource {
        try ModelDirectory.open(path, mergeRules: modelParallelMergeRule)
    }

    /// The quantization role of `name` in a model of `family`, as its wing declares it. Without a known
    /// architecture nothing is known about the tensors: `.weight` matrices are quantized (embedding
    /// tables included; `--keep` keeps what should not be) and every other tensor stays float.
    public static func quantizationRole(of name: String, family: ModelFamily?) -> TensorRole {
        if let architecture = family.flatMap(architecture(of:)) { return architecture.quantizationRole(of: name) }
        return name.hasSuffix(".weight") ? .linearWeight : .alwaysFloat
    }

    /// The convention of a checkpoint holding `names`, or `.unknown`.
    public static func convention(of names: [String]) -> NameConvention {
        let set = Set(names)
        for architecture in all { if let found = architecture.convention(of: set) { return found } }
        return .unknown
    }

    /// A configuration file's object in any known shape: a canonical config.json (`"architecture"`
    /// naming a registered family) or one of the shapes a wing recognises.
    public static func configuration(from object: JSONObject, origin: String, convention: NameConvention) throws -> ModelConfiguration {
        if let name = object["architecture"]?.stringValue, let family = architecture(of: ModelFamily(rawValue: name))?.family {
            return ModelConfiguration(family: family, fields: object, origin: origin)
        }
        for architecture in all {
            if let found = try architecture.configuration(recognizing: object, origin: origin, convention: convention) { return found }
        }
        throw ConversionError.invalidConfiguration(path: origin, field: "", problem: "not a recognised model configuration")
    }
}
