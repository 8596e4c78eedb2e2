import CQuantKernels
import Tensors

/// `y = W · x` for f32 weights and one activation row with our AVX2 or AVX-512 kernel
/// (`qk_f32_matvec`), split across `ThreadPool.shared`: used for decode where it streams the weights
/// faster than OpenBLAS sgemv (measured by `megalodon-bench quant-kernels`; see BENCHMARKS.md).
public enum FloatMatrixVector {
    /// Whether the kernel runs here: the preferred kernel variant has one (`MEGALODON_KERNEL=portable`
    /// turns it off); otherwise callers use BLAS sgemv.
    public static let isAvailable = hasKernel(.preferred)

    /// Whether `variant` has an f32 one-row kernel and runs on this CPU.
    public static func hasKernel(_ variant: KernelVariant) -> Bool { variant != .portable && variant.isAvailable }

    /// y[rows] = weight[rows, columns] · x[columns]. Requires `hasKernel(variant)`.
    public static func apply(
        _ weight: UnsafePointer<Float>, rows: Int, columns: Int, x: UnsafePointer<Float>,
        into y: UnsafeMutablePointer<Float>, variant: KernelVariant = .preferred
    ) {
        apply([Product(weight, rows: rows, into: y)], columns: columns, x: x, variant: variant)
    }

    public typealias Product = MatrixVectorProduct<Float>

    /// Several matrices of `columns` columns times the same `x`, as one job on the thread pool.
    public static func apply(_ products: [Product], columns: Int, x: UnsafePointer<Float>, variant: KernelVariant = .preferred) {
        precondition(hasKernel(variant), "no f32 matrix-vector kernel for \(variant) on this CPU")
        DecodeTiling.settle(DecodeTiling.TileClass(floatColumns: columns), variant: variant, columns: columns)
        let chunk = max(16, 262_144 / max(columns, 1))
        ThreadPool.shared.parallelFor(segments: products.map(\.rows), minimumChunk: chunk) { index, range in
            let product = products[index]
            _ = qk_f32_matvec(variant.rawValue, product.weights, columns, x, range.lowerBound, range.upperBound, product.output)
        }
    }
}
