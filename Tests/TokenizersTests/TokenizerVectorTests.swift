import Checkpoints
import Foundation
import TestSupport
import Testing

@testable import Tokenizers

/// llama.cpp's tokenizer test vectors (Hugging Face reference ids) for the five shared
/// vocabulary files: every string must encode to exactly the expected ids.
struct TokenizerVectorTests {
    static let vocabularies = ["llama-spm", "phi-3", "gpt-2", "llama-bpe", "qwen2"]

    struct Vector {
        var text: String
        var ids: [Int32]
    }

    static func vectors(_ name: String) throws -> [Vector] {
        let base = SharedFiles.shared("fixtures/tokenizers/ggml-vocab-\(name).gguf")
        let input = try String(decoding: Data(contentsOf: URL(fileURLWithPath: base.path + ".inp")), as: UTF8.self)
        let output = try String(decoding: Data(contentsOf: URL(fileURLWithPath: base.path + ".out")), as: UTF8.self)
        var texts = input.components(separatedBy: "\n__ggml_vocab_test__\n")
        if texts.last == "" { texts.removeLast() }
        let lines = output.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        #expect(texts.count == lines.count)
        return zip(texts, lines).map { text, line in
            Vector(text: text, ids: line.split(separator: " ").compactMap { Int32($0) })
        }
    }

    /// Each vocabulary is loaded once for all tests (the BPE ones hold 50k–150k merges).
    static let loaded: [String: Result<any Tokenizer, Error>] = Dictionary(
        uniqueKeysWithValues: vocabularies.map { name in
            (
                name,
                Result {
                    try GGUFTokenizer.load(from: GGUFFile(path: SharedFiles.shared("fixtures/tokenizers/ggml-vocab-\(name).gguf").path))
                }
            )
        })

    static func tokenizer(_ name: String) throws -> any Tokenizer {
        guard let result = loaded[name] else { throw TokenizerError.unsupportedModel(source: name, model: "unknown test vocabulary") }
        return try result.get()
    }

    @Test(arguments: vocabularies)
    func everyVectorEncodesExactly(name: String) throws {
        let tokenizer = try Self.tokenizer(name)
        let vectors = try Self.vectors(name)
        #expect(vectors.count == 46)
        var passed = 0
        for (index, vector) in vectors.enumerated() {
            let ids = tokenizer.encode(vector.text)
            if ids == vector.ids {
                passed += 1
            } else {
                Issue.record("\(name) #\(index) \(vector.text.debugDescription): got \(ids), expected \(vector.ids)")
            }
        }
        #expect(passed == vectors.count, "\(name): \(passed)/\(vectors.count) vectors pass")
    }
}

extension TokenizerVectorTests {
    /// Decoding the reference ids gives back the input, except where llama.cpp's (and Hugging
    /// Face's) space clean-up rewrites " ?" and similar; there the cleaned input is expected.
    @Test(arguments: vocabularies)
    func referenceIdsDecodeToTheirText(name: String) throws {
        let tokenizer = try Self.tokenizer(name)
        for (index, vector) in try Self.vectors(name).enumerated() {
            var expected = Array(vector.text.utf8)
            if let bpe = tokenizer as? ByteLevelBPETokenizer, bpe.cleansSpaces { expected = ByteLevelBPETokenizer.cleaningSpaces(expected) }
            #expect(
                tokenizer.decodeBytes(vector.ids) == expected,
                "\(name) #\(index) \(vector.text.debugDescription) → \(tokenizer.decode(vector.ids).debugDescription)")
            #expect(tokenizer.decode(tokenizer.encode(vector.text)) == tokenizer.decode(vector.ids))
        }
    }
}

extension TokenizerVectorTests {
    @Test func bosAndSpecialTokenParsing() throws {
        let spm = try Self.tokenizer("llama-spm")
        #expect(spm.addsBOSByDefault && spm.bosTokenID == 1 && spm.eosTokenID == 2)
        #expect(spm.encode("Hello", addBOS: true) == [1, 15043])
        #expect(spm.decode([1, 15043, 2]) == "Hello")
        // Control-token text is plain text unless special parsing is asked for.
        #expect(spm.encode("</s>", addBOS: false, parseSpecial: true) == [2])
        #expect(spm.encode("</s>") != [2])

        let gpt2 = try Self.tokenizer("gpt-2")
        #expect(gpt2.bosTokenID == 50256 && gpt2.vocabularySize == 50257)
        #expect(gpt2.encode("<|endoftext|>", addBOS: false, parseSpecial: true) == [50256])
        #expect(gpt2.encode("<|endoftext|>").count > 1)
        #expect(gpt2.tokenText(18435) != nil)

        let llama3 = try Self.tokenizer("llama-bpe")
        #expect(llama3.addsBOSByDefault && llama3.bosTokenID == 128000)
        #expect(llama3.encode("Hello world", addBOS: true).first == 128000)
    }

    @Test func cleanSpacesMatchesLlamaCpp() {
        func clean(_ s: String) -> String { String(decoding: ByteLevelBPETokenizer.cleaningSpaces(Array(s.utf8)), as: UTF8.self) }
        #expect(clean("Hello , world !") == "Hello, world!")
        #expect(clean("it ' s") == "it's")
        #expect(clean("he 's we 're I 'll you 'd") == "he's we're I 'll you 'd")
        #expect(clean("") == "")
    }
}

extension TokenizerVectorTests {
    /// Random mixed-script text (spaces, line breaks, digits, CJK, emoji with joiners, combining
    /// marks, control characters): every vocabulary encodes it and decodes it back losslessly
    /// (byte fallback / byte-level alphabet), up to llama.cpp's space clean-up where it applies.
    @Test(arguments: vocabularies)
    func randomTextRoundTrips(name: String) throws {
        let tokenizer = try Self.tokenizer(name)
        let alphabet: [Unicode.Scalar] =
            Array("aZ09 \t\n\r'.,!?-_ßéÄ".unicodeScalars) + [
                "\u{0301}", "\u{200D}", "\u{00A0}", "\u{3000}", "\u{0007}", "\u{FFFD}", "ж", "ک", "क", "中", "語", "🦙", "😶", "🌫", "\u{FE0F}",
                "½", "٣",
            ]
        var generator = SeededGenerator(seed: 0x746F_6B)
        for _ in 0..<150 {
            let length = Int.random(in: 0..<40, using: &generator)
            var text = String.UnicodeScalarView()
            for _ in 0..<length { text.append(alphabet.randomElement(using: &generator)!) }
            let string = String(text)
            var expected = Array(string.utf8)
            if let bpe = tokenizer as? ByteLevelBPETokenizer, bpe.cleansSpaces { expected = ByteLevelBPETokenizer.cleaningSpaces(expected) }
            let ids = tokenizer.encode(string)
            #expect(ids.allSatisfy { $0 >= 0 && Int($0) < tokenizer.vocabularySize })
            #expect(tokenizer.decodeBytes(ids) == expected, "\(name) \(string.debugDescription)")
        }
    }
}
