import Checkpoints
import Foundation
import Tokenizers

/// What a user points a tool at, opened: the engine and, when the model carries one, its tokenizer.
///
/// Accepted: a GGUF file (general.architecture "llama"; the tokenizer from its metadata), or a
/// model directory whose `config.json` says `"architecture": "megalodon"` or describes a Llama
/// (`"model_type": "llama"`), with its tokenizer in `tokenizer.model` (SentencePiece) or
/// `tokenizer.json` (byte-level BPE) or a GGUF vocabulary when present (see `TokenizerFiles`).
/// Quantized weights run as stored: quantized model directories (formats/quantized-safetensors.md)
/// and GGUF Q8_0/Q4_0/Q4_1/Q5_0/Q5_1/Q2_K–Q6_K/IQ4_NL blocks (see `MatrixReader`).
public struct ModelBundle {
    public let model: any LanguageModel
    public let tokenizer: (any Tokenizer)?
    /// "llama" or "megalodon".
    public let architecture: String

    public enum Failure: Error, Equatable, CustomStringConvertible {
        case unknownArchitecture(path: String, found: String)
        case unreadableConfig(path: String, reason: String)

        public var description: String {
            switch self {
            case let .unknownArchitecture(path, found):
                let supported = Architectures.all.map { $0.family.rawValue }.sorted().joined(separator: ", ")
                return "\(path): unsupported model architecture \"\(found)\" (supported: \(supported))"
            case let .unreadableConfig(path, reason): return "\(path): \(reason)"
            }
        }
    }

    /// `arithmetic` chooses how quantized weights compute (see `QuantizedArithmetic`), `keyValueCache`
    /// how attention caches store keys and values (engines without f16 caches refuse f16).
    public static func open(
        _ path: String, arithmetic: QuantizedArithmetic = .integer, keyValueCache: KeyValuePrecision = .f32
    ) throws -> ModelBundle {
        let bundle = try open(path, arithmetic: arithmetic)
        return ModelBundle(
            model: try bundle.model.keepingKeyValues(in: keyValueCache), tokenizer: bundle.tokenizer, architecture: bundle.architecture)
    }

    private static func open(_ path: String, arithmetic: QuantizedArithmetic) throws -> ModelBundle {
        // Every architecture comes from the registry (`Architectures`); none is named here.
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw CheckpointOpenError.notFound(path: path)
        }
        if !isDirectory.boolValue {
            guard try CheckpointFormat.detect(path: path) == .gguf else {
                throw CheckpointOpenError.unsupportedFormat(path: path, format: try CheckpointFormat.detect(path: path))
            }
            let file = try GGUFFile(path: path)
            let name = (try? file.string("general.architecture")) ?? "(none)"
            guard let architecture = Architectures.architecture(ggufName: name) else {
                throw Failure.unknownArchitecture(path: path, found: name)
            }
            let tokenizer = file.metadata("tokenizer.ggml.model") == nil ? nil : try GGUFTokenizer.load(from: file)
            return ModelBundle(
                model: try architecture.loadModel(gguf: file, arithmetic: arithmetic), tokenizer: tokenizer,
                architecture: architecture.family.rawValue)
        }
        let directory = URL(fileURLWithPath: path)
        let name = try architecture(ofDirectory: directory)
        guard let architecture = Architectures.architecture(of: ModelFamily(rawValue: name)) else {
            throw Failure.unknownArchitecture(path: path, found: name)
        }
        let model = try architecture.loadModel(directory: directory, arithmetic: arithmetic)
        return ModelBundle(model: model, tokenizer: try tokenizer(inDirectory: directory), architecture: name)
    }

    /// Our `architecture` key, Hugging Face's `model_type`, or the family a Hugging Face class name in
    /// `architectures` implies (`LlamaForCausalLM` → "llama").
    static func architecture(ofDirectory directory: URL) throws -> String {
        let file = directory.appendingPathComponent("config.json")
        let object: Any
        do { object = try JSONSerialization.jsonObject(with: try Data(contentsOf: file)) } catch {
            throw Failure.unreadableConfig(path: file.path, reason: "not a readable JSON config: \(error.localizedDescription)")
        }
        guard let fields = object as? [String: Any] else { throw Failure.unreadableConfig(path: file.path, reason: "not a JSON object") }
        if let architecture = fields["architecture"] as? String { return architecture }
        if let type = fields["model_type"] as? String { return type }
        if let names = fields["architectures"] as? [String],
            let family = Architectures.all.map { $0.family.rawValue }.first(where: { family in
                names.contains { $0.lowercased().hasPrefix(family) }
            })
        {
            return family
        }
        throw Failure.unreadableConfig(path: file.path, reason: "names no architecture (\"architecture\" or \"model_type\")")
    }

    static func tokenizer(inDirectory directory: URL) throws -> (any Tokenizer)? {
        try TokenizerFiles.file(in: directory).flatMap { try TokenizerFiles.load(path: $0.path) }
    }
}
