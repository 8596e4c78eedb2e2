import COpenBLAS

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
            shareCores()
            cblas_sgemm(
                CblasRowMajor, CblasNoTrans, CblasTrans, Int32(rows), Int32(outputs), Int32(inputs),
                1, x, Int32(inputs), weight, Int32(inputs), accumulate ? 1 : 0, y, Int32(outputs))
        }
    }

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

    /// OpenBLAS runs its own threads: our pool's idle workers must not spin on the cores meanwhile.
    private static func shareCores() {
        if ThreadPool.shared.threadCount > 1 { ThreadPool.shared.releaseCores() }
    }
}
