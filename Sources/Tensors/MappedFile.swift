import Foundation

/// A whole file mapped read-only into memory. Tensors view regions of it without copying; the
/// mapping lives as long as any of them.
public final class MappedFile: @unchecked Sendable {
    public let path: String
    public let count: Int
    private let base: UnsafeRawPointer?

    public enum Failure: Error, CustomStringConvertible {
        case cannotOpen(path: String, reason: String)
        case cannotMap(path: String, reason: String)

        public var description: String {
            switch self {
            case let .cannotOpen(path, reason): return "\(path): cannot open: \(reason)"
            case let .cannotMap(path, reason): return "\(path): cannot map into memory: \(reason)"
            }
        }
    }

    public init(path: String) throws {
        self.path = path
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw Failure.cannotOpen(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw Failure.cannotOpen(path: path, reason: String(cString: strerror(errno))) }
        guard (info.st_mode & S_IFMT) == S_IFREG else { throw Failure.cannotOpen(path: path, reason: "not a regular file") }
        count = Int(info.st_size)
        if count == 0 {
            base = nil
            return
        }
        let mapped = mmap(nil, count, PROT_READ, MAP_PRIVATE, fd, 0)
        guard let mapped, mapped != MAP_FAILED else {
            throw Failure.cannotMap(path: path, reason: String(cString: strerror(errno)))
        }
        base = UnsafeRawPointer(mapped)
    }

    deinit {
        if let base { munmap(UnsafeMutableRawPointer(mutating: base), count) }
    }

    /// The mapped bytes. Valid while `self` is alive.
    public var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }

    /// Hint the kernel that `range` will be read sequentially soon (large conversions, cold loads).
    public func adviseSequential(_ range: Range<Int>) {
        guard let base, !range.isEmpty else { return }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let start = range.lowerBound / page * page
        madvise(UnsafeMutableRawPointer(mutating: base + start), range.upperBound - start, MADV_SEQUENTIAL)
    }
}
