import Foundation
import TestSupport
import Testing

@testable import Checkpoints

/// The shared llama.cpp vocabulary files, checked key by key against gguf-py's reading of them
/// (Fixtures/gguf/vocab-metadata.json, from scripts/oracles/gguf_vocab_metadata.py).
struct GGUFVocabularyFileTests {
    static let names = ["llama-spm", "phi-3", "gpt-2", "llama-bpe", "qwen2"]

    static let reference: [String: Any] = {
        let url = SharedFiles.tests("CheckpointsTests/Fixtures/gguf/vocab-metadata.json")
        guard let data = try? Data(contentsOf: url), let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            return [:]
        }
        return object
    }()

    /// Compares one of our values with gguf-py's JSON rendering of it.
    static func same(_ value: GGUFValue, _ expected: Any?) -> Bool {
        switch value {
        case let .string(s): return s == expected as? String
        case let .float32(f): return (expected as? String).flatMap(Double.init) == Double(f)
        case let .float64(f): return (expected as? String).flatMap(Double.init) == f
        case let .bool(b): return (expected as? Bool) == b || (expected as? Int) == (b ? 1 : 0)
        default: return value.intValue == (expected as? Int)
        }
    }

    @Test(arguments: names)
    func metadataMatchesGGUFPy(name: String) throws {
        let file = try GGUFFile(path: SharedFiles.shared("fixtures/tokenizers/ggml-vocab-\(name).gguf").path)
        let expected = try #require(Self.reference[name] as? [String: Any])
        #expect(Int(file.version) == expected["version"] as? Int)
        #expect(file.tensorInfos.count == expected["tensor_count"] as? Int)
        let keys = try #require(expected["keys"] as? [[String: Any]])
        #expect(file.metadataKeys == keys.compactMap { $0["key"] as? String })
        for entry in keys {
            let key = try #require(entry["key"] as? String)
            let value = try #require(file.metadata(key))
            #expect(Int(value.type.rawValue) == entry["type"] as? Int, "\(key)")
            if case let .array(elementType, items) = value {
                #expect(Int(elementType.rawValue) == entry["element_type"] as? Int, "\(key)")
                #expect(items.count == entry["count"] as? Int, "\(key)")
                if let first = items.first, let last = items.last {
                    #expect(Self.same(first, entry["first"]) && Self.same(last, entry["last"]), "\(key)")
                }
            } else {
                #expect(Self.same(value, entry["value"]), "\(key): \(value)")
            }
        }
        #expect(file.metadata["tokenizer.ggml.tokens"]?.hasSuffix("items)]") == true)
    }
}
