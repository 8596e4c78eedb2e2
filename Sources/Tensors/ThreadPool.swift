import Dispatch

/// Runs our own kernels on a fixed number of threads. One thread runs the work inline, so a
/// single-threaded benchmark measures the kernel and nothing else.
public final class ThreadPool: @unchecked Sendable {
    public static let shared = ThreadPool(threadCount: 1)

    /// Number of parts work is split into; set once from the command line (`--threads`).
    public var threadCount: Int

    public init(threadCount: Int) {
        self.threadCount = max(1, threadCount)
    }

    /// Calls `body` on disjoint ranges that cover `0..<count`, in parallel, and returns when all are done.
    /// Ranges are at least `minimumChunk` long so that tiny loops stay on one thread.
    public func parallelFor(_ count: Int, minimumChunk: Int = 1, _ body: (Range<Int>) -> Void) {
        guard count > 0 else { return }
        let parts = min(threadCount, max(1, count / max(1, minimumChunk)))
        if parts == 1 {
            body(0..<count)
            return
        }
        withoutActuallyEscaping(body) { body in
            DispatchQueue.concurrentPerform(iterations: parts) { part in
                let start = count * part / parts
                let end = count * (part + 1) / parts
                body(start..<end)
            }
        }
    }
}

/// Sets the thread count of both OpenBLAS and our own kernels.
public func setComputeThreads(_ count: Int) {
    ThreadPool.shared.threadCount = max(1, count)
    BLAS.threadCount = count
}
