import Checkpoints
import Foundation
import Tensors
import TestSupport
import Testing

@testable import Models
@testable import Tokenizers

/// Opening model directories with their tokenizers, as megalodon-generate --prompt does.
@Suite("model bundles")
struct ModelBundleTests {
    @Test func llamaDirectoryWithTokenizerJSON() throws {
        let folder = try SharedFiles.temporaryDirectory("llama-bundle")
        let source = try TinyLlama.huggingFaceSource()
        try SafetensorsWriter.write(to: folder.appendingPathComponent("model.safetensors").path, copying: source, overwrite: false)
        let config = TinyLlama.configJSON()
        try Data(config.utf8).write(to: folder.appendingPathComponent("config.json"))
        try FileManager.default.copyItem(
            at: SharedFiles.tests("TokenizersTests/Fixtures/hf/smollm/tokenizer.json"),
            to: folder.appendingPathComponent("tokenizer.json"))
        let bundle = try ModelBundle.open(folder.path)
        #expect(bundle.architecture == "llama")
        let direct = try HuggingFaceTokenizer.load(path: folder.appendingPathComponent("tokenizer.json").path)
        #expect(bundle.tokenizer?.encode("Hello world!") == direct.encode("Hello world!"))
        let opened = try #require(bundle.model as? LlamaModel)
        let reference = try LlamaModel(config: TinyLlama.config, weights: TinyLlama.ggufSource())
        var a = opened.makeState(), b = reference.makeState()
        #expect(try opened.forward([1, 7, 30], state: &a, positions: .all) == reference.forward([1, 7, 30], state: &b, positions: .all))
    }

    @Test func megalodonDirectoryWithSentencePieceModel() throws {
        let folder = try SharedFiles.temporaryDirectory("megalodon-bundle")
        var config = MegalodonConfig()
        (config.numLayers, config.modelDim, config.zDim, config.valueDim, config.numHeads) = (1, 32, 16, 32, 2)
        (config.ffnHiddenDim, config.cemaNdim, config.chunkSize, config.normNumGroups, config.vocabSize) = (32, 2, 8, 4, 64)
        try JSONEncoder().encode(config).write(to: folder.appendingPathComponent("config.json"))
        try SafetensorsWriter.write(
            to: folder.appendingPathComponent("model.safetensors").path,
            copying: RandomMegalodonWeights(config: config, seed: 1), overwrite: false)
        try FileManager.default.copyItem(
            at: SharedFiles.tests("TokenizersTests/Fixtures/spm/collapse-spaces.model"),
            to: folder.appendingPathComponent("tokenizer.model"))
        let bundle = try ModelBundle.open(folder.path)
        #expect(bundle.architecture == "megalodon")
        #expect(bundle.model is MegalodonModel)
        #expect(bundle.tokenizer is SentencePieceTokenizer)
    }

    @Test func unknownArchitecturesAreNamed() throws {
        let folder = try SharedFiles.temporaryDirectory("unknown-bundle")
        try Data(#"{"model_type": "gpt_neox"}"#.utf8).write(to: folder.appendingPathComponent("config.json"))
        #expect(throws: ModelBundle.Failure.unknownArchitecture(path: folder.path, found: "gpt_neox")) { try ModelBundle.open(folder.path) }
    }

    /// Streaming ids one at a time releases exactly the text a one-shot decode gives, never half a character.
    @Test func streamedTextEqualsOneShotDecode() throws {
        let tokenizer = try HuggingFaceTokenizer.load(path: SharedFiles.tests("TokenizersTests/Fixtures/hf/smollm/tokenizer.json").path)
        let prompt = tokenizer.encode("Once upon a time")
        let continuation = tokenizer.encode(" 🦙 naïve Ελληνικά 我想在apple工作 😶‍🌫️ done")
        var stream = StreamingDetokenizer(tokenizer: tokenizer, context: prompt)
        var pieces: [String] = []
        for id in continuation { pieces.append(stream.append(id)) }
        pieces.append(stream.finish())
        #expect(pieces.joined() == " 🦙 naïve Ελληνικά 我想在apple工作 😶‍🌫️ done")
        #expect(!pieces.contains { $0.contains("\u{FFFD}") })
        #expect(StreamingDetokenizer.completeEnd([0x41, 0xF0, 0x9F]) == 1)
        #expect(StreamingDetokenizer.completeEnd([0x41, 0xC3, 0xA9]) == 3)
    }
}
