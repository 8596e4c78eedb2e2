import Checkpoints
import Foundation

/// The tokenizer keys a GGUF output needs, from the tokenizer files found beside the weights:
/// `tokenizer.model` (SentencePiece, llama.cpp's "llama" vocabulary) or `tokenizer.json` (BPE).
public enum TokenizerGGUFKeys {
    public static func keys(for files: [String]) throws -> [(key: String, value: GGUFValue)] {
        let byName = Dictionary(files.map { (URL(fileURLWithPath: $0).lastPathComponent, $0) }, uniquingKeysWith: { first, _ in first })
        if let model = byName["tokenizer.model"] {
            let tokenizer = try SentencePieceModelFile.load(path: model)
            let vocabulary = tokenizer.vocabulary
            var keys: [(key: String, value: GGUFValue)] = [
                ("tokenizer.ggml.model", .string("llama")),
                ("tokenizer.ggml.tokens", .array(.string, vocabulary.tokens.map { .string(String(decoding: $0, as: UTF8.self)) })),
                ("tokenizer.ggml.scores", .array(.float32, vocabulary.scores.map(GGUFValue.float32))),
                ("tokenizer.ggml.token_type", .array(.int32, vocabulary.kinds.map { .int32($0.rawValue) })),
            ]
            for (id, key) in [
                (tokenizer.bosTokenID, "tokenizer.ggml.bos_token_id"), (tokenizer.eosTokenID, "tokenizer.ggml.eos_token_id"),
                (tokenizer.unknownTokenID, "tokenizer.ggml.unknown_token_id"),
            ] {
                if let id { keys.append((key, .uint32(UInt32(id)))) }
            }
            return keys
        }
        if let json = byName["tokenizer.json"] {
            return try GGUFTokenizerKeys.byteLevelBPE(tokenizerJSON: json, tokenizerConfig: byName["tokenizer_config.json"])
        }
        return []
    }
}
