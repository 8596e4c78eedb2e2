// libFuzzer harness: PyTorch checkpoints, zip archives and legacy pickle streams through the
// restricted unpickler, then every tensor read (scripts/fuzz pytorch).
@testable import Checkpoints

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPyTorch(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    FuzzInput.withFile(data, size, named: "input.pt") { path in
        if let archive = try? ZipArchive(path: path) {
            for entry in archive.entries { _ = try? archive.bytes(of: entry) }
        }
        guard let checkpoint = try? PyTorchCheckpoint(path: path) else { return }
        for info in checkpoint.tensorInfos {
            if let tensor = try? checkpoint.tensor(named: info.name) { precondition(tensor.shape == info.shape) }
        }
    }
    return 0
}
