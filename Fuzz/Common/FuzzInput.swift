// Shared by the libFuzzer harnesses in Fuzz/<parser>/main.swift (built by scripts/fuzz, never by SwiftPM).
import Foundation

/// The readers under test open files by path (they memory-map them), so each input is written to one
/// reusable file on tmpfs, named with the extension the reader expects.
enum FuzzInput {
    private static let directory: String = {
        let base = FileManager.default.fileExists(atPath: "/dev/shm") ? "/dev/shm" : NSTemporaryDirectory()
        let path = "\(base)/megalodon-fuzz-\(getpid())"
        try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }()

    /// Writes the input to `<scratch>/<name>` and hands its path to `body`.
    static func withFile(_ data: UnsafePointer<UInt8>, _ size: Int, named name: String, _ body: (String) -> Void) {
        let path = "\(directory)/\(name)"
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        precondition(descriptor >= 0, "cannot write the fuzz input file \(path)")
        var written = 0
        while written < size {
            let count = write(descriptor, data + written, size - written)
            precondition(count > 0, "cannot write the fuzz input file \(path)")
            written += count
        }
        close(descriptor)
        body(path)
    }
}
