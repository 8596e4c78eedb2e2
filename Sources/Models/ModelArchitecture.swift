import Checkpoints
import Foundation
import Quantization
import Tensors

/// Everything the toolkit knows about one architecture, answered by its wing
/// (`Sources/Models/<Architecture>/`). The loader (`ModelBundle`), the converter and the quantizer
/// (module Conversion) ask `Architectures` and never name an architecture themselves, so a new
/// architecture is a new wing plus one line in `Architectures.all` (docs/adding-a-model.md).
public protocol ModelArchitecture {
    /// `"architecture"` in a canonical model directory's config.json.
    static var family: ModelFamily { get }
    /// Its naming conventions, the canonical one (model directories) first.
    static var conventions: [NameConvention] { get }
    /// The convention `names` follow when they are this architecture's, else nil.
    static func convention(of names: Set<String>) -> NameConvention?
    /// The architecture's configuration when `object` is one of its own configuration shapes
    /// (a training config, Meta's params.json, a Hugging Face config.json...), else nil.
    /// `convention` is that of the checkpoint the file came with.
    static func configuration(recognizing object: JSONObject, origin: String, convention: NameConvention) throws -> ModelConfiguration?
    /// The tensors of `source` (named in `convention`) as `target` names them, and the configuration
    /// the output carries; nil when this architecture cannot convert between the two.
    static func plan(
        _ source: TensorSource, from convention: NameConvention, to target: NameConvention,
        configuration: ModelConfiguration?
    ) throws -> (tensors: [PlannedTensor], configuration: ModelConfiguration?)?

    /// `general.architecture` of its GGUF files, or nil when it has no GGUF form.
    static var ggufArchitecture: String? { get }
    /// The configuration a GGUF file's metadata (rendered as text) describes.
    static func configuration(ggufMetadata: [String: String], source: TensorSource) throws -> ModelConfiguration
    /// The `general.*` and architecture keys of a GGUF output; `blockTypes` names the tensors stored
    /// as ggml blocks.
    static func ggufMetadata(
        configuration: ModelConfiguration, name: String, tensors: [TensorInfo],
        blockTypes: [String: GGMLType]
    ) throws -> [(key: String, value: GGUFValue)]

    /// What the tensor `name` (in any of its conventions the quantizer writes) is to the quantizer:
    /// a linear layer's weight, the output head, an embedding table, or a parameter kept in float.
    static func quantizationRole(of name: String) -> TensorRole

    /// The folder shape of its official model-parallel release, or nil when it has none.
    static var modelParallelLayout: ModelParallelLayout? { get }
    /// How that release splits `name` (with `rank` dimensions) over the ranks; nil when unknown.
    static func modelParallelMergeRule(for name: String, rank: Int) -> MergeRule?

    /// The engine for a canonical model directory (config.json and safetensors, float or quantized).
    static func loadModel(directory: URL, arithmetic: QuantizedArithmetic) throws -> any LanguageModel
    /// The engine for a GGUF file of `ggufArchitecture`.
    static func loadModel(gguf: GGUFFile, arithmetic: QuantizedArithmetic) throws -> any LanguageModel
}

extension ModelArchitecture {
    public static var ggufArchitecture: String? { nil }

    public static var modelParallelLayout: ModelParallelLayout? { nil }

    public static func modelParallelMergeRule(for name: String, rank: Int) -> MergeRule? { nil }

    public static func configuration(ggufMetadata: [String: String], source: TensorSource) throws -> ModelConfiguration {
        throw ConversionError.unsupportedConversion(input: source.location, detail: "\(family) models have no GGUF form")
    }

    public static func ggufMetadata(
        configuration: ModelConfiguration, name: String, tensors: [TensorInfo],
        blockTypes: [String: GGMLType]
    ) throws -> [(key: String, value: GGUFValue)] {
        throw ConversionError.unsupportedConversion(input: configuration.origin, detail: "\(family) models have no GGUF form")
    }

    public static func loadModel(gguf: GGUFFile, arithmetic: QuantizedArithmetic) throws -> any LanguageModel {
        throw ModelBundle.Failure.unknownArchitecture(path: gguf.location, found: family.rawValue)
    }

    /// The convention `target` names for this architecture: `canonical` (its first), or the one whose
    /// `outputName` it is.
    public static func convention(named target: String) -> NameConvention? {
        target == "canonical" ? conventions.first : conventions.first { $0.outputName == target }
    }
}

extension Optional where Wrapped == ModelConfiguration {
    /// The configuration a conversion of `source` needs, or the error saying where to put it.
    public func required(by source: TensorSource) throws -> ModelConfiguration {
        guard let self else {
            throw ConversionError.missingConfiguration(
                input: source.location, hint: "put config.json beside the checkpoint or pass --config FILE")
        }
        return self
    }
}
