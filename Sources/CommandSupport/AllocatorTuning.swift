import Foundation

/// glibc malloc settings for the engines' allocation pattern: every layer of a prefill allocates and
/// frees activation arrays of 1–30 MB. By default glibc serves those with fresh `mmap`s (or trims
/// them off the heap top when freed), so each call page-faults and zeroes its buffers again: 18% of a
/// SmolLM2 pp512 profile was the kernel clearing pages. Serving them from a heap that keeps freed
/// memory makes the second call reuse the first call's pages.
public enum AllocatorTuning {
    /// Call once at start-up, before large allocations.
    public static func keepFreedMemory() {
        #if os(Linux)
        _ = glibcMallopt(-3, 32 << 20)  // M_MMAP_THRESHOLD: glibc's maximum on 64-bit
        _ = glibcMallopt(-1, 512 << 20)  // M_TRIM_THRESHOLD
        _ = glibcMallopt(-2, 16 << 20)  // M_TOP_PAD
        #endif
    }

    /// For the streaming tools (convert, init, quantize): every buffer of 1 MB or more gets its own
    /// mapping and goes back to the kernel when freed. By default glibc raises its mmap threshold to
    /// the largest buffer freed (up to 32 MB), then serves tensor slices from a heap that kept growing:
    /// `init --official-shards 4` of mega7.3B held 3.2 GB, a whole rank file's worth of slices.
    public static func returnFreedMemory() {
        #if os(Linux)
        _ = glibcMallopt(-3, 1 << 20)  // M_MMAP_THRESHOLD, fixed (no dynamic raise)
        #endif
    }
}

#if os(Linux)
// <malloc.h> is not part of Swift's Glibc module.
@_silgen_name("mallopt")
private func glibcMallopt(_ parameter: Int32, _ value: Int32) -> Int32
#endif
