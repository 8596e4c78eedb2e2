import Foundation

/// Small row kernels shared by the engines. Plain loops over SIMD vectors; the hot matrix products
/// go to BLAS instead.
enum VectorMath {
    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
        var sum0 = SIMD8<Float>(), sum1 = SIMD8<Float>()
        var i = 0
        while i + 16 <= count {
            sum0 += UnsafeRawPointer(a + i).loadUnaligned(as: SIMD8<Float>.self) * UnsafeRawPointer(b + i).loadUnaligned(as: SIMD8<Float>.self)
            sum1 += UnsafeRawPointer(a + i + 8).loadUnaligned(as: SIMD8<Float>.self) * UnsafeRawPointer(b + i + 8).loadUnaligned(as: SIMD8<Float>.self)
            i += 16
        }
        var total = (sum0 + sum1).sum()
        while i < count {
            total += a[i] * b[i]
            i += 1
        }
        return total
    }

    /// `y += a · x` over `count` values.
    static func addScaled(_ x: UnsafePointer<Float>, by a: Float, into y: UnsafeMutablePointer<Float>, count: Int) {
        var i = 0
        let scale = SIMD8<Float>(repeating: a)
        while i + 8 <= count {
            let sum = UnsafeRawPointer(y + i).loadUnaligned(as: SIMD8<Float>.self) + scale * UnsafeRawPointer(x + i).loadUnaligned(as: SIMD8<Float>.self)
            UnsafeMutableRawPointer(y + i).storeBytes(of: sum, as: SIMD8<Float>.self)
            i += 8
        }
        while i < count {
            y[i] += a * x[i]
            i += 1
        }
    }

    @inline(__always)
    static func silu(_ x: Float) -> Float { x / (1 + exp(-x)) }

    /// `x ← silu(x)` elementwise.
    static func applySiLU(_ x: inout [Float]) {
        for i in x.indices { x[i] = silu(x[i]) }
    }

    /// `x ← silu(x) ⊙ gate` elementwise (the SwiGLU product).
    static func multiplySiLU(_ x: inout [Float], by gate: [Float]) {
        precondition(x.count == gate.count, "SwiGLU halves differ in size")
        for i in x.indices { x[i] = silu(x[i]) * gate[i] }
    }

    /// `rows` rows of `width` values get `bias` added to each row.
    static func addBias(_ bias: [Float], to x: inout [Float], rows: Int) {
        let width = bias.count
        for row in 0..<rows {
            for j in 0..<width { x[row * width + j] += bias[j] }
        }
    }

    /// Softmax of `count` values in place, in float with the maximum subtracted first.
    static func softmax(_ x: UnsafeMutablePointer<Float>, count: Int) {
        guard count > 0 else { return }
        var maximum = -Float.infinity
        for i in 0..<count { maximum = max(maximum, x[i]) }
        var total: Float = 0
        for i in 0..<count {
            x[i] = exp(x[i] - maximum)
            total += x[i]
        }
        let scale = 1 / total
        for i in 0..<count { x[i] *= scale }
    }
}
