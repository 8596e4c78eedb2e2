import Foundation

/// The bytes behind a tensor: a read-only region of a memory-mapped file (zero copy) or a buffer
/// owned by the tensor. Both are immutable once built, so tensors can be shared across threads.
public final class Storage: @unchecked Sendable {
    private enum Backing {
        case mapped(MappedFile)
        case owned(UnsafeMutableRawBufferPointer)
        case hugePages(HugePageMemory)
    }

    private let backing: Backing
    /// The tensor's bytes; for a mapped file, a sub-range of the mapping.
    public let bytes: UnsafeRawBufferPointer

    /// A view of `range` inside a mapped file. The caller has validated the range.
    public init(file: MappedFile, range: Range<Int>) {
        precondition(range.lowerBound >= 0 && range.upperBound <= file.count, "region outside the mapped file")
        backing = .mapped(file)
        bytes = UnsafeRawBufferPointer(rebasing: file.bytes[range])
    }

    /// A zero-filled owned buffer of `count` bytes, filled once by `initialize`.
    public init(count: Int, initialize: (UnsafeMutableRawBufferPointer) throws -> Void) rethrows {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(count, 1), alignment: 64)
        Self.adviseHugePages(buffer)
        buffer.initializeMemory(as: UInt8.self, repeating: 0)
        let exact = UnsafeMutableRawBufferPointer(rebasing: buffer[0..<count])
        do { try initialize(exact) } catch {
            buffer.deallocate()
            throw error
        }
        backing = .owned(buffer)
        bytes = UnsafeRawBufferPointer(exact)
    }

    /// Large buffers (merged checkpoint tensors, dequantized matrices) are touched once, whole: 2 MiB
    /// pages cut the page faults of filling them 512-fold (transparent huge pages in "madvise" mode).
    private static func adviseHugePages(_ buffer: UnsafeMutableRawBufferPointer) {
        let huge = 2 << 20
        guard buffer.count >= 4 * huge, let base = buffer.baseAddress else { return }
        let start = (Int(bitPattern: base) + huge - 1) / huge * huge
        let end = (Int(bitPattern: base) + buffer.count) / huge * huge
        guard end > start, let pointer = UnsafeMutableRawPointer(bitPattern: start) else { return }
        _ = madvise(pointer, end - start, 14)  // MADV_HUGEPAGE
    }

    /// An owned copy of `source` in 2 MiB-aligned huge pages (`HugePageMemory`), for weights that
    /// decode streams every token.
    public init(hugePageCopyOf source: UnsafeRawBufferPointer) {
        let memory = HugePageMemory(count: source.count) { target in
            if let from = source.baseAddress { target.update(from: from.assumingMemoryBound(to: UInt8.self), count: source.count) }
        }
        backing = .hugePages(memory)
        bytes = memory.bytes
    }

    /// An owned copy of `source`.
    public convenience init(copying source: UnsafeRawBufferPointer) {
        self.init(count: source.count) { $0.copyMemory(from: source) }
    }

    deinit {
        if case let .owned(buffer) = backing { buffer.deallocate() }
    }

    public var isMapped: Bool {
        if case .mapped = backing { return true }
        return false
    }
}
