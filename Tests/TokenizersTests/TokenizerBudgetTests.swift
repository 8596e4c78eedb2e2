import Foundation
import TestSupport
import Testing

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

    /// Expects `json` refused as too sparse, naming its highest id and how many ids it names.
    static func expectTooSparse(_ json: String, highestID: Int, named: Int, sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            _ = try load(json)
            Issue.record("a vocabulary with ids up to \(highestID) was accepted", sourceLocation: sourceLocation)
        } catch let error as TokenizerError {
            guard case let .vocabularyTooSparse(_, reportedID, reportedNamed) = error else {
                Issue.record("wrong error \(error)", sourceLocation: sourceLocation)
                return
            }
            #expect(reportedID == highestID && reportedNamed == named, sourceLocation: sourceLocation)
        } catch {
            Issue.record("untyped error \(error)", sourceLocation: sourceLocation)
        }
    }

    @Test func aLoneHugeIdIsRefusedInsteadOfAllocatingEveryIdBelowIt() throws {
        // 70 bytes that asked for a 2-billion-entry vocabulary.
        Self.expectTooSparse(
            #"{"model": {"type": "BPE", "vocab": {"a": 0, "b": 2000000000}, "merges": []}, "pre_tokenizer": {"type": "ByteLevel"}}"#,
            highestID: 2_000_000_000, named: 2)
        let addedToken =
            #"{"added_tokens": [{"id": 1500000000, "content": "<x>"}], "model": {"type": "BPE", "vocab": {"a": 0}, "merges": []}, "pre_tokenizer": {"type": "ByteLevel"}}"#
        Self.expectTooSparse(addedToken, highestID: 1_500_000_000, named: 2)
    }

    @Test func reservedGapsWithinTheAllowanceStillLoad() throws {
        // Two named ids: 2 + 1024 = 1026 ids may be unnamed. Ids 0 and 1027 leave exactly 1026 gaps.
        let gaps = #"{"model": {"type": "BPE", "vocab": {"a": 0, "b": 1027}, "merges": []}, "pre_tokenizer": {"type": "ByteLevel"}}"#
        #expect(try Self.load(gaps).vocabulary.count == 1028)
        // One more gap is refused.
        Self.expectTooSparse(
            #"{"model": {"type": "BPE", "vocab": {"a": 0, "b": 1028}, "merges": []}, "pre_tokenizer": {"type": "ByteLevel"}}"#,
            highestID: 1028, named: 2)
    }

    @Test func theFuzzerTimeoutInputIsRefusedQuickly() throws {
        // Found by `scripts/fuzz tokenizer-json` (a > 1 s unit under load): a mutated merge list plus a
        // vocabulary naming a few tokens up to id 24266, which built 24k placeholder tokens per load.
        Self.expectTooSparse(
            #"{"model": {"type": "BPE", "vocab": {"!": 1, "8": 24266, "ĠHello": 268}, "merges": ["Ġ Hello"]}, "pre_tokenizer": {"type": "ByteLevel"}}"#,
            highestID: 24266, named: 3)
    }

    @Test func anEmptyFileIsRefusedAsEmpty() {
        // The fuzzer's empty unit: Foundation's file read leaked its buffer on it (LeakSanitizer).
        do {
            _ = try Self.load("")
            Issue.record("an empty tokenizer.json was accepted")
        } catch let TokenizerError.malformedFile(_, reason) {
            #expect(reason == "empty file")
        } catch {
            Issue.record("untyped error \(error)")
        }
    }

    @Test func aSentencePieceModelOfTooManyPiecesIsRefusedBeforeItsTables() throws {
        // One-byte pieces (`0a 03 0a 01 X`, 5 bytes each) cost 70-175 bytes of tables each; the
        // cap is lowered so that the hostile file stays a few kilobytes.
        let piece: [UInt8] = [0x0A, 0x03, 0x0A, 0x01, 0x61]
        let bpeTrainerSpec: [UInt8] = [0x12, 0x02, 0x18, 0x02]
        let pieces = [[UInt8]](repeating: piece, count: 1001).flatMap { $0 }
        #expect(throws: TokenizerError.tooManyPieces(source: "hostile.model", maximum: 1000)) {
            try SentencePieceModelFile.parse(pieces + bpeTrainerSpec, source: "hostile.model", maximumPieces: 1000)
        }
        // Exactly at the cap it loads.
        let atTheCap = try SentencePieceModelFile.parse(
            Array(pieces.dropFirst(piece.count)) + bpeTrainerSpec, source: "ok", maximumPieces: 1000)
        #expect(atTheCap.vocabularySize == 1000)
        #expect(SentencePieceModelFile.maximumPieceCount == 1 << 22)
    }
}
