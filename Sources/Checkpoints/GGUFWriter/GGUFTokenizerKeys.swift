import Foundation

/// `tokenizer.ggml.*` keys for a byte-level BPE tokenizer (Hugging Face `tokenizer.json` with a
/// `BPE` model, as GPT-2/Llama-3/SmolLM ship), built as llama.cpp's `convert_hf_to_gguf.py`
/// (`_set_vocab_gpt2`) does: tokens by id (holes filled with `[PAD<id>]`), special added tokens
/// CONTROL, other added tokens USER_DEFINED, the rest NORMAL; merges as `"left right"` strings;
/// BOS/EOS from `tokenizer_config.json`.
public enum GGUFTokenizerKeys {
    public static func byteLevelBPE(
        tokenizerJSON path: String, tokenizerConfig configPath: String?, preTokenizer: String = "default"
    ) throws -> [(key: String, value: GGUFValue)] {
        let root = try JSONFile.readObject(at: path)
        guard let model = root["model"]?.objectValue, model["type"]?.stringValue == "BPE", let vocab = model["vocab"]?.objectValue else {
            throw ConversionError.invalidConfiguration(
                path: path, field: "model", problem: "not a BPE tokenizer.json (model.type \"BPE\" with a vocab)")
        }
        var byID: [Int: String] = [:]
        for (token, value) in vocab.members {
            guard let id = value.numberValue?.intValue, id >= 0 else {
                throw ConversionError.invalidConfiguration(path: path, field: "model.vocab.\(token)", problem: "expected a token id")
            }
            byID[id] = token
        }
        var kinds: [Int: Int32] = [:]
        for added in root["added_tokens"]?.arrayValue ?? [] {
            guard let object = added.objectValue, let id = object["id"]?.numberValue?.intValue, id >= 0,
                let content = object["content"]?.stringValue
            else { continue }
            byID[id] = content
            kinds[id] = object["special"]?.boolValue == true ? 3 : 4
        }
        let count = (byID.keys.max() ?? -1) + 1
        let tokens = (0..<count).map { byID[$0] ?? "[PAD\($0)]" }
        let types = (0..<count).map { byID[$0] == nil ? Int32(5) : kinds[$0] ?? 1 }
        let merges: [String] = try (model["merges"]?.arrayValue ?? []).map { merge in
            if let text = merge.stringValue { return text }
            if let pair = merge.arrayValue?.compactMap(\.stringValue), pair.count == 2 { return pair.joined(separator: " ") }
            throw ConversionError.invalidConfiguration(
                path: path, field: "model.merges", problem: "expected \"a b\" strings or [a, b] pairs")
        }
        var keys: [(key: String, value: GGUFValue)] = [
            ("tokenizer.ggml.model", .string("gpt2")),
            ("tokenizer.ggml.pre", .string(preTokenizer)),
            ("tokenizer.ggml.tokens", .array(.string, tokens.map(GGUFValue.string))),
            ("tokenizer.ggml.token_type", .array(.int32, types.map(GGUFValue.int32))),
            ("tokenizer.ggml.merges", .array(.string, merges.map(GGUFValue.string))),
        ]
        if let configPath, let config = try? JSONFile.readObject(at: configPath) {
            let ids = Dictionary(tokens.enumerated().map { ($0.element, $0.offset) }, uniquingKeysWith: { first, _ in first })
            for (field, key) in [
                ("bos_token", "tokenizer.ggml.bos_token_id"), ("eos_token", "tokenizer.ggml.eos_token_id"),
                ("unk_token", "tokenizer.ggml.unknown_token_id"), ("pad_token", "tokenizer.ggml.padding_token_id"),
            ] {
                let text = config[field]?.stringValue ?? config[field]?.objectValue?["content"]?.stringValue
                if let text, let id = ids[text] { keys.append((key, .uint32(UInt32(id)))) }
            }
            if let template = config["chat_template"]?.stringValue { keys.append(("tokenizer.chat_template", .string(template))) }
        }
        return keys
    }
}
