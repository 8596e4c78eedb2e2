import CQuantKernels
import Foundation
import Tensors

/// `y = W · x` for a bf16 weight matrix `W[outputs, inputs]` and one f32 row `x` (decode), with the
/// kernels reading the bf16 weights directly (`bf16_matvec.c`): AVX-512F widening where the CPU has
/// it, else AVX2 widening, else a portable loop, chosen at run time; all compute exact f32 products.
/// AVX-512 BF16 `vdpbf16ps` (x rounded to ~16 mantissa bits) is used only when forced:
/// `MEGALODON_BF16_KERNEL=portable|avx2-widen|avx512f-widen|avx512-bf16` (benchmarks compare them).
public enum BFloat16MatVec {
    public enum Variant: Int32, CaseIterable, Sendable, CustomStringConvertible, RuntimeSelectedKernel {
        case portable = 0
        case avx512Widen = 1
        case avx512BF16 = 2
        case avx2Widen = 3

        public var isAvailable: Bool { bf16mv_available(rawValue) != 0 }
        public var description: String { String(cString: bf16mv_name(rawValue)) }

        /// The variant used by default: the environment's choice if available, else the best exact one the CPU has.
        public static let selected = runtimeChoice(
            overriddenBy: "MEGALODON_BF16_KERNEL", otherwise: Variant(rawValue: bf16mv_best()) ?? .portable)
    }

    /// `y[outputs] (+)= W · x`; rows are shared among the pool's threads.
    public static func apply(
        _ weights: UnsafePointer<UInt16>, outputs: Int, inputs: Int, x: UnsafePointer<Float>,
        into y: UnsafeMutablePointer<Float>, accumulate: Bool = false, variant: Variant = .selected,
        pool: ThreadPool = .shared
    ) {
        apply([Product(weights, rows: outputs, into: y)], inputs: inputs, x: x, accumulate: accumulate, variant: variant, pool: pool)
    }

    public typealias Product = MatrixVectorProduct<UInt16>

    /// Several matrices of `inputs` columns times the same `x`, as one job on the pool (x is
    /// prepared once for all of them).
    public static func apply(
        _ products: [Product], inputs: Int, x: UnsafePointer<Float>, accumulate: Bool = false,
        variant: Variant = .selected, pool: ThreadPool = .shared
    ) {
        precondition(variant.isAvailable, "bf16 kernel \(variant) is not available on this CPU")
        let preparedCount = bf16mv_prepared_count(variant.rawValue, inputs)
        let prepared = UnsafeMutablePointer<UInt16>.allocate(capacity: max(preparedCount, 1))
        defer { prepared.deallocate() }
        bf16mv_prepare(variant.rawValue, x, inputs, prepared)
        pool.parallelFor(segments: products.map(\.rows), minimumChunk: 64) { index, range in
            let product = products[index]
            if !accumulate {
                bf16mv_rows(
                    variant.rawValue, product.weights, inputs, x, prepared, range.lowerBound, range.upperBound,
                    product.output + range.lowerBound)
                return
            }
            let partial = UnsafeMutablePointer<Float>.allocate(capacity: range.count)
            defer { partial.deallocate() }
            bf16mv_rows(variant.rawValue, product.weights, inputs, x, prepared, range.lowerBound, range.upperBound, partial)
            for offset in 0..<range.count { product.output[range.lowerBound + offset] += partial[offset] }
        }
    }
}
