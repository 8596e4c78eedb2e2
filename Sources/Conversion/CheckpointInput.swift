import Checkpoints
import Foundation
import Models
import Tokenizers

/// A checkpoint opened for conversion: its tensors, the convention its names follow, the model
/// configuration found with it, and the tokenizer files to carry over.
public struct CheckpointInput {
    public var source: TensorSource
    public var convention: NameConvention
    public var configuration: ModelConfiguration?
    /// Tokenizer (and generation) files found beside the weights, copied into model directories.
    public var tokenizerFiles: [String]

    /// Files copied from a model folder into the output as they are.
    public static let tokenizerFileNames = [
        "tokenizer.json", "tokenizer.model", "tokenizer_config.json", "special_tokens_map.json",
        "added_tokens.json", "generation_config.json", "vocab.json", "merges.txt",
        GGUFTokenizerFile.name,
    ]

    /// Opens a file or folder (format recognised from content), finds its configuration:
    /// `configPath` when given, else `config.json`/`params.json` beside the weights, else the
    /// checkpoint's own metadata (a pickled `config` dict, megalodon-jax's `config`, GGUF keys).
    public static func open(_ path: String, configPath: String? = nil, prefix: String? = nil) throws -> CheckpointInput {
        var source = try Architectures.openCheckpoint(path)
        if let prefix, !prefix.isEmpty { source = try PrefixedSource(source, prefix: prefix) }
        let convention = NameConvention.detect(source.tensorNames)
        var isDirectory: ObjCBool = false
        _ = FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory)
        let folder = isDirectory.boolValue ? path : URL(fileURLWithPath: path).deletingLastPathComponent().path
        let configuration = try findConfiguration(folder: folder, source: source, convention: convention, explicit: configPath)
        let tokenizers = tokenizerFileNames.map { folder + "/" + $0 }.filter { FileManager.default.fileExists(atPath: $0) }
        return CheckpointInput(source: source, convention: convention, configuration: configuration, tokenizerFiles: tokenizers)
    }

    static func findConfiguration(
        folder: String, source: TensorSource, convention: NameConvention, explicit: String?
    ) throws -> ModelConfiguration? {
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
            let origin = source.location + " (pickled \"config\")"
            if let family = convention.family { return ModelConfiguration(family: family, fields: object, origin: origin) }
            return try Architectures.configuration(from: object, origin: origin, convention: convention)
        }
        if let name = metadata["general.architecture"], let architecture = Architectures.architecture(ggufName: name) {
            return try architecture.configuration(ggufMetadata: metadata, source: source)
        }
        return nil
    }

    /// Reads a configuration file in any shape the registry knows: a canonical `config.json`
    /// (`architecture`), or one a wing recognises (a MEGALODON training config, a Hugging Face
    /// `config.json`, Meta's `params.json`; see `Architectures.configuration(from:origin:convention:)`).
    public static func configuration(fromFile path: String, convention: NameConvention) throws -> ModelConfiguration {
        try configuration(from: try JSONFile.readObject(at: path), origin: path, convention: convention)
    }

    static func configuration(from object: JSONObject, origin path: String, convention: NameConvention) throws -> ModelConfiguration {
        try Architectures.configuration(from: object, origin: path, convention: convention)
    }
}
