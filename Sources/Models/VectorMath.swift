import CQuantKernels
import Foundation
import Tensors

/// Small row kernels shared by the engines. Plain loops over SIMD vectors, or the C row kernels
/// (`row_kernels.h`: vectorised exp) where a profile found scalar `exp` loops; the hot matrix
/// products go to BLAS and the quantized kernels instead.
enum VectorMath {
    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
        var sum0 = SIMD8<Float>(), sum1 = SIMD8<Float>()
        var i = 0
        while i + 16 <= count {
            sum0 +=
                UnsafeRawPointer(a + i).loadUnaligned(as: SIMD8<Float>.self) * UnsafeRawPointer(b + i).loadUnaligned(as: SIMD8<Float>.self)
            sum1 +=
                UnsafeRawPointer(a + i + 8).loadUnaligned(as: SIMD8<Float>.self)
                * UnsafeRawPointer(b + i + 8).loadUnaligned(as: SIMD8<Float>.self)
            i += 16
        }
        var total = (sum0 + sum1).sum()
        while i < count {
            total += a[i] * b[i]
            i += 1
        }
        return total
    }

    /// Elements a thread should get before a split pays for the pool hand-off: a decode row stays on
    /// the calling thread. The SiLU kernel works lane by lane, so a value does not depend on where a
    /// part starts and any split gives the same results.
    static let siluElementsPerPart = 16_384

    /// `x ← silu(x)` elementwise.
    static func applySiLU(_ x: inout [Float]) {
        let count = x.count
        x.withUnsafeMutableBufferPointer { xs in
            guard let base = xs.baseAddress else { return }
            applySiLU(base, count: count, gatedBy: nil)
        }
    }

    /// `x ← silu(x)`, or `x ← silu(x) ⊙ up` (the SwiGLU product) when `up` is given, over `count` values.
    static func applySiLU(_ x: UnsafeMutablePointer<Float>, count: Int, gatedBy up: UnsafePointer<Float>?) {
        ThreadPool.shared.parallelFor(count, minimumChunk: siluElementsPerPart) { part in
            rk_silu(x + part.lowerBound, up.map { $0 + part.lowerBound }, part.count)
        }
    }

    /// `rows` rows of `width` values get `bias` added to each row.
    static func addBias(_ bias: [Float], to x: inout [Float], rows: Int) {
        x.withUnsafeMutableBufferPointer { xs in
            guard let base = xs.baseAddress else { return }
            addBias(bias, to: base, rows: rows)
        }
    }

    /// The same on a buffer of `rows · bias.count` values.
    static func addBias(_ bias: [Float], to x: UnsafeMutablePointer<Float>, rows: Int) {
        let width = bias.count
        for row in 0..<rows {
            for j in 0..<width { x[row * width + j] += bias[j] }
        }
    }

    /// Softmax of `count` values in place, in float with the maximum subtracted first.
    static func softmax(_ x: UnsafeMutablePointer<Float>, count: Int) {
        guard count > 0 else { return }
        rk_softmax(x, count)
    }
}
