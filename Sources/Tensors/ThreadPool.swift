import CSpinWait
import Dispatch
import Foundation
import Synchronization

/// Runs our own kernels on a fixed number of threads. One thread runs the work inline, so a
/// single-threaded benchmark measures the kernel and nothing else.
///
/// Decode calls it about 200 times a token for pieces of 20–100 µs, so the hand-off has to cost far
/// less than that: workers are started once and spin up to 2 ms between calls (then sleep on a
/// semaphore), and parts are claimed from a shared counter, the caller taking parts too, so a worker
/// descheduled by a busy neighbour core delays at most the one part it holds and never makes two
/// threads slower than one. `DispatchQueue.concurrentPerform`, used before, cost tens of µs a call.
/// Spinning loops pause between checks (x86 PAUSE): the habit of spin-waits, for a vCPU whose host core
/// runs another thread beside it (no effect beyond the VM's swing measured on Zen 4: 9 of 16 pairs).
public final class ThreadPool: @unchecked Sendable {
    public static let shared = ThreadPool(threadCount: 1)

    /// Number of threads work is split over; set once from the command line (`--threads`).
    public var threadCount: Int {
        didSet { threadCount = max(1, threadCount) }
    }

    /// The current job: generation in the high 32 bits, next unclaimed part in the low 32.
    private let ticket = Atomic<Int>(0)
    private let finished = Atomic<Int>(0)
    private let sleepers = Atomic<Int>(0)
    /// Set by `releaseCores()`: idle workers sleep at once instead of spinning out their budget.
    private let released = Atomic<Bool>(false)
    private let wake = DispatchSemaphore(value: 0)
    private let calls = NSLock()
    /// The current job's parts, read by workers through `Unmanaged` so that no thread retains it: a
    /// closure stored here was retained and released by every thread for every part, and the two
    /// cores' atomic updates of its reference count were 5–8% of a SmolLM2 2-thread decode.
    private var job: Unmanaged<Job>?
    private var jobParts = 0
    private var generation = 0
    private var workersStarted = 0

    public init(threadCount: Int) {
        self.threadCount = max(1, threadCount)
    }

    /// Calls `body` on disjoint ranges that cover `0..<count`, in parallel, and returns when all are done.
    /// Ranges are at least `minimumChunk` long so that tiny loops stay on one thread, and there are at most
    /// `partsPerThread` × threads of them: with two, a part stuck on a descheduled worker is half a
    /// thread's share; more parts cost a claim each (tens of ns) and keep the threads' finishing times closer.
    public func parallelFor(_ count: Int, minimumChunk: Int = 1, partsPerThread: Int = 2, _ body: (Range<Int>) -> Void) {
        guard count > 0 else { return }
        let threads = threadCount
        let parts = min(max(1, partsPerThread) * threads, max(1, count / max(1, minimumChunk)))
        if threads == 1 || parts == 1 {
            body(0..<count)
            return
        }
        guard calls.try() else {
            // A call from inside a part, or from another thread meanwhile: no pool for it.
            withoutActuallyEscaping(body) { body in
                DispatchQueue.concurrentPerform(iterations: parts) { part in body(count * part / parts..<count * (part + 1) / parts) }
            }
            return
        }
        defer { calls.unlock() }
        startWorkers(threads - 1)
        withoutActuallyEscaping(body) { body in
            let current = Job { part in body(count * part / parts..<count * (part + 1) / parts) }
            job = Unmanaged.passUnretained(current)
            defer { withExtendedLifetime(current) {} }
            jobParts = parts
            generation = (generation + 1) & 0x7FFF_FFFF
            finished.store(0, ordering: .relaxed)
            released.store(false, ordering: .relaxed)
            ticket.store(generation << 32, ordering: .releasing)
            let asleep = sleepers.load(ordering: .sequentiallyConsistent)
            for _ in 0..<min(asleep, threads - 1) { wake.signal() }
            runParts(generation: generation)
            var waiting = SpinBudget(nanoseconds: Self.callerSpinNanoseconds)
            while finished.load(ordering: .acquiring) < parts {
                if waiting.isSpent() { sched_yield() } else { spin_wait_pause() }
            }
            job = nil
        }
    }

    /// Runs `body(segment, range)` over consecutive segments of the given lengths as one parallel job,
    /// `range` counting from the segment's start. Decode multiplies one activation row by several
    /// matrices (Q, K, V; gate and up): one hand-off for all of them instead of one each, and the
    /// small ones (K and V, a single part on their own) are shared between threads with the rest.
    public func parallelFor(
        segments lengths: [Int], minimumChunk: Int = 1, partsPerThread: Int = 2, _ body: (_ segment: Int, _ range: Range<Int>) -> Void
    ) {
        var starts = [0]
        for length in lengths { starts.append(starts[starts.count - 1] + max(0, length)) }
        starts.withUnsafeBufferPointer { starts in
            parallelFor(segmentStarts: starts, minimumChunk: minimumChunk, partsPerThread: partsPerThread, body)
        }
    }

