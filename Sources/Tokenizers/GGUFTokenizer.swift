import Checkpoints

/// Builds the tokenizer a GGUF file describes in its `tokenizer.ggml.*` keys.
public enum GGUFTokenizer {
    /// The tokenizer for `file`: SentencePiece for `tokenizer.ggml.model = "llama"`, byte-level
    /// BPE for `"gpt2"` (pre-tokenizer from `tokenizer.ggml.pre`).
    public static func load(from file: GGUFFile) throws -> any Tokenizer {
        let source = file.location
        guard let model = file.metadata("tokenizer.ggml.model")?.stringValue else {
            throw TokenizerError.missingField(source: source, field: "tokenizer.ggml.model")
        }
        let vocabulary = try readVocabulary(file)
        let special = { (key: String) -> Int32? in
            file.metadata("tokenizer.ggml.\(key)").flatMap(\.intValue).flatMap { Int32(exactly: $0) }.flatMap {
                vocabulary.contains($0) ? $0 : nil
            }
        }
        let flag = { (key: String) -> Bool? in file.metadata("tokenizer.ggml.\(key)")?.boolValue }
        switch model {
        case "llama":
            var options = SentencePieceTokenizer.Options()
            options.addDummyPrefix = flag("add_space_prefix") ?? true
            options.addBOS = flag("add_bos_token") ?? true
            options.addEOS = flag("add_eos_token") ?? false
            return SentencePieceTokenizer(
                vocabulary: vocabulary, bos: special("bos_token_id") ?? 1, eos: special("eos_token_id") ?? 2,
                unknown: special("unknown_token_id") ?? 0, options: options)
        case "gpt2":
            guard let mergeValues = file.metadata("tokenizer.ggml.merges")?.arrayValue else {
                throw TokenizerError.missingField(source: source, field: "tokenizer.ggml.merges")
            }
            let merges = try mergeValues.map { value -> (ArraySlice<UInt8>, ArraySlice<UInt8>) in
                guard let line = value.stringValue else {
                    throw TokenizerError.invalidField(
                        source: source, field: "tokenizer.ggml.merges", reason: "holds \(value.type), not strings")
                }
                return ByteLevelBPETokenizer.splitMergeLine(Array(line.utf8))
            }
            let preName = file.metadata("tokenizer.ggml.pre")?.stringValue ?? "default"
            guard let pre = PreTokenizer(llamaCppName: preName) else {
                throw TokenizerError.unsupportedPreTokenizer(source: source, name: preName)
            }
            return ByteLevelBPETokenizer(
                vocabulary: vocabulary, merges: merges, preTokenizer: pre,
                bos: special("bos_token_id") ?? 11, eos: special("eos_token_id") ?? 11,
                addBOS: flag("add_bos_token") ?? pre.addsBOSByDefault)
        default:
            throw TokenizerError.unsupportedModel(source: source, model: model)
        }
    }

    static func readVocabulary(_ file: GGUFFile) throws -> Vocabulary {
        let source = file.location
        guard let tokenValues = file.metadata("tokenizer.ggml.tokens")?.arrayValue else {
            throw TokenizerError.missingField(source: source, field: "tokenizer.ggml.tokens")
        }
        var tokens: [[UInt8]] = []
        tokens.reserveCapacity(tokenValues.count)
        for (index, value) in tokenValues.enumerated() {
            guard let text = value.stringValue else {
                throw TokenizerError.invalidField(source: source, field: "tokenizer.ggml.tokens", reason: "item \(index) is \(value.type)")
            }
            // llama.cpp renames empty tokens so that they cannot collide.
            tokens.append(text.isEmpty ? Array("[EMPTY_\(index)]".utf8) : Array(text.utf8))
        }
        let scores = try file.metadata("tokenizer.ggml.scores").map { value -> [Float] in
            guard let items = value.arrayValue, items.count == tokens.count else {
                throw TokenizerError.invalidField(source: source, field: "tokenizer.ggml.scores", reason: "not one number per token")
            }
            return items.map { Float($0.doubleValue ?? 0) }
        }
        let kinds = try file.metadata("tokenizer.ggml.token_type").map { value -> [TokenKind] in
            guard let items = value.arrayValue, items.count == tokens.count else {
                throw TokenizerError.invalidField(source: source, field: "tokenizer.ggml.token_type", reason: "not one type per token")
            }
            return items.map { TokenKind(rawValue: Int32(clamping: $0.intValue ?? 0)) ?? .undefined }
        }
        return Vocabulary(tokens: tokens, scores: scores, kinds: kinds)
    }
}
