import Foundation
@_exported import Tokenizers

/// What a user points a tool at, opened: the engine and, when the model carries one, its tokenizer.
///
/// Accepted: a GGUF file (general.architecture "llama"; the tokenizer from its metadata), or a
/// model directory whose `config.json` says `"architecture": "megalodon"` or describes a Llama
/// (`"model_type": "llama"`), with its tokenizer in `tokenizer.model` (SentencePiece) or
/// `tokenizer.json` (byte-level BPE) or a GGUF vocabulary when present (see `TokenizerFiles`).
/// Quantized weights run as stored: quantized model directories (formats/quantized-safetensors.md)
/// and GGUF Q8_0/Q4_0/Q4_1 blocks (see `MatrixReader`).
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
            case let .unknownArchitecture(path, found): return "\(path): unsupported model architecture \"\(found)\" (supported: llama, megalodon)"
            case let .unreadableConfig(path, reason): return "\(path): \(reason)"
            }
        }
    }

    public static func open(_ path: String) throws -> ModelBundle {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { throw CheckpointOpenError.notFound(path: path) }
        if !isDirectory.boolValue {
            guard try CheckpointFormat.detect(path: path) == .gguf else {
                throw CheckpointOpenError.unsupportedFormat(path: path, format: try CheckpointFormat.detect(path: path))
            }
            let file = try GGUFFile(path: path)
            let architecture = (try? file.string("general.architecture")) ?? "(none)"
            guard architecture == "llama" else { throw Failure.unknownArchitecture(path: path, found: architecture) }
            let tokenizer = file.metadata("tokenizer.ggml.model") == nil ? nil : try GGUFTokenizer.load(from: file)
            return ModelBundle(model: try LlamaModel(gguf: file), tokenizer: tokenizer, architecture: architecture)
        }
        let directory = URL(fileURLWithPath: path)
        let architecture = try architecture(ofDirectory: directory)
        let model: any LanguageModel
        switch architecture {
        case "megalodon": model = try MegalodonModel(directory: directory)
        case "llama": model = try LlamaModel(directory: directory)
        default: throw Failure.unknownArchitecture(path: path, found: architecture)
        }
        return ModelBundle(model: model, tokenizer: try tokenizer(inDirectory: directory), architecture: architecture)
    }

    /// "megalodon" (our `architecture` key), "llama" (Hugging Face `model_type`), or what was found.
    static func architecture(ofDirectory directory: URL) throws -> String {
        let file = directory.appendingPathComponent("config.json")
        let object: Any
        do { object = try JSONSerialization.jsonObject(with: try Data(contentsOf: file)) } catch {
            throw Failure.unreadableConfig(path: file.path, reason: "not a readable JSON config: \(error.localizedDescription)")
        }
        guard let fields = object as? [String: Any] else { throw Failure.unreadableConfig(path: file.path, reason: "not a JSON object") }
        if let architecture = fields["architecture"] as? String { return architecture }
        if let type = fields["model_type"] as? String { return type }
        if let names = fields["architectures"] as? [String], names.contains("LlamaForCausalLM") { return "llama" }
        throw Failure.unreadableConfig(path: file.path, reason: "names no architecture (\"architecture\" or \"model_type\")")
    }

    static func tokenizer(inDirectory directory: URL) throws -> (any Tokenizer)? {
        try TokenizerFiles.file(in: directory).flatMap { try TokenizerFiles.load(path: $0.path) }
    }
}
