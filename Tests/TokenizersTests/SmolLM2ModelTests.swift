import Checkpoints
import Foundation
import TestSupport
import Testing

@testable import Tokenizers

/// The released SmolLM2-135M-Instruct Q4_1 GGUF, when `scripts/fetch-models` has put it in the
/// model cache: every tensor dequantizes like gguf-py, and its tokenizer (byte-level BPE, pre
/// "smollm") encodes like Hugging Face `tokenizers` with SmolLM2's pre-tokenizer
/// (Fixtures/smollm2-reference.json, from scripts/oracles/smollm2_reference.py).
struct SmolLM2ModelTests {
    static let modelPath = SharedFiles.cachedModel("SmolLM2-135M-Instruct.Q4_1.gguf")

    static func reference() throws -> [String: Any] {
        let data = try Data(contentsOf: SharedFiles.tests("TokenizersTests/Fixtures/smollm2-reference.json"))
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    @Test(.requires(.smolLM2))
    func tokenizerMatchesHuggingFace() throws {
        let file = try GGUFFile(path: Self.modelPath)
        let tokenizer = try #require(try GGUFTokenizer.load(from: file) as? ByteLevelBPETokenizer)
        #expect(tokenizer.preTokenizer == .smollm && tokenizer.vocabularySize == 49152)
        #expect(!tokenizer.addsBOSByDefault && tokenizer.bosTokenID == 1 && tokenizer.eosTokenID == 2)
        let reference = try Self.reference()
        let strings = try #require(reference["strings"] as? [String])
        let ids = try #require(reference["ids"] as? [[Int]])
        var passed = 0
        for (text, expected) in zip(strings, ids) {
            let ours = tokenizer.encode(text, addBOS: false, parseSpecial: true).map(Int.init)
            if ours == expected { passed += 1 } else { Issue.record("\(text.debugDescription): got \(ours), expected \(expected)") }
        }
        #expect(passed == strings.count && strings.count == 48)
    }

    @Test(.requires(.smolLM2))
    func everyTensorDequantizesLikeGGUFPy() throws {
        let file = try GGUFFile(path: Self.modelPath)
        let tensors = try #require(try Self.reference()["tensors"] as? [[String: Any]])
        #expect(file.tensorInfos.count == tensors.count)
        for entry in tensors {
            let name = try #require(entry["name"] as? String)
            #expect(try file.ggufInfo(named: name).type.name == entry["type"] as? String)
            let tensor = try file.tensor(named: name)
            #expect(tensor.shape == entry["shape"] as? [Int], "\(name)")
            let values = try tensor.floats()
            #expect(values.prefix(16).map { Int($0.bitPattern) } == entry["first_bits"] as? [Int], "\(name)")
            let sum = values.reduce(0.0) { $0 + Double($1) }
            let expectedSum = try #require(entry["sum"] as? Double)
            #expect(abs(sum - expectedSum) <= 1e-6 * max(1, abs(expectedSum)) + 1e-3, "\(name): sum \(sum) vs \(expectedSum)")
        }
    }
}
