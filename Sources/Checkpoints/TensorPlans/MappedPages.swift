import Foundation
import Tensors

/// Hands the pages of a memory-mapped tensor back to the kernel once it has been copied, so that
/// streaming through a checkpoint larger than RAM keeps the resident set near one tensor.
enum MappedPages {
    static func release(_ tensor: Tensor) { release(tensor, bytes: 0..<tensor.byteCount) }

    /// The same for the whole pages inside `bytes` of the tensor (a window already copied).
    static func release(_ tensor: Tensor, bytes: Range<Int>) {
        guard tensor.storage.isMapped, let base = tensor.bytes.baseAddress, !bytes.isEmpty, bytes.upperBound <= tensor.byteCount
        else { return }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let start = (Int(bitPattern: base) + bytes.lowerBound + page - 1) / page * page
        let end = (Int(bitPattern: base) + bytes.upperBound) / page * page
        guard end > start, let pointer = UnsafeMutableRawPointer(bitPattern: start) else { return }
        // Read-only private mapping: dropping the pages loses nothing; a later read maps them again.
        _ = madvise(pointer, end - start, Int32(MADV_DONTNEED))
    }

    /// Faults in the pages of a memory-mapped tensor with one call before it is read: the kernel
    /// reads the whole range with large requests instead of one fault (and a small readahead) per
    /// 4 KiB page, which costs less CPU, a scarce thing on a busy 2-core machine. No-op for owned
    /// tensors and kernels without MADV_POPULATE_READ (Linux < 5.14), where WILLNEED is asked instead.
    static func prefetch(_ tensor: Tensor) { prefetch(tensor, bytes: 0..<tensor.byteCount) }

    /// The same for `bytes` of the tensor (the next window to copy).
    static func prefetch(_ tensor: Tensor, bytes: Range<Int>) {
        guard tensor.storage.isMapped, let base = tensor.bytes.baseAddress, !bytes.isEmpty, bytes.upperBound <= tensor.byteCount
        else { return }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let start = (Int(bitPattern: base) + bytes.lowerBound) / page * page
        let end = Int(bitPattern: base) + bytes.upperBound
        guard let pointer = UnsafeMutableRawPointer(bitPattern: start) else { return }
        let populateRead: Int32 = 22  // MADV_POPULATE_READ
        if madvise(pointer, end - start, populateRead) != 0 { _ = madvise(pointer, end - start, Int32(MADV_WILLNEED)) }
    }
}
