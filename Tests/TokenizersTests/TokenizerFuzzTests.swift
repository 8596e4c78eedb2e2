import Foundation
import TestSupport
import Testing

@testable import Tokenizers

/// Time-bounded mutation fuzzing of the tokenizer readers (the long campaigns are `scripts/fuzz
/// tokenizer-model` and `scripts/fuzz tokenizer-json`): every mutant is either refused with a typed
/// error or yields a tokenizer that encodes and decodes.
@Suite struct TokenizerFuzzTests {
    static let text = "Hello  world, 123 éß 🙂"

    @Test func mutatedSentencePieceModelsAreRefusedOrUsable() throws {
        let corpus = try ["spm/llama-style.model", "spm/collapse-spaces.model"].map {
            [UInt8](try Data(contentsOf: SharedFiles.tests("TokenizersTests/Fixtures/\($0)")))
        }
        var accepted = 0
        let rounds = MutationFuzzCampaign(defaultSeconds: 3, defaultSeed: 0x7370_6D).run(corpus: corpus) { bytes in
            do {
                let tokenizer = try SentencePieceModelFile.parse(bytes, source: "fuzz")
                let ids = tokenizer.encode(Self.text, addBOS: true, parseSpecial: true)
                #expect(ids.allSatisfy { tokenizer.vocabulary.contains($0) })
                _ = tokenizer.decode(ids)
                accepted += 1
            } catch is TokenizerError {
            } catch is ProtobufReader.Failure {
            } catch {
                Issue.record("untyped error \(error)")
            }
        }
        #expect(rounds > 100)
        #expect(accepted > 0 && accepted < rounds)
    }

    @Test func mutatedTokenizerJSONFilesAreRefusedOrUsable() throws {
        let corpus = try ["hf/gpt2/tokenizer.json", "hf/llama3/tokenizer.json"].map {
            [UInt8](try Data(contentsOf: SharedFiles.tests("TokenizersTests/Fixtures/\($0)")))
        }
        let directory = try SharedFiles.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("tokenizer.json")
        var accepted = 0
        let rounds = try MutationFuzzCampaign(defaultSeconds: 3, defaultSeed: 0x6A73_6F6E).run(corpus: corpus) { bytes in
            try Data(bytes).write(to: url)
            do {
                let tokenizer = try HuggingFaceTokenizer.load(path: url.path)
                let ids = tokenizer.encode(Self.text, addBOS: true, parseSpecial: true)
                #expect(ids.allSatisfy { tokenizer.vocabulary.contains($0) })
                _ = tokenizer.decode(ids)
                accepted += 1
            } catch is TokenizerError {
            } catch {
                Issue.record("untyped error \(error)")
            }
        }
        #expect(rounds > 100)
        #expect(accepted < rounds)
    }
}
