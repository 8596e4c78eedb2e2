import TestSupport
import Testing

@testable import Quantization

/// The activation quantizer (vectorised where the CPU allows) against ggml's quantize_row_q8_0_ref
/// rules written out in Swift: d = amax/127 (NaN ignored by fmaxf), code = roundf(x/d) rounding
/// halves away from zero, clamped to ±127, NaN → 0, padding blocks zero.
@Suite struct ActivationQuantizationTests {
    private func reference(_ x: [Float], columns: Int) -> (codes: [Int8], scales: [Float], sums: [Float]) {
        let blocks = (columns + 31) / 32
        var codes = [Int8](repeating: 0, count: blocks * 32), scales = [Float](), sums = [Float]()
        for b in 0..<blocks {
            let values = x[(b * 32)..<min(columns, (b + 1) * 32)]
            let amax = values.reduce(Float(0)) { $1.isNaN ? $0 : max($0, abs($1)) }
            let d = amax / 127
            let id: Float = d != 0 ? 1 / d : 0
            var sum: Int32 = 0
            for (j, value) in values.enumerated() {
                let scaled = (value * id).rounded(.toNearestOrAwayFromZero)
                let code: Int8 = scaled.isNaN ? 0 : scaled >= 127 ? 127 : scaled <= -127 ? -127 : Int8(scaled)
                codes[b * 32 + j] = code
                sum += Int32(code)
            }
            scales.append(d)
            sums.append(d * Float(sum))
        }
        return (codes, scales, sums)
    }

    @Test func matchesGGMLRoundingExactly() {
        var generator = SeededGenerator(seed: 31)
        let columns = 32 * 5 + 11
        var x = generator.normals(columns)
        // Block 0: amax 127 makes d = 1, so these scale to exact halves (ties round away from zero).
        for (j, value) in [Float(127), 2.5, -2.5, 0.5, -0.5, 126.5, -3.5, 1.5].enumerated() { x[j] = value }
        x[40] = .nan  // block 1: ignored by amax, code 0
        x[70] = .infinity  // block 2: infinite scale
        for j in 96..<128 { x[j] = 0 }  // block 3: all zero
        x[130] = 1e-30  // block 4: tiny values
        let quantized = QuantizedActivations(x, rows: 1, columns: columns)
        let expected = reference(x, columns: columns)
        #expect(quantized.codes == expected.codes)
        #expect(quantized.scales.map(\.bitPattern) == expected.scales.map(\.bitPattern))
        #expect(quantized.scaledSums.map(\.bitPattern) == expected.sums.map(\.bitPattern))
    }

    @Test func randomRowsMatchReference() {
        var generator = SeededGenerator(seed: 77)
        for columns in [1, 16, 17, 31, 32, 33, 576, 1001] {
            let x = generator.normals(columns, scale: 3)
            let quantized = QuantizedActivations(x, rows: 1, columns: columns)
            let expected = reference(x, columns: columns)
            #expect(quantized.codes == expected.codes, "\(columns) columns")
            #expect(quantized.scales == expected.scales, "\(columns) columns")
            #expect(quantized.scaledSums == expected.sums, "\(columns) columns")
        }
    }
}
