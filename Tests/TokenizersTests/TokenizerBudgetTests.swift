import Foundation
import Testing
import TestSupport
@testable import Tokenizers

/// tokenizer.json ids size the vocabulary table, so they are bounded by what the file names (issue 12).
@Suite struct TokenizerBudgetTests {
    static func load(_ json: String) throws -> ByteLevelBPETokenizer {
        let directory = try SharedFiles.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("tokenizer.json").path
        _ = FileManager.default.createFile(atPath: path, contents: Data(json.utf8))
        return try HuggingFaceTokenizer.load(path: path)
    }

    @Test func aLoneHugeIdIsRefusedInsteadOfAllocatingEveryIdBelowIt() throws {
        // 70 bytes that asked for a 2-billion-entry vocabulary.
        let json = #"{"model": {"type": "BPE", "vocab": {"a": 0, "b": 2000000000}, "merges": []}, "pre_tokenizer": {"type": "ByteLevel"}}"#
        do {
            _ = try Self.load(json)
            Issue.record("a vocabulary with ids up to 2e9 was accepted")
        } catch let error as TokenizerError {
            guard case let .vocabularyTooSparse(_, highestID, named) = error else { Issue.record("wrong error \(error)"); return }
            #expect(highestID == 2_000_000_000 && named == 2)
        }
        let addedToken = #"{"added_tokens": [{"id": 1500000000, "content": "<x>"}], "model": {"type": "BPE", "vocab": {"a": 0}, "merges": []}, "pre_tokenizer": {"type": "ByteLevel"}}"#
        #expect(throws: TokenizerError.self) { try Self.load(addedToken) }
    }

    @Test func reservedGapsWithinTheAllowanceStillLoad() throws {
        // Two named ids: 2 + 1024 = 1026 ids may be unnamed. Ids 0 and 1027 leave exactly 1026 gaps.
        let gaps = #"{"model": {"type": "BPE", "vocab": {"a": 0, "b": 1027}, "merges": []}, "pre_tokenizer": {"type": "ByteLevel"}}"#
        #expect(try Self.load(gaps).vocabulary.count == 1028)
        // One more gap is refused.
        let tooSparse = #"{"model": {"type": "BPE", "vocab": {"a": 0, "b": 1028}, "merges": []}, "pre_tokenizer": {"type": "ByteLevel"}}"#
        do {
            _ = try Self.load(tooSparse)
            Issue.record("1027 unnamed ids for 2 named ones were accepted")
        } catch let error as TokenizerError {
            guard case let .vocabularyTooSparse(_, highestID, named) = error else { Issue.record("wrong error \(error)"); return }
            #expect(highestID == 1028 && named == 2)
        }
    }

    @Test func theFuzzerTimeoutInputIsRefusedQuickly() throws {
        // Found by `scripts/fuzz tokenizer-json` (a > 1 s unit under load): a mutated merge list plus a
        // vocabulary naming 33 tokens up to id 24266, which built 24k placeholder tokens per load.
        let json = #"{"model": {"type": "BPE", "vocab": {"!": 1, "8": 24266, "ĠHello": 268}, "merges": ["Ġ Hello"]}, "pre_tokenizer": {"type": "ByteLevel"}}"#
        do {
            _ = try Self.load(json)
            Issue.record("the fuzzer's input was accepted")
        } catch let error as TokenizerError {
            guard case let .vocabularyTooSparse(_, highestID, named) = error else { Issue.record("wrong error \(error)"); return }
            #expect(highestID == 24266 && named == 3)
        }
    }
}
