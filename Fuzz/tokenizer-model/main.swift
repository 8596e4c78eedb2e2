// libFuzzer harness: SentencePiece tokenizer.model (protobuf ModelProto), then a short encode/decode
// round through what was built (scripts/fuzz tokenizer-model).
@testable import Tokenizers

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSentencePieceModel(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let tokenizer = try? SentencePieceModelFile.parse(bytes, source: "fuzz") else { return 0 }
    let ids = tokenizer.encode("Hello  world, 123 éß 🙂 \u{0}", addBOS: true, parseSpecial: true)
    _ = tokenizer.decode(ids)
    return 0
}
