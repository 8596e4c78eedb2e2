import Tensors
import TestSupport
import Testing

@testable import Quantization

/// Our int8/int4 group schemes: spelling, layout sizes, and the round-trip error bound
/// |dequantized − x| ≤ s/2 per value (s = the group's stored scale) plus float rounding.
struct GroupedSchemeTests {
    static let schemes = [
        "int8-g32-sym-f16", "int8-g64-asym-f32", "int8-g128-asym-f16", "int8-row-sym-f32", "int8-row-asym-f16",
        "int4-g32-sym-f16", "int4-g32-asym-f16", "int4-g64-asym-f32", "int4-g128-sym-f32", "int4-g128-asym-f16",
    ]

    @Test func spellingsRoundTripAndDefaultsApply() throws {
        for text in Self.schemes { #expect(try QuantizationScheme(parsing: text).description == text) }
        #expect(try QuantizationScheme(parsing: "int8-g64").description == "int8-g64-sym-f16")
        #expect(try QuantizationScheme(parsing: "INT4-G128").description == "int4-g128-asym-f16")
        #expect(try QuantizationScheme(parsing: "Q4_1") == .q4_1)
        #expect(throws: QuantizationError.unsupportedGroupSize(48)) { try QuantizationScheme(parsing: "int4-g48") }
        #expect(throws: QuantizationError.self) { try QuantizationScheme(parsing: "int4-row") }
        #expect(throws: QuantizationError.self) { try QuantizationScheme(parsing: "int3-g32") }
        #expect(throws: QuantizationError.self) { try QuantizationScheme(parsing: "int8-g32-sym-f16-extra") }
    }

    @Test func bitsPerWeightMatchTheLayout() throws {
        #expect(QuantizationScheme.q8_0.bitsPerWeight(columns: 4096) == 8.5)
        #expect(QuantizationScheme.q4_0.bitsPerWeight(columns: 4096) == 4.5)
        #expect(QuantizationScheme.q4_1.bitsPerWeight(columns: 4096) == 5.0)
        #expect(try QuantizationScheme(parsing: "int4-g64-asym-f16").bitsPerWeight(columns: 4096) == 4.5)
        #expect(try QuantizationScheme(parsing: "int4-g128-sym-f16").bitsPerWeight(columns: 4096) == 4.125)
        #expect(try QuantizationScheme(parsing: "int8-row-sym-f32").bitsPerWeight(columns: 4096) == 8 + 32.0 / 4096)
        // 40 columns pad to 64 codes for int4: 32 bytes of codes + two f16 scales + two f16 biases.
        let layout = QuantizedLayout(scheme: try QuantizationScheme(parsing: "int4-g32-asym-f16"), rows: 3, columns: 40)
        #expect(layout.rowBytes == 32 && layout.groupsPerRow == 2 && layout.scaleBytes == 12 && layout.biasBytes == 12)
    }

    static func testMatrix(rows: Int, columns: Int, seed: UInt64) -> [Float] {
        var generator = SeededGenerator(seed: seed)
        var values = generator.normals(rows * columns, scale: 0.05)
        if rows > 2 && columns > 3 {
            values[columns + 3] = 7.5  // outlier
            for c in 0..<columns { values[2 * columns + c] = 0 }  // zero row
        }
        if rows > 3 { for c in 0..<columns { values[3 * columns + c] = 1234.5 + Float(c % 3) * 1e-3 } }  // large offset, tiny range
        return values
    }

    @Test(arguments: schemes)
    func roundTripStaysWithinHalfAScaleStep(_ text: String) throws {
        let scheme = try QuantizationScheme(parsing: text)
        guard case let .grouped(grouped) = scheme else { return }
        for (rows, columns) in [(5, 32), (6, 100), (4, 257), (1, 7)] {
            let values = Self.testMatrix(rows: rows, columns: columns, seed: UInt64(rows * 1000 + columns))
            let matrix = try values.withUnsafeBufferPointer { try Quantizer.quantize($0, rows: rows, columns: columns, scheme: scheme) }
            let restored = Dequantizer.dequantize(matrix)
            let layout = matrix.layout
            let scales = try #require(matrix.scales)
            var worstRatio: Float = 0
            for row in 0..<rows {
                for column in 0..<columns {
                    let slot = row * layout.groupsPerRow + column / layout.groupSize
                    let scale = Dequantizer.scaleValue(scales.bytes, slot, grouped.scaleType)
                    let x = values[row * columns + column], w = restored[row * columns + column]
                    // Half a step, plus float rounding of (x − b)/s and q·s + b at the magnitudes involved.
                    let bound = 0.5 * scale * (1 + 1e-5) + 4 * (abs(x).ulp + scale.ulp * grouped.codeRange)
                    worstRatio = max(worstRatio, abs(w - x) / bound)
                }
            }
            #expect(worstRatio <= 1, "\(text) \(rows)x\(columns): error reaches \(worstRatio) of the bound")
        }
    }

    @Test func f16ScalesThatOverflowAreReported() throws {
        let values = [Float](repeating: 0, count: 31) + [1.0e7]
        #expect(throws: QuantizationError.scaleOverflow(tensor: "w", row: 0, scheme: "int8-g32-sym-f16")) {
            try values.withUnsafeBufferPointer {
                try Quantizer.quantize($0, rows: 1, columns: 32, scheme: .grouped(GroupedScheme(parsing: "int8-g32-sym-f16")), name: "w")
            }
        }
        let wide = try values.withUnsafeBufferPointer {
            try Quantizer.quantize($0, rows: 1, columns: 32, scheme: .grouped(GroupedScheme(parsing: "int8-g32-sym-f32")))
        }
        #expect(Dequantizer.dequantize(wide)[31] == 1.0e7)
    }

    @Test func int4CodesUseGGMLNibbleOrder() throws {
        // Values 0...31 in one asymmetric group of 32: code j = round(j·15/31). Byte j holds
        // value j (low nibble) and value j + 16 (high nibble).
        let values = (0..<32).map { Float($0) }
        let matrix = try values.withUnsafeBufferPointer {
            try Quantizer.quantize($0, rows: 1, columns: 32, scheme: .grouped(GroupedScheme(parsing: "int4-g32-asym-f32")))
        }
        let bytes = matrix.codeBytes
        let scale: Float = 31 / 15
        for j in 0..<16 {
            let low = Int((Float(j) / scale).rounded(.toNearestOrAwayFromZero))
            let high = Int((Float(j + 16) / scale).rounded(.toNearestOrAwayFromZero))
            #expect(bytes[j] == UInt8(low | high << 4), "byte \(j)")
        }
    }
}
