// libFuzzer harness: model config.json readers (Hugging Face Llama, MEGALODON) and the model-directory
// architecture detection (scripts/fuzz config).
import Foundation
@testable import Models

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzConfig(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Data(bytes: data, count: size)
    _ = try? LlamaConfig.decode(bytes)
    _ = try? MegalodonConfig.decode(bytes)
    return 0
}
