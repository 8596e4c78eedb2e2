import Foundation
import TestSupport
import Testing

@testable import Tokenizers

/// Tokenizers trained by the official libraries on varied text (Unicode, emoji, digits, runs of
/// whitespace, code) with several option sets, and their ids for 2,080 strings
/// (Fixtures/trained, from scripts/oracles/tokenizer_trained.py).
struct TrainedTokenizerTests {
    struct Expected: Decodable {
        let strings: [String]
        let ids: [[Int32]]
        let round_trips: [Bool]
    }

    static func expected(_ name: String) throws -> Expected {
        try JSONDecoder().decode(
            Expected.self, from: Data(contentsOf: SharedFiles.tests("TokenizersTests/Fixtures/trained/\(name).expected.json")))
    }

    static func check(_ tokenizer: any Tokenizer, against name: String) throws {
        let expected = try expected(name)
        var mismatches = 0
        for (index, text) in expected.strings.enumerated() {
            let ids = tokenizer.encode(text, addBOS: false, parseSpecial: false)
            if ids != expected.ids[index] {
                mismatches += 1
                if mismatches <= 3 { Issue.record("\(name) #\(index) \(text.debugDescription): \(ids) ≠ \(expected.ids[index])") }
            }
            if expected.round_trips[index] { #expect(tokenizer.decode(ids) == text, "\(name) #\(index) does not round-trip") }
        }
        #expect(mismatches == 0, "\(name): \(mismatches) of \(expected.strings.count) strings differ")
    }

    @Test(arguments: ["spm-keep-spaces", "spm-collapse"])
    func sentencePieceModels(name: String) throws {
        try Self.check(
            SentencePieceModelFile.load(path: SharedFiles.tests("TokenizersTests/Fixtures/trained/\(name).model").path), against: name)
    }

    @Test(arguments: ["bpe-small", "bpe-special"])
    func byteLevelBPEModels(name: String) throws {
        try Self.check(
            HuggingFaceTokenizer.load(path: SharedFiles.tests("TokenizersTests/Fixtures/trained/\(name).json").path), against: name)
    }
}
