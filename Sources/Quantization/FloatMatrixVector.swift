import CQuantKernels
import Tensors

/// `y = W · x` for f32 weights and one activation row with our AVX-512 kernel (`qk_f32_matvec`), split
/// across `ThreadPool.shared`: used for decode where it streams the weights faster than OpenBLAS
/// sgemv (measured by `megalodon-bench quant-kernels`; see BENCHMARKS.md).
public enum FloatMatrixVector {
    /// Whether the kernel runs here: the preferred kernel variant is AVX-512 VNNI (so
    /// `MEGALODON_KERNEL=avx2` also turns it off); otherwise callers use BLAS sgemv.
    public static let isAvailable = KernelVariant.preferred == .avx512VNNI

    /// y[rows] = weight[rows, columns] · x[columns]. Requires `isAvailable`.
    public static func apply(
        _ weight: UnsafePointer<Float>, rows: Int, columns: Int, x: UnsafePointer<Float>,
        into y: UnsafeMutablePointer<Float>
    ) {
        precondition(isAvailable, "the f32 matrix-vector kernel needs AVX-512")
        let chunk = max(16, 262_144 / max(columns, 1))
        ThreadPool.shared.parallelFor(rows, minimumChunk: chunk) { range in
            _ = qk_f32_matvec(KernelVariant.avx512VNNI.rawValue, weight, columns, x, range.lowerBound, range.upperBound, y)
        }
    }
}
