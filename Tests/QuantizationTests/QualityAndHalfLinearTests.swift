import Foundation
import Tensors
import TestSupport
import Testing

@testable import Quantization

struct QualityAndHalfLinearTests {
    @Test func qualityStatisticsFollowTheirDefinitions() {
        let quality = QuantizationQuality(original: [1, -1, 1, -1], restored: [1.5, -1, 1, -1])
        #expect(quality.rmsError == 0.25)
        #expect(quality.rms == 1)
        #expect(quality.relativeRMSError == 0.25)
        #expect(quality.maxAbsoluteError == 0.5)
        #expect(QuantizationQuality(original: [0, 0], restored: [0, 0]).relativeRMSError == 0)
    }

    /// llama.cpp's tests/test-quantize-fns.cpp recipe: data 0.1 + 2·cos(i + offset), n = 32·128,
    /// quantize then dequantize, and require sqrt(Σ err²)/n < MAX_QUANTIZATION_TOTAL_ERROR = 0.002.
    @Test(arguments: ["q8_0", "q4_0", "q4_1", "int8-g32-sym-f16", "int8-row-sym-f32", "int4-g32-asym-f16", "int4-g128-sym-f16"])
    func llamaCppTotalErrorThreshold(_ text: String) throws {
        let n = 32 * 128
        let data = (0..<n).map { Float(0.1 + 2 * cos(Double($0) + 0.0)) }
        let matrix = try data.withUnsafeBufferPointer {
            try Quantizer.quantize($0, rows: 1, columns: n, scheme: QuantizationScheme(parsing: text))
        }
        let quality = QuantizationQuality(original: data, matrix: matrix)
        let totalError = quality.rmsError * Double(n).squareRoot() / Double(n)
        #expect(totalError < 0.002, "\(text): \(totalError)")
    }

    @Test(arguments: [DType.f16, DType.bf16])
    func halfPrecisionLinearMatchesWidenedReference(_ dtype: DType) throws {
        var generator = SeededGenerator(seed: dtype == .f16 ? 3 : 4)
        for (outputs, inputs, rows) in [(5, 7, 1), (9, 64, 2), (33, 130, 3), (2, 1000, 1)] {
            let values = generator.normals(outputs * inputs, scale: 0.3)
            let weight = try Tensor(values, shape: [outputs, inputs]).converted(to: dtype)
            let widened = try weight.floats()
            let x = generator.normals(rows * inputs)
            let expected = referenceLinear(weights: widened, rows: outputs, columns: inputs, x: x, rows: rows)
            for variant in KernelVariant.available {
                var y = [Float](repeating: .nan, count: rows * outputs)
                try x.withUnsafeBufferPointer { xp in
                    try y.withUnsafeMutableBufferPointer {
                        try HalfPrecisionLinear.apply(weight, to: xp, rows: rows, into: $0, variant: variant)
                    }
                }
                for t in 0..<rows {
                    for r in 0..<outputs {
                        var magnitude = 0.0
                        for c in 0..<inputs { magnitude += abs(Double(widened[r * inputs + c]) * Double(x[t * inputs + c])) }
                        let error = abs(Double(y[t * outputs + r]) - expected[t * outputs + r])
                        #expect(error <= 1e-5 * magnitude + 1e-30, "\(dtype) \(variant) \(outputs)x\(inputs) row \(t) output \(r)")
                    }
                }
            }
        }
        #expect(throws: HalfPrecisionLinear.Failure.unsupported(.f32)) {
            try HalfPrecisionLinear.apply(
                Tensor([Float](repeating: 0, count: 4), shape: [2, 2]), to: UnsafeBufferPointer(start: nil, count: 0), rows: 0,
                into: UnsafeMutableBufferPointer(start: nil, count: 0))
        }
    }
}
