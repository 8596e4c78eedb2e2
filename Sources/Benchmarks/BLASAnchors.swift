import Models
import Tensors

/// What the machine's BLAS achieves on the shapes an engine uses, measured in the same run as the
/// engine so the two figures share the machine's mood (a busy neighbour core, thermal state).
public enum BLASAnchors {
    /// sgemm `x[rows, inputs] · W[outputs, inputs]ᵀ`: timing and GFLOP/s (median).
    public static func sgemm(rows: Int, inputs: Int, outputs: Int, repeats: Int) -> (timing: Timing, gflops: Double) {
        let x = randomValues(rows * inputs), weight = randomValues(outputs * inputs)
        var y = [Float](repeating: 0, count: rows * outputs)
        let timing = Timing.measure(repeats: repeats) {
            x.withUnsafeBufferPointer { x in
                weight.withUnsafeBufferPointer { w in
                    y.withUnsafeMutableBufferPointer { y in
                        guard let x = x.baseAddress, let w = w.baseAddress, let y = y.baseAddress else { return }
                        BLAS.sgemm(
                            transposeB: true, m: rows, n: outputs, k: inputs, a: x, lda: inputs, b: w, ldb: inputs, c: y, ldc: outputs)
                    }
                }
            }
        }
        return (timing, 2 * Double(rows * inputs * outputs) / timing.median / 1e9)
    }

    /// sgemv over a `rows × columns` f32 matrix (make it larger than the caches): timing and GB/s of
    /// matrix bytes streamed (median).
    public static func sgemv(rows: Int, columns: Int, repeats: Int) -> (timing: Timing, gigabytesPerSecond: Double) {
        SgemvStream(rows: rows, columns: columns).measure(repeats: repeats)
    }

    /// An sgemv anchor's matrix, kept to be timed again (e.g. at each thread count of a paired run).
    public struct SgemvStream: Sendable {
        let rows: Int, columns: Int
        let matrix: [Float], x: [Float]

        public init(rows: Int, columns: Int) {
            (self.rows, self.columns) = (rows, columns)
            (matrix, x) = (randomValues(rows * columns), randomValues(columns))
        }

        public func measure(repeats: Int) -> (timing: Timing, gigabytesPerSecond: Double) {
            var y = [Float](repeating: 0, count: rows)
            let timing = Timing.measure(repeats: repeats) {
                matrix.withUnsafeBufferPointer { a in
                    x.withUnsafeBufferPointer { x in
                        y.withUnsafeMutableBufferPointer { y in
                            guard let a = a.baseAddress, let x = x.baseAddress, let y = y.baseAddress else { return }
                            BLAS.sgemv(a, rows: rows, columns: columns, x: x, into: y)
                        }
                    }
                }
            }
            return (timing, Double(rows * columns * 4) / timing.median / 1e9)
        }
    }

    fileprivate static func randomValues(_ count: Int) -> [Float] {
        var generator = SplitMix64(seed: UInt64(count))
        return (0..<count).map { _ in Float(generator.next() >> 40) / Float(1 << 24) - 0.5 }
    }
}
