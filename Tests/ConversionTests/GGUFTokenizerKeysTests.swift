import Foundation
import TestSupport
import Testing

@testable import Checkpoints
@testable import Conversion
@testable import Models

/// tokenizer.json → tokenizer.ggml.* by llama.cpp's `_set_vocab_gpt2` rules, carried into a GGUF.
struct GGUFTokenizerKeysTests {
    @Test("BPE vocab, added tokens, merges (both spellings), BOS/EOS from tokenizer_config.json")
    func byteLevelBPE() throws {
        let folder = try SharedFiles.temporaryDirectory()
        let json = folder.appendingPathComponent("tokenizer.json")
        try Data(
            """
            {"added_tokens": [{"id": 0, "content": "<|endoftext|>", "special": true}, {"id": 5, "content": "<extra>", "special": false}],
             "model": {"type": "BPE", "vocab": {"<|endoftext|>": 0, "a": 1, "b": 2, "ab": 3, "Ġa": 6},
                       "merges": ["a b", ["Ġ", "a"]]}}
            """.utf8
        ).write(to: json)
        let config = folder.appendingPathComponent("tokenizer_config.json")
        try Data(#"{"bos_token": {"content": "<|endoftext|>"}, "eos_token": "<|endoftext|>", "chat_template": "{{x}}"}"#.utf8).write(
            to: config)
        let keys = try GGUFTokenizerKeys.byteLevelBPE(tokenizerJSON: json.path, tokenizerConfig: config.path)
        let byKey = Dictionary(keys.map { ($0.key, $0.value) }, uniquingKeysWith: { first, _ in first })
        #expect(byKey["tokenizer.ggml.model"] == .string("gpt2"))
        #expect(
            byKey["tokenizer.ggml.tokens"]
                == .array(.string, ["<|endoftext|>", "a", "b", "ab", "[PAD4]", "<extra>", "Ġa"].map(GGUFValue.string)))
        #expect(byKey["tokenizer.ggml.token_type"] == .array(.int32, [3, 1, 1, 1, 5, 4, 1].map(GGUFValue.int32)))
        #expect(byKey["tokenizer.ggml.merges"] == .array(.string, ["a b", "Ġ a"].map(GGUFValue.string)))
        #expect(byKey["tokenizer.ggml.bos_token_id"] == .uint32(0) && byKey["tokenizer.ggml.eos_token_id"] == .uint32(0))
        #expect(byKey["tokenizer.chat_template"] == .string("{{x}}"))

        // Written into a GGUF with the model, the keys read back with their types.
        let gguf = folder.appendingPathComponent("m.gguf").path
        var conversion = try Conversion(
            input: try CheckpointInput.open(ConvertFixtures.fixture("pytorch/llama_mp2")), kind: .gguf, names: .canonical, dtype: nil)
        conversion.extraGGUFMetadata = keys
        try conversion.write(to: gguf)
        let file = try GGUFFile(path: gguf)
        #expect(try file.strings("tokenizer.ggml.tokens").count == 7 && file.string("tokenizer.ggml.model") == "gpt2")
        #expect(file.metadata("tokenizer.ggml.token_type") == byKey["tokenizer.ggml.token_type"])
    }

    @Test("a tokenizer.json that is not BPE is refused")
    func notBPE() throws {
        let json = try SharedFiles.temporaryDirectory().appendingPathComponent("tokenizer.json")
        try Data(#"{"model": {"type": "Unigram", "vocab": [["a", 0.0]]}}"#.utf8).write(to: json)
        #expect(throws: ConversionError.self) { try GGUFTokenizerKeys.byteLevelBPE(tokenizerJSON: json.path, tokenizerConfig: nil) }
    }
}

/// GGUF → model directory → GGUF keeps the tokenizer keys (through tokenizer.gguf).
struct GGUFTokenizerRoundTripTests {
    @Test("tokenizer.* keys survive GGUF → model directory → GGUF, with their types")
    func roundTrip() throws {
        let folder = try SharedFiles.temporaryDirectory()
        func at(_ name: String) -> String { folder.appendingPathComponent(name).path }
        var conversion = try Conversion(
            input: try CheckpointInput.open(ConvertFixtures.fixture("pytorch/llama_mp2")), kind: .gguf, names: .canonical, dtype: nil)
        conversion.extraGGUFMetadata = [
            ("tokenizer.ggml.model", .string("llama")), ("tokenizer.ggml.tokens", .array(.string, [.string("<s>"), .string("▁a")])),
            ("tokenizer.ggml.scores", .array(.float32, [.float32(0), .float32(-1.5)])), ("tokenizer.ggml.bos_token_id", .uint32(0)),
        ]
        try conversion.write(to: at("a.gguf"))
        try ConvertFixtures.convert(at("a.gguf"), to: at("dir"))
        #expect(ConvertFixtures.listing(at("dir")) == ["config.json", "model.safetensors", "tokenizer.gguf"])
        #expect(try GGUFFile(path: at("dir") + "/tokenizer.gguf").tensorInfos.isEmpty)
        try ConvertFixtures.convert(at("dir"), to: at("b.gguf"), kind: .gguf)
        let (first, second) = (try GGUFFile(path: at("a.gguf")), try GGUFFile(path: at("b.gguf")))
        for (key, value) in conversion.extraGGUFMetadata {
            #expect(second.metadata(key) == value && first.metadata(key) == value, "\(key)")
        }
    }
}
