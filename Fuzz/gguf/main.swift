// libFuzzer harness: the GGUF reader, its metadata accessors and every tensor it accepts, dequantized
// (scripts/fuzz gguf).
@testable import Checkpoints

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzGGUF(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    FuzzInput.withFile(data, size, named: "input.gguf") { path in
        guard let file = try? GGUFFile(path: path) else { return }
        _ = file.metadata
        for key in file.metadataKeys { _ = try? file.strings(key) }
        for info in file.ggufTensors {
            precondition(info.byteRange.upperBound <= size, "tensor data past the end of the file")
            if let tensor = try? file.tensor(named: info.name) { precondition(tensor.shape == info.shape) }
            _ = try? file.rawTensor(named: info.name)
        }
    }
    return 0
}
