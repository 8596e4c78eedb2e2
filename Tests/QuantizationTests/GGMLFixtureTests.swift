import Tensors
import Testing

@testable import Quantization

/// Q8_0 / Q4_0 / Q4_1 against gguf-py 0.19.0 (scripts/oracles/quant_fixtures.py): same bytes out of
/// quantization, same float bits out of dequantization.
struct GGMLFixtureTests {
    static let entries = (try? Fixtures.manifest()) ?? []

    @Test func manifestCoversEveryTypeAndCase() throws {
        let entries = try Fixtures.manifest()
        #expect(Set(entries.map(\.type)) == ["Q8_0", "Q4_0", "Q4_1"])
        #expect(Set(entries.map(\.case)).isSuperset(of: ["normal", "zeros", "outliers", "ties", "grid", "wide"]))
    }

    static func entry(_ label: String) throws -> (Fixtures.Entry, QuantizationScheme) {
        let entry = try #require(entries.first { "\($0.case)/\($0.type)" == label })
        return (entry, try QuantizationScheme(parsing: entry.type))
    }

    @Test(arguments: entries.map { "\($0.case)/\($0.type)" })
    func quantizesLikeGGUFPy(_ label: String) throws {
        let (entry, scheme) = try Self.entry(label)
        let input = try Fixtures.floats(entry.input)
        let expected = try Fixtures.bytes(entry.blocks)
        let matrix = try input.withUnsafeBufferPointer {
            try Quantizer.quantize($0, rows: entry.rows, columns: entry.columns, scheme: scheme, name: label)
        }
        let ours = matrix.codeBytes
        #expect(ours.count == expected.count)
        let differing = zip(ours, expected).enumerated().filter { $0.element.0 != $0.element.1 }.map(\.offset)
        #expect(differing.isEmpty, "\(label): \(differing.count) bytes differ, first at \(differing.first ?? -1)")
    }

    @Test(arguments: entries.map { "\($0.case)/\($0.type)" })
    func dequantizesLikeGGUFPy(_ label: String) throws {
        let (entry, scheme) = try Self.entry(label)
        let blocks = try Fixtures.bytes(entry.blocks)
        let expected = try Fixtures.floats(entry.dequantized)
        let matrix = try blocks.withUnsafeBytes {
            try QuantizedMatrix(scheme: scheme, rows: entry.rows, columns: entry.columns, codes: Storage(copying: $0), name: label)
        }
        let ours = Dequantizer.dequantize(matrix)
        #expect(ours.count == expected.count)
        let differing = zip(ours, expected).filter { $0.0.bitPattern != $0.1.bitPattern }.count
        #expect(differing == 0, "\(label): \(differing) values differ in their bits")
    }

    @Test func rejectsRowsThatAreNotWholeBlocks() {
        let values = [Float](repeating: 1, count: 2 * 40)
        #expect(throws: QuantizationError.columnsNotMultipleOfBlock(tensor: "w", columns: 40, scheme: "q4_0")) {
            try values.withUnsafeBufferPointer { try Quantizer.quantize($0, rows: 2, columns: 40, scheme: .q4_0, name: "w") }
        }
    }

    @Test func rejectsNonFiniteValues() {
        var values = [Float](repeating: 1, count: 3 * 32)
        values[2 * 32 + 5] = .nan
        #expect(throws: QuantizationError.nonFiniteValue(tensor: "w", row: 2)) {
            try values.withUnsafeBufferPointer { try Quantizer.quantize($0, rows: 3, columns: 32, scheme: .q8_0, name: "w") }
        }
        values[2 * 32 + 5] = -.infinity
        #expect(throws: QuantizationError.nonFiniteValue(tensor: "w", row: 2)) {
            try values.withUnsafeBufferPointer {
                try Quantizer.quantize($0, rows: 3, columns: 32, scheme: .grouped(try GroupedScheme(parsing: "int4-g32")), name: "w")
            }
        }
    }

    @Test func rejectsWrongByteCounts() {
        let bytes = [UInt8](repeating: 0, count: 35)
        #expect(throws: QuantizationError.byteCountMismatch(tensor: "w", field: "codes", expected: 34, actual: 35)) {
            try bytes.withUnsafeBytes { try QuantizedMatrix(scheme: .q8_0, rows: 1, columns: 32, codes: Storage(copying: $0), name: "w") }
        }
    }
}
