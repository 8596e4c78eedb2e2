import Foundation

/// Anonymous memory asked for in 2 MiB huge pages (`MADV_HUGEPAGE`; the VMs run transparent huge
/// pages in madvise mode), for weights that decode streams once per token: with 4 KiB pages a
/// 135M-parameter model's 86 MB of 4-bit panels cost 21,000 TLB misses a token, and the hardware
/// prefetchers stop at every 4 KiB boundary. The start is 2 MiB aligned so whole pages can be huge.
public final class HugePageMemory: @unchecked Sendable {
    public let bytes: UnsafeRawBufferPointer
    private let mapping: UnsafeMutableRawPointer
    private let mappedCount: Int

    /// `count` bytes, zero until `fill` writes them (once, before anyone reads).
    public init(count: Int, fill: (UnsafeMutablePointer<UInt8>) -> Void) {
        let huge = 2 << 20
        let rounded = max(huge, (count + huge - 1) / huge * huge)
        mappedCount = rounded + huge  // room to start on a 2 MiB boundary
        guard let mapped = mmap(nil, mappedCount, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
              mapped != MAP_FAILED else {
            fatalError("cannot map \(mappedCount) bytes of anonymous memory")
        }
        mapping = mapped
        let aligned = mapped + ((huge - Int(bitPattern: mapped) % huge) % huge)
        _ = madvise(aligned, rounded, MADV_HUGEPAGE)  // a hint: without huge pages it still works
        fill(aligned.assumingMemoryBound(to: UInt8.self))
        bytes = UnsafeRawBufferPointer(start: aligned, count: count)
    }

    deinit { munmap(mapping, mappedCount) }
}
