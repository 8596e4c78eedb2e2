import Tensors
import TestSupport
import Testing

@testable import Quantization

/// The f32 one-row kernel against a Double reference on odd shapes (tails of 1–31 columns, row tiles
/// of 4 and remainders), for each variant that has one (a variant this CPU cannot run fails with the
/// reason, as in the other kernel tests), and with two threads against one.
struct FloatMatrixVectorTests {
    static let variants = KernelVariant.allCases.filter { $0 != .portable }

    @Test func thePreferredVariantHasAKernel() {
        #expect(FloatMatrixVector.isAvailable == (KernelVariant.preferred != .portable))
        #expect(!FloatMatrixVector.hasKernel(.portable))
    }

    @Test(arguments: variants)
    func matchesReference(_ variant: KernelVariant) throws {
        try KernelVariantCoverage.prerequisite(variant).check()
        #expect(FloatMatrixVector.hasKernel(variant))
        var generator = SeededGenerator(seed: 17)
        for (rows, columns) in [(1, 1), (3, 15), (4, 16), (5, 33), (7, 576), (9, 1536), (13, 2053)] {
            let w = generator.normals(rows * columns, scale: 0.1), x = generator.normals(columns)
            var y = [Float](repeating: .nan, count: rows)
            w.withUnsafeBufferPointer { w in
                x.withUnsafeBufferPointer { x in
                    y.withUnsafeMutableBufferPointer {
                        FloatMatrixVector.apply(
                            w.baseAddress!, rows: rows, columns: columns, x: x.baseAddress!, into: $0.baseAddress!, variant: variant)
                    }
                }
            }
            for r in 0..<rows {
                var exact = 0.0, magnitude = 0.0
                for c in 0..<columns {
                    exact += Double(w[r * columns + c]) * Double(x[c])
                    magnitude += abs(Double(w[r * columns + c]) * Double(x[c]))
                }
                #expect(
                    abs(Double(y[r]) - exact) <= 1e-6 * magnitude + 1e-30, "\(variant) \(rows)×\(columns) row \(r): \(y[r]) vs \(exact)")
            }
        }
    }

    @Test func twoThreadsMatchOne() throws {
        guard FloatMatrixVector.isAvailable else { return }
        var generator = SeededGenerator(seed: 3)
        let (rows, columns) = (1030, 600)
        let w = generator.normals(rows * columns), x = generator.normals(columns)
        func run() -> [Float] {
            var y = [Float](repeating: 0, count: rows)
            w.withUnsafeBufferPointer { w in
                x.withUnsafeBufferPointer { x in
                    y.withUnsafeMutableBufferPointer {
                        FloatMatrixVector.apply(w.baseAddress!, rows: rows, columns: columns, x: x.baseAddress!, into: $0.baseAddress!)
                    }
                }
            }
            return y
        }
        let single = run()
        let pool = ThreadPool.shared
        let previous = pool.threadCount
        pool.threadCount = 2
        defer { pool.threadCount = previous }
        #expect(run() == single)
    }
}
