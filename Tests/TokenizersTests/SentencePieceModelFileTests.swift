import Foundation
import TestSupport
import Testing

@testable import Tokenizers

/// Tiny BPE models trained with the official `sentencepiece` 0.2.3 and the ids it gives
/// (scripts/oracles/sentencepiece_fixtures.py).
struct SentencePieceModelFileTests {
    static func path(_ name: String) -> String { SharedFiles.tests("TokenizersTests/Fixtures/spm/\(name)").path }

    @Test(arguments: ["llama-style", "collapse-spaces"])
    func matchesSentencePieceIds(name: String) throws {
        let tokenizer = try SentencePieceModelFile.load(path: Self.path("\(name).model"))
        #expect(tokenizer.vocabularySize == 700 && tokenizer.bosTokenID == 1 && tokenizer.eosTokenID == 2)
        #expect(tokenizer.options.removeExtraWhitespaces == (name == "collapse-spaces"))
        let data = try Data(contentsOf: URL(fileURLWithPath: Self.path("\(name).expected.json")))
        let expected = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let strings = try #require(expected["strings"] as? [String])
        let ids = try #require(expected["ids"] as? [[Int]])
        var passed = 0
        for (text, reference) in zip(strings, ids) {
            let ours = tokenizer.encode(text).map(Int.init)
            if ours == reference {
                passed += 1
            } else {
                Issue.record("\(name) \(text.debugDescription): got \(ours), expected \(reference)")
            }
        }
        #expect(passed == strings.count && strings.count == 49)
    }

    @Test func refusesMalformedModels() throws {
        let directory = try SharedFiles.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let original = try Data(contentsOf: URL(fileURLWithPath: Self.path("llama-style.model")))
        let target = directory.appendingPathComponent("bad.model")
        var generator = SeededGenerator(seed: 0x7370_6d)
        for length in [0, 1, 7, 100, original.count / 2, original.count - 1] {
            try original.prefix(length).write(to: target)
            #expect(throws: TokenizerError.self) { try SentencePieceModelFile.load(path: target.path) }
        }
        for _ in 0..<200 {
            var bytes = [UInt8](original)
            for _ in 0..<4 { bytes[Int.random(in: 0..<bytes.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator) }
            try Data(bytes).write(to: target)
            do { _ = try SentencePieceModelFile.load(path: target.path) } catch is TokenizerError {} catch {
                Issue.record("untyped \(error)")
            }
        }
    }
}
