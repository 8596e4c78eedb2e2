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
        // Ids 0 and 65537: 65536 unnamed ids between them, exactly the allowance.
        let json = #"{"model": {"type": "BPE", "vocab": {"a": 0, "b": 65537}, "merges": []}, "pre_tokenizer": {"type": "ByteLevel"}}"#
        let tokenizer = try Self.load(json)
        #expect(tokenizer.vocabulary.count == 65538)
    }
}
