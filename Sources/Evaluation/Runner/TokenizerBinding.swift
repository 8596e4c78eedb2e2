import Checkpoints
import Foundation
import Models
import Tensors
import Tokenizers

/// A `Tokenizers.Tokenizer` as the harness sees it: `addSpecialTokens` adds BOS when the tokenizer
/// does by default (as Hugging Face's `tokenizer(text)` does since lm-eval 0.4.9.2).
public struct TokenizerBinding: EvaluationTokenizer, EvaluationTextDecoder, Sendable {
    public let tokenizer: any Tokenizer

    public init(_ tokenizer: any Tokenizer) { self.tokenizer = tokenizer }

    public func encode(_ text: String, addSpecialTokens: Bool) throws -> [Int] {
        tokenizer.encode(text, addBOS: addSpecialTokens && tokenizer.addsBOSByDefault, parseSpecial: false).map(Int.init)
    }

    public var prefixTokenID: Int { Int(tokenizer.bosTokenID ?? tokenizer.eosTokenID ?? 0) }
    public var endOfSequenceTokenID: Int? { tokenizer.eosTokenID.map(Int.init) }
    public var endOfSequenceText: String? { tokenizer.eosTokenID.flatMap { tokenizer.tokenText($0) } }

    public func decode(_ ids: [Int]) -> String { tokenizer.decode(ids.compactMap { Int32(exactly: $0) }) }

    public enum Failure: Error, Equatable, CustomStringConvertible {
        case notFound(directory: String)
        case unknownKind(path: String)

        public var description: String {
            switch self {
            case .notFound(let directory):
                return "no tokenizer in \(directory) (looked for tokenizer.model, tokenizer.json, *.gguf); pass --tokenizer"
            case .unknownKind(let path): return "\(path): not a .gguf, tokenizer.json or SentencePiece .model file"
            }
        }
    }

    /// A GGUF file's vocabulary, a Hugging Face tokenizer.json or a SentencePiece .model.
    public static func load(path: String) throws -> TokenizerBinding {
        guard let tokenizer = try TokenizerFiles.load(path: path) else { throw Failure.unknownKind(path: path) }
        return TokenizerBinding(tokenizer)
    }

    /// The tokenizer of a model: a GGUF model file carries its own; a model folder ships one by the
    /// usual names (`TokenizerFiles.file(in:)`).
    public static func file(for model: URL) throws -> URL {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: model.path, isDirectory: &isDirectory), !isDirectory.boolValue {
            guard model.pathExtension == "gguf" else { throw Failure.unknownKind(path: model.path) }
            return model
        }
        guard let url = TokenizerFiles.file(in: model) else { throw Failure.notFound(directory: model.path) }
        return url
    }
}
