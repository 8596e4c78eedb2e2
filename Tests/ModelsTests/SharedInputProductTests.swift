import Quantization
import Tensors
import TestSupport
import Testing

@testable import Models

/// `WeightMatrix.apply(_:to:rows:)` runs products that share an input (Q, K, V; gate and up) as one
/// job; each output row is still one kernel call's arithmetic, so the fused result must equal the
/// matrices applied one at a time bit for bit, whether the parts split at matrix boundaries or
/// inside a matrix (two threads). The pool is global: tests run one at a time.
@Suite("products sharing an input", .serialized)
struct SharedInputProductTests {
    /// Three matrices of 320 columns with 300, 96 and 96 rows (a Q, K, V shape in miniature).
    static func matrices(_ kind: String) throws -> [WeightMatrix] {
        var generator = SeededGenerator(seed: 17)
        return try [300, 96, 96].enumerated().map { index, outputs in
            let values = generator.normals(outputs * 320, scale: 0.05)
            let name = "m\(index)"
            switch kind {
            case "q8_0", "q4_0", "q4_1", "int8-g32-sym", "int4-g64-asym":
                let scheme = try QuantizationScheme(parsing: kind)
                let matrix = try values.withUnsafeBufferPointer { try Quantizer.quantize($0, rows: outputs, columns: 320, scheme: scheme) }
                return WeightMatrix(matrix, name: name)
            case "q4_0-float":
                let matrix = try values.withUnsafeBufferPointer { try Quantizer.quantize($0, rows: outputs, columns: 320, scheme: .q4_0) }
                return WeightMatrix(matrix, name: name, arithmetic: .float)
            default:
                let dtype = try #require(DType(rawValue: kind))
                return try WeightMatrix(Tensor(floats: values, shape: [outputs, 320], dtype: dtype), name: name)
            }
        }
    }

    @Test(
        "fused products equal separate ones bit for bit, one and two threads",
        arguments: ["F32", "BF16", "F16", "q8_0", "q4_0", "q4_1", "int8-g32-sym", "int4-g64-asym", "q4_0-float"], [1, 3])
    func fusedEqualsSeparate(kind: String, rows: Int) throws {
        let matrices = try Self.matrices(kind)
        var generator = SeededGenerator(seed: 3)
        let x = generator.normals(rows * 320)
        let separate = matrices.map { $0.apply(x, rows: rows) }
        let pool = ThreadPool.shared
        let previous = pool.threadCount
        defer { pool.threadCount = previous }
        for threads in [1, 2] {
            pool.threadCount = threads
            let fused = WeightMatrix.apply(matrices, to: x, rows: rows)
            #expect(fused.map(\.count) == matrices.map { rows * $0.outputs })
            for index in matrices.indices {
                let same = fused[index].elementsEqual(separate[index]) { $0.bitPattern == $1.bitPattern }
                #expect(same, "\(kind), \(rows) rows, \(threads) threads: matrix \(index) differs")
            }
        }
    }
}
