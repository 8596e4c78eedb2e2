// libFuzzer harness: the zstd container's footer and index, then every tensor decompressed and checked
// (scripts/fuzz zstd).
@testable import Checkpoints

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzZstdContainer(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    FuzzInput.withFile(data, size, named: "input.mzst") { path in
        guard let container = try? ZstdContainerFile(path: path) else { return }
        for info in container.tensorInfos {
            if let tensor = try? container.tensor(named: info.name) { precondition(tensor.shape == info.shape) }
        }
    }
    return 0
}
