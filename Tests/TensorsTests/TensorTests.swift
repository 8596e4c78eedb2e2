import Testing

@testable import Tensors

@Suite("Tensor values and conversions")
struct TensorTests {
    @Test("a tensor converts between f32, f16 and bf16 and back within each type's rounding")
    func convertsBetweenFloatTypes() throws {
        let values: [Float] = [0, 1, -2.5, 3.140625, 65504, 1e-7]
        let tensor = Tensor(values, shape: [2, 3])
        #expect(try tensor.converted(to: .f16).floats() == values.map { Float(Float16($0)) })
        let bf16 = try tensor.converted(to: .bf16)
        #expect(bf16.byteCount == 12)
        #expect(try bf16.floats().prefix(4) == [0, 1, -2.5, 3.140625])
    }

    @Test("integer tensors convert to floats by value, and the shape must match the bytes")
    func integersAndShapeChecks() throws {
        let ints = Tensor([Int64(-3), 7, 1 << 40], shape: [3])
        #expect(try ints.floats() == [-3, 7, Float(1 << 40)])
        let storage = Storage(copying: UnsafeRawBufferPointer(start: nil, count: 0))
        #expect(throws: Tensor.Failure.byteCountMismatch(expected: 4, actual: 0)) {
            try Tensor(dtype: .f32, shape: [1], storage: storage)
        }
        #expect(throws: Tensor.Failure.sizeOverflow([Int.max, 2], .f32)) {
            try Tensor(dtype: .f32, shape: [Int.max, 2], storage: storage)
        }
        #expect(try Tensor(dtype: .f32, shape: [3, 0], storage: storage).elementCount == 0)
    }

    @Test("BLAS linear equals the naive product for one row (sgemv) and many rows (sgemm)")
    func linearMatchesNaiveProduct() {
        let inputs = 37, outputs = 19
        let weight = (0..<(inputs * outputs)).map { Float(($0 * 7919) % 101) / 50 - 1 }
        for rows in [1, 5] {
            let x = (0..<(rows * inputs)).map { Float(($0 * 31) % 17) / 8 - 1 }
            var y = [Float](repeating: 0, count: rows * outputs)
            BLAS.linear(x, rows: rows, inputs: inputs, weight: weight, outputs: outputs, into: &y)
            for r in 0..<rows {
                for o in 0..<outputs {
                    var expected: Double = 0
                    for i in 0..<inputs { expected += Double(x[r * inputs + i]) * Double(weight[o * inputs + i]) }
                    #expect(abs(Double(y[r * outputs + o]) - expected) < 1e-4)
                }
            }
        }
    }

    @Test("the thread pool covers every index exactly once")
    func threadPoolCoversRange() {
        let pool = ThreadPool(threadCount: 3)
        let counts = UnsafeMutableBufferPointer<Int>.allocate(capacity: 1000)
        defer { counts.deallocate() }
        counts.initialize(repeating: 0)
        pool.parallelFor(1000) { range in for i in range { counts[i] += 1 } }
        #expect(counts.allSatisfy { $0 == 1 })
    }

    @Test("segmented jobs cover every index of every segment exactly once, empty segments included")
    func threadPoolCoversSegments() {
        let pool = ThreadPool(threadCount: 3)
        let lengths = [300, 0, 96, 7, 0, 96]
        let total = lengths.reduce(0, +)
        let counts = UnsafeMutableBufferPointer<Int>.allocate(capacity: total)
        defer { counts.deallocate() }
        counts.initialize(repeating: 0)
        let starts = lengths.indices.map { lengths[..<$0].reduce(0, +) }
        pool.parallelFor(segments: lengths, minimumChunk: 16) { segment, range in
            #expect(lengths[segment] > 0 && range.lowerBound >= 0 && range.upperBound <= lengths[segment])
            for i in range { counts[starts[segment] + i] += 1 }
        }
        #expect(counts.allSatisfy { $0 == 1 })
    }
}
