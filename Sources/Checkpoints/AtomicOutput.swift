import Foundation

/// Why an output could not be written. Every case names the final path the caller asked for.
public enum AtomicOutputError: Error, Equatable, Sendable, CustomStringConvertible {
    case outputExists(path: String)
    case cannotCreate(path: String, reason: String)
    case writeFailed(path: String, reason: String)
    case cannotCommit(path: String, reason: String)
    case listedTwice(path: String)

    public var description: String {
        switch self {
        case let .outputExists(path): return "\(path) already exists (use --force to replace it)"
        case let .cannotCreate(path, reason): return "\(path): cannot create a temporary file beside it: \(reason)"
        case let .writeFailed(path, reason): return "\(path): write failed: \(reason)"
        case let .cannotCommit(path, reason): return "\(path): cannot move the finished file into place: \(reason)"
        case let .listedTwice(path): return "\(path) is written twice in one output"
        }
    }
}

/// Writes outputs so that a final name only ever holds a complete file.
///
/// Each file is written to a hidden temporary file in its target folder (`.NAME.partial-PID-XXXXXX`,
/// same filesystem, so the final rename is atomic), flushed with fsync, and renamed into place only
/// after every file of the output has been written. Any error thrown while writing (including a
/// cancellation thrown by the caller) removes all temporaries and leaves existing files untouched.
///
/// Multi-file outputs (shards plus index) are committed by renaming each part in the order written
/// (callers write the index last); so until the last part is complete no final name appears. Without
/// `overwrite`, an existing output is refused up front and again at commit time (`link`, which fails
/// atomically if the name was taken meanwhile). A process killed by a signal can leave a hidden
/// `.partial-` file behind, never a truncated final file; the next write of the same name removes
/// such leftovers whose writing process (the PID in the name) no longer runs.
public final class AtomicOutput {
    private struct Pending {
        var finalPath: String
        var temporaryPath: String
    }

    public let overwrite: Bool
    private var pending: [Pending] = []

    private init(overwrite: Bool) { self.overwrite = overwrite }

    /// Runs `body`, which writes any number of files through `write(to:_:)`; commits them all when
    /// `body` returns, removes every temporary if it throws.
    public static func writing<Result>(overwrite: Bool, _ body: (AtomicOutput) throws -> Result) throws -> Result {
        let output = AtomicOutput(overwrite: overwrite)
        do {
            let result = try body(output)
            try output.commit()
            return result
        } catch {
            output.discard()
            throw error
        }
    }

    /// Writes one file atomically.
    public static func writeFile(at path: String, overwrite: Bool, _ body: (OutputFile) throws -> Void) throws {
        try writing(overwrite: overwrite) { try $0.write(to: path, body) }
    }

    /// Writes the file that will be named `path` when the whole output commits.
    public func write(to path: String, _ body: (OutputFile) throws -> Void) throws {
        guard !pending.contains(where: { $0.finalPath == path }) else { throw AtomicOutputError.listedTwice(path: path) }
        if !overwrite, FileManager.default.fileExists(atPath: path) { throw AtomicOutputError.outputExists(path: path) }
        let url = URL(fileURLWithPath: path)
        StaleTemporaries.remove(besides: url)
        var template = Array(
            url.deletingLastPathComponent().appendingPathComponent(StaleTemporaries.prefix(for: url) + "\(getpid())-XXXXXX").path
                .utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard descriptor >= 0 else { throw AtomicOutputError.cannotCreate(path: path, reason: Self.lastError()) }
        let temporaryPath = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        pending.append(Pending(finalPath: path, temporaryPath: temporaryPath))
        let file = OutputFile(descriptor: descriptor, path: path)
        defer { file.close() }
        // mkstemp creates 0600; outputs are ordinary readable files.
        fchmod(descriptor, 0o644)
        try body(file)
        try file.finish()
    }

    private func commit() throws {
        var committed: [String] = []
        do {
            for part in pending {
                if overwrite {
                    guard rename(part.temporaryPath, part.finalPath) == 0 else {
                        throw AtomicOutputError.cannotCommit(path: part.finalPath, reason: Self.lastError())
                    }
                } else {
                    guard link(part.temporaryPath, part.finalPath) == 0 else {
                        if errno == EEXIST { throw AtomicOutputError.outputExists(path: part.finalPath) }
                        throw AtomicOutputError.cannotCommit(path: part.finalPath, reason: Self.lastError())
                    }
                    unlink(part.temporaryPath)
                }
                committed.append(part.finalPath)
            }
        } catch {
            // Without overwrite nothing existed before under these names, so undo the partial commit.
            if !overwrite { committed.forEach { _ = unlink($0) } }
            throw error
        }
        Set(pending.map { URL(fileURLWithPath: $0.finalPath).deletingLastPathComponent().path }).forEach(Self.syncDirectory)
        pending = []
    }

    private func discard() {
        for part in pending { unlink(part.temporaryPath) }
        pending = []
    }

    /// Makes the renames durable.
    private static func syncDirectory(_ path: String) {
        let descriptor = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        fsync(descriptor)
        Glibc.close(descriptor)
    }

    static func lastError() -> String { String(cString: strerror(errno)) }
}

/// A file being written by `AtomicOutput`: buffered sequential writes.
public final class OutputFile {
    /// The final path (for messages); the bytes go to a temporary beside it.
    public let path: String
    public private(set) var bytesWritten = 0
    private var descriptor: Int32
    private var buffer: [UInt8] = []
    private static let bufferCapacity = 1 << 20

    init(descriptor: Int32, path: String) {
        self.descriptor = descriptor
        self.path = path
        buffer.reserveCapacity(Self.bufferCapacity)
    }

    public func write(_ bytes: UnsafeRawBufferPointer) throws {
        if buffer.count + bytes.count > Self.bufferCapacity { try flush() }
        if bytes.count >= Self.bufferCapacity {
            try writeAll(bytes)
        } else {
            buffer.append(contentsOf: bytes)
        }
        bytesWritten += bytes.count
    }

    public func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try write($0) }
    }

    func flush() throws {
        let pending = buffer
        buffer.removeAll(keepingCapacity: true)
        try pending.withUnsafeBytes { try writeAll($0) }
    }

    private func writeAll(_ bytes: UnsafeRawBufferPointer) throws {
        var offset = 0
        while offset < bytes.count {
            let written = Glibc.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                throw AtomicOutputError.writeFailed(path: path, reason: AtomicOutput.lastError())
            }
            offset += written
        }
    }

    func finish() throws {
        try flush()
        guard fsync(descriptor) == 0 else { throw AtomicOutputError.writeFailed(path: path, reason: AtomicOutput.lastError()) }
    }

    func close() {
        if descriptor >= 0 { Glibc.close(descriptor) }
        descriptor = -1
    }
}
