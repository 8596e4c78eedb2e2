// libFuzzer harness: Hugging Face tokenizer.json (json-c, vocabulary, merges, added tokens,
// pre-tokenizer), then a short encode/decode round through what was built (scripts/fuzz tokenizer-json).
@testable import Tokenizers

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTokenizerJSON(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    FuzzInput.withFile(data, size, named: "tokenizer.json") { path in
        guard let tokenizer = try? HuggingFaceTokenizer.load(path: path) else { return }
        let ids = tokenizer.encode("Hello world, <|im_start|> 123 éß 🙂", addBOS: true, parseSpecial: true)
        _ = tokenizer.decode(ids)
    }
    return 0
}
