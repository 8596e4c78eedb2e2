import Checkpoints
import Foundation
import Models

/// A checkpoint opened for conversion: its tensors, the convention its names follow, the model
/// configuration found with it, and the tokenizer files to carry over.
public struct CheckpointInput {
    public var source: TensorSource
    public var convention: NameConvention
    public var configuration: ModelConfiguration?
    /// Tokenizer (and generation) files found beside the weights, copied into model directories.
    public var tokenizerFiles: [String]

    /// Files copied from a model folder into the output as they are.
    public static let tokenizerFileNames = ["tokenizer.json", "tokenizer.model", "tokenizer_config.json", "special_tokens_map.json",
                                            "added_tokens.json", "generation_config.json", "vocab.json", "merges.txt",
                                            GGUFTokenizerFile.name]

    /// Opens a file or folder (format recognised from content), finds its configuration:
    /// `configPath` when given, else `config.json`/`params.json` beside the weights, else the
    /// checkpoint's own metadata (a pickled `config` dict, megalodon-jax's `config`, GGUF keys).
    public static func open(_ path: String, configPath: String? = nil, prefix: String? = nil) throws -> CheckpointInput {
        var source = try ModelDirectory.open(path)
        if let prefix, !prefix.isEmpty { source = try PrefixedSource(source, prefix: prefix) }
        let convention = NameConvention.detect(source.tensorNames)
        var isDirectory: ObjCBool = false
        _ = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
        let folder = isDirectory.boolValue ? path : URL(fileURLWithPath: path).deletingLastPathComponent().path
        let configuration = try findConfiguration(folder: folder, source: source, convention: convention, explicit: configPath)
        let tokenizers = tokenizerFileNames.map { folder + "/" + $0 }.filter { FileManager.default.fileExists(atPath: $0) }
        return CheckpointInput(source: source, convention: convention, configuration: configuration, tokenizerFiles: tokenizers)
    }

    static func findConfiguration(folder: String, source: TensorSource, convention: NameConvention, explicit: String?) throws -> ModelConfiguration? {
        if let explicit { return try configuration(fromFile: explicit, convention: convention) }
        for name in ["config.json", "params.json"] where FileManager.default.fileExists(atPath: folder + "/" + name) {
            if let found = try? configuration(fromFile: folder + "/" + name, convention: convention) { return found }
        }
        let metadata = source.metadata
        // Our containers keep the canonical config.json; megalodon-jax checkpoints keep "config".
        for key in ["config.json", "config"] {
            if let text = metadata[key], let object = (try? JSONParser.parse(text))?.objectValue {
                return try configuration(from: object, origin: source.location + " (metadata \"\(key)\")", convention: convention)
            }
        }
        if let object = ModelConfiguration.object(fromFlattened: metadata, prefix: "config") {
            return ModelConfiguration(family: convention.family ?? .megalodon, fields: object, origin: source.location + " (pickled \"config\")")
        }
        if metadata["general.architecture"] == "llama" {
            return try GGUFLlamaNames.configuration(fromMetadata: metadata, source: source)
        }
        return nil
    }

    /// Reads a configuration file in any of the known shapes: a MEGALODON training config
    /// (`model` object), a canonical `config.json` (`architecture`), a Hugging Face `config.json`
    /// (`model_type`), or Meta's `params.json` (`dim`, `n_layers`).
    public static func configuration(fromFile path: String, convention: NameConvention) throws -> ModelConfiguration {
        try configuration(from: try JSONFile.readObject(at: path), origin: path, convention: convention)
    }

    static func configuration(from object: JSONObject, origin path: String, convention: NameConvention) throws -> ModelConfiguration {
        if let model = object["model"]?.objectValue { return ModelConfiguration(family: .megalodon, fields: model, origin: path) }
        if let architecture = object["architecture"]?.stringValue, let family = ModelFamily(rawValue: architecture) {
            return ModelConfiguration(family: family, fields: object, origin: path)
        }
        if object["model_type"] != nil || object["architectures"] != nil { return ModelConfiguration(family: .llama, fields: object, origin: path) }
        if object["dim"] != nil, object["n_layers"] != nil { return try MetaLlamaNames.configuration(fromParams: object, origin: path) }
        if object["model_dim"] != nil || convention.family == .megalodon { return ModelConfiguration(family: .megalodon, fields: object, origin: path) }
        throw ConversionError.invalidConfiguration(path: path, field: "", problem: "not a recognised model configuration")
    }
}
