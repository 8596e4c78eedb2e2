import Foundation

/// Finished item results of one run, appended as they complete so a killed run restarted with the
/// same arguments skips them. Lives in the output folder as `.resume-<key>.jsonl`, where the key
/// hashes everything that decides the results (model, data, settings), so a changed setting never
/// reuses stale items. A torn last line (the process died mid-write) is ignored. Removed once the
/// run's results are written.
public final class ResumeCache {
    public let url: URL
    public private(set) var finished: [String: ItemResult] = [:]
    private let handle: FileHandle

    public static func fileName(key: String) -> String { ".resume-\(key.prefix(16)).jsonl" }

    public init(directory: URL, key: String) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        url = directory.appendingPathComponent(Self.fileName(key: key))
        if !FileManager.default.fileExists(atPath: url.path) {
            guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
                throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: url.path])
            }
        }
        var data = try Data(contentsOf: url)
        let decoder = JSONDecoder()
        var goodLength = 0
        for line in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            guard let result = try? decoder.decode(ItemResult.self, from: Data(line)) else { break }
            finished[Self.key(result.task, result.docIndex)] = result
            goodLength += line.count + 1
        }
        // Drop a torn tail so later appends start on a fresh line.
        if goodLength < data.count {
            data = data.prefix(goodLength)
            try data.write(to: url)
        }
        handle = try FileHandle(forWritingTo: url)
        try handle.seekToEnd()
    }

    deinit { try? handle.close() }

    public func result(task: String, index: Int) -> ItemResult? { finished[Self.key(task, index)] }

    /// Deletes the cache file: the run it served has written its results.
    public func remove() throws {
        try handle.close()
        try FileManager.default.removeItem(at: url)
    }

    public func record(_ result: ItemResult) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let line = try encoder.encode(result) + Data("\n".utf8)
        // A failed append (disk full) leaves at most a torn last line, which the next run drops.
        do { try handle.write(contentsOf: line) } catch {
            throw ResumeCacheError.cannotRecord(path: url.path, reason: ResumeCacheError.reason(error))
        }
        finished[Self.key(result.task, result.docIndex)] = result
    }

    static func key(_ task: String, _ index: Int) -> String { "\(task)#\(index)" }
}

public enum ResumeCacheError: Error, Equatable, CustomStringConvertible {
    case cannotRecord(path: String, reason: String)

    public var description: String {
        switch self {
        case let .cannotRecord(path, reason): return "\(path): cannot record a finished item: \(reason)"
        }
    }

    /// The operating system's words ("No space left on device") rather than Foundation's wrapper.
    static func reason(_ error: Error) -> String {
        let wrapped = error as NSError
        if let underlying = wrapped.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        return wrapped.localizedDescription
    }
}
