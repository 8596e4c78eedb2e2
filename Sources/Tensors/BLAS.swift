import COpenBLAS
import Foundation

/// The OpenBLAS calls the engines use, with the shapes spelled out. Row-major throughout.
///
/// `linear` is the one most callers want: it computes `y = x · Wᵀ` for a PyTorch-layout weight
/// `W[outputs, inputs]` and routes a single row to sgemv, since OpenBLAS sgemm with one row is
/// several times slower than sgemv on this class of machine.
public enum BLAS {
    /// Threads OpenBLAS may use for one call.
    public static var threadCount: Int {
        get { Int(openblas_get_num_threads()) }
        set { openblas_set_num_threads(Int32(max(1, newValue))) }
    }

    /// The kernel family OpenBLAS selected when it loaded (e.g. "SkylakeX", "Haswell", "Prescott").
    public static var coreName: String {
        guard let name = openblas_get_corename() else { return "unknown" }
        return String(cString: name)
    }

    /// `y[rows, outputs] (+)= x[rows, inputs] · weight[outputs, inputs]ᵀ`.
    public static func linear(
        _ x: UnsafePointer<Float>, rows: Int, inputs: Int,
        weight: UnsafePointer<Float>, outputs: Int,
        into y: UnsafeMutablePointer<Float>, accumulate: Bool = false
    ) {
        guard rows > 0, outputs > 0 else { return }
        if rows == 1 {
            sgemv(weight, rows: outputs, columns: inputs, x: x, into: y, accumulate: accumulate)
        } else {
            linearRows(
                x, rows: rows, inputs: inputs, weight: weight, outputs: outputs, into: y, outputStride: outputs, accumulate: accumulate)
        }
    }

    /// `linear` of several rows into columns of a wider `y` (row stride `outputStride`): the weight's
    /// rows in up to `linearParts` parts of whole 16-row groups, one single-threaded sgemm each, shared
    /// by the pool's threads. The parts depend on the shape alone, so any thread count gives the same
    /// bits. OpenBLAS threading its own sgemm instead scaled SmolLM2-135M's f32 pp512 1.33× on two threads
    /// (Zen 5) where llama.cpp's own kernels scaled 1.97×.
    public static func linearRows(
        _ x: UnsafePointer<Float>, rows: Int, inputs: Int, weight: UnsafePointer<Float>, outputs: Int,
        into y: UnsafeMutablePointer<Float>, outputStride: Int, accumulate: Bool
    ) {
        guard rows > 0, outputs > 0 else { return }
        let parts = max(1, min(linearParts, outputs / 64))
        let partColumns = (outputs + 16 * parts - 1) / (16 * parts) * 16
        singleThreaded {
            ThreadPool.shared.parallelFor(parts, partsPerThread: parts) { range in
                for part in range {
                    let first = part * partColumns, count = min(partColumns, outputs - part * partColumns)
                    guard count > 0 else { continue }
                    cblas_sgemm(
                        CblasRowMajor, CblasNoTrans, CblasTrans, Int32(rows), Int32(count), Int32(inputs),
                        1, x, Int32(inputs), weight + first * inputs, Int32(inputs), accumulate ? 1 : 0,
                        y + first, Int32(outputStride))
                }
            }
        }
    }

    /// Parts of a several-row product. Each part packs the activation rows again: mega200M's 2-thread
    /// prefill (Zen 5, three alternating runs, against sgemm in the same run) reached 0.75–0.78 with 2
    /// parts, 0.76–0.80 with 4, 0.71–0.75 with 8 and 0.70–0.76 with 16; on one thread 4 parts cost
    /// SmolLM2-135M's f32 pp512 2–5% against one sgemm and mega200M's nothing measurable.
    static let linearParts = 4

    /// `c[m, n] = alpha · op(a) · op(b) + beta · c` with explicit leading dimensions.
    public static func sgemm(
        transposeA: Bool = false, transposeB: Bool = false, m: Int, n: Int, k: Int,
        alpha: Float = 1, a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        guard m > 0, n > 0 else { return }
        shareCores()
        cblas_sgemm(
            CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
            Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }

    /// `y[rows] (+)= a[rows, columns] · x[columns]`.
    public static func sgemv(
        _ a: UnsafePointer<Float>, rows: Int, columns: Int, x: UnsafePointer<Float>,
        into y: UnsafeMutablePointer<Float>, accumulate: Bool = false
    ) {
        guard rows > 0 else { return }
        shareCores()
        cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(rows), Int32(columns), 1, a, Int32(columns), x, 1, accumulate ? 1 : 0, y, 1)
    }

    /// Runs `body` with OpenBLAS on one thread: for sgemm calls made from the pool's parts, which
    /// already occupy every core (OpenBLAS threads its own call otherwise, from whichever thread).
    /// Regions may overlap (tests drive models from several threads): the first to enter sets one
    /// thread and the last to leave restores the count, so no part's sgemm runs threaded and a split
    /// gives the same bits whatever else runs.
    public static func singleThreaded<Result>(_ body: () throws -> Result) rethrows -> Result {
        singleThreadedRegions.enter()
        defer { singleThreadedRegions.leave() }
        return try body()
    }

    private static let singleThreadedRegions = SingleThreadedRegions()

    /// OpenBLAS runs its own threads: our pool's idle workers must not spin on the cores meanwhile.
    private static func shareCores() {
        if ThreadPool.shared.threadCount > 1 && threadCount > 1 { ThreadPool.shared.releaseCores() }
    }
}

/// The open `BLAS.singleThreaded` regions and the thread count to restore when the last one closes.
private final class SingleThreadedRegions: @unchecked Sendable {
    private let lock = NSLock()
    private var open = 0
    private var savedThreads = 1

    func enter() {
        lock.lock()
        defer { lock.unlock() }
        if open == 0 {
            savedThreads = BLAS.threadCount
            if savedThreads > 1 { BLAS.threadCount = 1 }
        }
        open += 1
    }

    func leave() {
        lock.lock()
        defer { lock.unlock() }
        open -= 1
        if open == 0, savedThreads > 1 { BLAS.threadCount = savedThreads }
    }
}
