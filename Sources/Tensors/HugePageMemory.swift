import Foundation

/// Anonymous memory asked for in 2 MiB huge pages (`MADV_HUGEPAGE`; the VMs run transparent huge
/// pages in madvise mode), for weights that decode streams once per token: with 4 KiB pages a
/// 135M-parameter model's 86 MB of 4-bit panels cost 21,000 TLB misses a token, and the hardware
/// prefetchers stop at every 4 KiB boundary.
///
/// Small requests share 32 MiB chunks (64-byte aligned slices; a chunk is unmapped when its last
/// slice is freed, the one being filled when a new one replaces it). SmolLM2's Q4_0 matrices are
/// 62 KB–0.5 MB each: a 2 MiB mapping apiece made its 86 MB of panels occupy 422 MB, all zeroed at
/// load (megalodon-bench quant on the Q4_0 file: peak RSS 597 → 226 MB).
public final class HugePageMemory: @unchecked Sendable {
    public let bytes: UnsafeRawBufferPointer
    private let chunk: Chunk

    /// `count` bytes, zero until `fill` writes them (once, before anyone reads).
    public init(count: Int, fill: (UnsafeMutablePointer<UInt8>) -> Void) {
        let (chunk, start) = count > Chunk.shared / 2 ? (Chunk(count: count), 0) : Chunk.slice(count)
        self.chunk = chunk
        let base = chunk.base + start
        fill(base.assumingMemoryBound(to: UInt8.self))
        bytes = UnsafeRawBufferPointer(start: base, count: count)
    }

    /// One mapping, starting on a 2 MiB boundary so whole pages can be huge.
    private final class Chunk: @unchecked Sendable {
        static let huge = 2 << 20
        static let shared = 32 << 20
        let base: UnsafeMutableRawPointer
        let capacity: Int
        private let mapping: UnsafeMutableRawPointer
        private let mappedCount: Int

        init(count: Int) {
            capacity = max(Self.huge, (count + Self.huge - 1) / Self.huge * Self.huge)
            mappedCount = capacity + Self.huge  // room to start on a 2 MiB boundary
            guard let mapped = mmap(nil, mappedCount, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
                mapped != MAP_FAILED
            else {
                fatalError("cannot map \(mappedCount) bytes of anonymous memory")
            }
            mapping = mapped
            base = mapped + ((Self.huge - Int(bitPattern: mapped) % Self.huge) % Self.huge)
            _ = madvise(base, capacity, MADV_HUGEPAGE)  // a hint: without huge pages it still works
        }

        deinit { munmap(mapping, mappedCount) }

        private static let lock = NSLock()
        nonisolated(unsafe) private static var current: Chunk?
        nonisolated(unsafe) private static var used = 0

        /// A 64-byte aligned slice of the chunk being filled, or of a new one when it has no room.
        static func slice(_ count: Int) -> (Chunk, Int) {
            lock.lock()
            defer { lock.unlock() }
            let start = (used + 63) & ~63
            if let chunk = current, start + count <= chunk.capacity {
                used = start + count
                return (chunk, start)
            }
            let chunk = Chunk(count: shared)
            current = chunk
            used = count
            return (chunk, 0)
        }
    }
}