    /// The same with the segments given by their starts (`segments + 1` ascending offsets from 0, the
    /// last the total), for callers that keep them from call to call (decode's prepared products).
    public func parallelFor(
        segmentStarts starts: UnsafeBufferPointer<Int>, minimumChunk: Int = 1, partsPerThread: Int = 2,
        _ body: (_ segment: Int, _ range: Range<Int>) -> Void
    ) {
        guard let total = starts.last else { return }
        parallelFor(total, minimumChunk: minimumChunk, partsPerThread: partsPerThread) { range in
            for segment in 0..<starts.count - 1 {
                let lower = max(range.lowerBound, starts[segment]), upper = min(range.upperBound, starts[segment + 1])
                if lower < upper { body(segment, lower - starts[segment]..<upper - starts[segment]) }
            }
        }
    }

    /// Sends idle workers to sleep now rather than after their spin budget: called before work that
    /// brings its own threads (multi-threaded OpenBLAS), which a spinning worker would keep off the
    /// second core. The next `parallelFor` wakes them.
    public func releaseCores() {
        if !released.load(ordering: .relaxed) { released.store(true, ordering: .relaxed) }
    }

    /// Claims and runs parts of job `generation` until none is left.
    private func runParts(generation: Int) {
        while true {
            let current = ticket.load(ordering: .acquiring)
            guard current >> 32 == generation, current & 0xFFFF_FFFF < jobParts else { return }
            guard ticket.compareExchange(expected: current, desired: current + 1, ordering: .acquiringAndReleasing).exchanged else {
                continue
            }
            job?._withUnsafeGuaranteedRef { $0.run(current & 0xFFFF_FFFF) }
            finished.add(1, ordering: .releasing)
        }
    }

    private func startWorkers(_ wanted: Int) {
        while workersStarted < wanted {
            workersStarted += 1
            // Workers keep their pool alive: they never exit, and a pool released under a spinning
            // worker (an `unowned` capture) crashed the test process. Pools are meant to live as long
            // as the process (`shared`); a short-lived one leaves its idle workers asleep on `wake`.
            let thread = Thread { [self] in self.work() }
            thread.stackSize = 1 << 20
            thread.start()
        }
    }

    private func work() {
        var seen = ticket.load(ordering: .acquiring) >> 32
        while true {
            var idle = SpinBudget(nanoseconds: Self.workerSpinNanoseconds)
            var current = ticket.load(ordering: .acquiring) >> 32
            while current == seen {
                if idle.isSpent() || released.load(ordering: .relaxed) {
                    sleepers.add(1, ordering: .sequentiallyConsistent)
                    if ticket.load(ordering: .sequentiallyConsistent) >> 32 == seen { wake.wait() }
                    sleepers.subtract(1, ordering: .sequentiallyConsistent)
                    idle = SpinBudget(nanoseconds: Self.workerSpinNanoseconds)
                }
                spin_wait_pause()
                current = ticket.load(ordering: .acquiring) >> 32
            }
            seen = current
            runParts(generation: current)
        }
    }

    /// How long an idle worker spins before it sleeps. Decode leaves gaps of tens of µs between
    /// calls (norms, attention of short contexts, sampling); a worker that sleeps in them is woken
    /// through the kernel (tens of µs on a VM) and the caller does its parts meanwhile. SmolLM2-135M
    /// Q4_0, 2 threads, 640 tokens: 20 µs of spinning made 9,048 futex calls and 3,878 context switches
    /// (206 tok/s); 2 ms made 24 and 142 (265 tok/s).
    static let workerSpinNanoseconds: UInt64 = 2_000_000
    /// How long the caller spins for the parts other threads hold before it yields its core between
    /// checks (a worker preempted by another process then gets to run).
    static let callerSpinNanoseconds: UInt64 = 50_000
}

/// One `parallelFor` call's work, alive for the duration of the call.
private final class Job {
    let run: (Int) -> Void
    init(_ run: @escaping (Int) -> Void) { self.run = run }
}

/// Spinning with a time limit: the clock is read every 256 checks, not on each.
struct SpinBudget {
    private let nanoseconds: UInt64
    private var started: UInt64 = 0
    private var checks = 0
    private var spent = false

    init(nanoseconds: UInt64) { self.nanoseconds = nanoseconds }

    /// Counts one check; true once the budget has run out.
    mutating func isSpent() -> Bool {
        guard !spent else { return true }
        checks += 1
        guard checks & 255 == 0 else { return false }
        let now = DispatchTime.now().uptimeNanoseconds
        if started == 0 { started = now }
        spent = now - started > nanoseconds
        return spent
    }
}

/// Sets the thread count of both OpenBLAS and our own kernels.
public func setComputeThreads(_ count: Int) {
    ThreadPool.shared.threadCount = max(1, count)
    BLAS.threadCount = count
}
