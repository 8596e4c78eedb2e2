import Checkpoints
import Foundation
import Tensors
import TestSupport
import Testing

@testable import Quantization

/// The ggml types the kernels unpack (k-quants Q2_K … Q6_K, Q5_0, Q5_1, IQ4_NL) computed as stored:
/// every kernel variant against the double-precision product of the dequantized weights (bounds as
/// in QuantizedKernelTests).
struct KQuantKernelTests {
    static let schemes: [QuantizationScheme] = [.q4_K, .q5_K, .q6_K, .q5_0, .q5_1, .q2_K, .q3_K, .iq4_nl]
    static let cases = KernelVariant.allCases.flatMap { variant in schemes.map { "\(variant)/\($0)" } }

    static func parse(_ label: String) throws -> (KernelVariant, QuantizationScheme) {
        let parts = label.split(separator: "/").map(String.init)
        let variant = try #require(KernelVariant.allCases.first { $0.description == parts[0] })
        let scheme = try #require(schemes.first { $0.description == parts[1] })
        return (variant, scheme)
    }

    /// The scheme's tensor in the GGUF fixture (k-quants: random blocks, 8 × 512; IQ4_NL: random blocks,
    /// 8 × 64; Q5_x: gguf-py's quantization of random values, 16 × 64) and the values gguf-py dequantized
    /// it to (scripts/oracles/gguf_fixtures.py): the reference weights come from gguf-py.
    static func fixtureTensor(_ scheme: QuantizationScheme) throws -> (name: String, matrix: QuantizedMatrix, weights: [Float]) {
        let file = try GGUFFile(path: SharedFiles.tests("CheckpointsTests/Fixtures/gguf/dequant.gguf").path)
        let expected = try Data(contentsOf: SharedFiles.tests("CheckpointsTests/Fixtures/gguf/dequant-expected.f32"))
        var offset = 0
        for info in file.ggufTensors {
            defer { offset += info.elementCount }
            guard info.type == scheme.ggmlType else { continue }
            let weights: [Float] = expected.withUnsafeBytes { raw in
                (offset..<offset + info.elementCount).map {
                    Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self)))
                }
            }
            return (info.name, try QuantizedMatrix(gguf: file.rawTensor(named: info.name), name: info.name), weights)
        }
        throw FixtureMissing(scheme: scheme)
    }

    struct FixtureMissing: Error, CustomStringConvertible {
        let scheme: QuantizationScheme
        var description: String { "\(scheme) has no tensor in the GGUF fixture" }
    }

    @Test(arguments: cases)
    func matchesGGUFPyWeights(_ label: String) throws {
        let (variant, scheme) = try Self.parse(label)
        try KernelVariantCoverage.prerequisite(variant).check()
        let (name, matrix, weights) = try Self.fixtureTensor(scheme)
        #expect(matrix.scheme == scheme)
        var generator = SeededGenerator(seed: 5)
        for rows in [1, 3] {
            let x = generator.normals(rows * matrix.columns)
            QuantizedKernelTests.checkAgainstReference(
                label: "\(label) \(name) × \(rows) rows", matrix, weights: weights, x: x, rows: rows, variant: variant)
        }
    }

    /// The kernels' widening of rows (qk_dequantize_rows, the engines' prefill through sgemm) gives
    /// gguf-py's dequantized values of the fixture bit for bit, and of random blocks the Swift reference
    /// dequantizer's, for a range of rows that starts past the first, on every variant.
    @Test(arguments: cases)
    func widenedRowsAreTheReferenceValues(_ label: String) throws {
        let (variant, scheme) = try Self.parse(label)
        try KernelVariantCoverage.prerequisite(variant).check()
        let (name, matrix, weights) = try Self.fixtureTensor(scheme)
        var widened = [Float](repeating: .nan, count: weights.count)
        widened.withUnsafeMutableBufferPointer { Dequantizer.dequantizeRows(matrix, rows: 0..<matrix.rows, into: $0, variant: variant) }
        #expect(widened.map(\.bitPattern) == weights.map(\.bitPattern), "\(label) \(name)")
        var generator = SeededGenerator(seed: 13)
        let columns = scheme.ggmlBlockValues == 256 ? 768 : 96
        let random = try Self.randomMatrix(scheme, rows: 6, columns: columns, using: &generator)
        let all = Dequantizer.dequantize(random)
        var rows = [Float](repeating: .nan, count: 3 * columns)
        rows.withUnsafeMutableBufferPointer { Dequantizer.dequantizeRows(random, rows: 2..<5, into: $0, variant: variant) }
        #expect(rows.map(\.bitPattern) == all[2 * columns..<5 * columns].map(\.bitPattern), "\(label) random rows 2..<5")
    }

    /// Random blocks in shapes that cover decode (one activation row), the prefill tiles of four weight
    /// rows with a remainder, many activation rows, and rows of several units (super-blocks or blocks;
    /// 576 columns, SmolLM2's, leave two blocks of 32 after two groups of eight).
    @Test(arguments: cases)
    func matchesDequantizedRandomBlocks(_ label: String) throws {
        let (variant, scheme) = try Self.parse(label)
        try KernelVariantCoverage.prerequisite(variant).check()
        let shapes = [(7, 256, 1), (9, 768, 1), (4, 576, 1), (5, 512, 3), (6, 1024, 70), (3, 2816, 2)]
        for (index, shape) in shapes.filter({ $0.1 % (scheme.ggmlBlockValues ?? 1) == 0 }).enumerated() {
            let (outputs, columns, rows) = shape
            var generator = SeededGenerator(seed: UInt64(31 + index))
            let matrix = try Self.randomMatrix(scheme, rows: outputs, columns: columns, using: &generator)
            var x = generator.normals(rows * columns)
            x[x.count - 1] = 40  // an activation outlier in the last block
            QuantizedKernelTests.checkAgainstReference(
                label: "\(label) \(shape)", matrix, weights: Dequantizer.dequantize(matrix), x: x, rows: rows, variant: variant)
        }
    }

    /// Activations with one scale per 256 values, as the engines quantize one-row inputs that k-quants
    /// read (`QuantizedActivations.blocksPerScale(for:rows:)`): the kernels that then apply the integer
    /// sub-block scales in integer arithmetic (AVX2 Q4_K, Q5_K, Q6_K decode), and the others, which read
    /// the same format, against the double-precision product of the activations as quantized.
    @Test(arguments: cases)
    func matchesWithScalesSharedBy256Values(_ label: String) throws {
        let (variant, scheme) = try Self.parse(label)
        try KernelVariantCoverage.prerequisite(variant).check()
        #expect(QuantizedActivations.blocksPerScale(for: [scheme], rows: 1) == (scheme.ggmlBlockValues == 256 ? 8 : 1))
        #expect(QuantizedActivations.blocksPerScale(for: [.q4_0, scheme], rows: 2) == 1)
        let shapes = [(7, 256, 1), (5, 512, 3), (3, 2816, 1), (6, 1024, 70)]
        for (index, shape) in shapes.filter({ $0.1 % (scheme.ggmlBlockValues ?? 1) == 0 }).enumerated() {
            let (outputs, columns, rows) = shape
            var generator = SeededGenerator(seed: UInt64(71 + index))
            let matrix = try Self.randomMatrix(scheme, rows: outputs, columns: columns, using: &generator)
            var x = generator.normals(rows * columns)
            x[5] = -30  // an outlier sets the first 256 values' one scale
            QuantizedKernelTests.checkAgainstReference(
                label: "\(label) \(shape) shared scales", matrix, weights: Dequantizer.dequantize(matrix), x: x, rows: rows,
                variant: variant, blocksPerScale: 8)
        }
    }

    @Test func sharedScalesAreTheAmaxOfTheirGroup() {
        var generator = SeededGenerator(seed: 3)
        var x = generator.normals(600)  // two whole groups and 88 values of a third
        x[300] = 12
        x[599] = .nan  // ignored by the amax, as the per-block form ignores it; its code is 0
        let activations = QuantizedActivations(x, rows: 1, columns: 600, blocksPerScale: 8)
        #expect(activations.blocksPerRow == 19)
        for block in 0..<19 {
            let group = x[(block / 8 * 256)..<min(600, block / 8 * 256 + 256)].filter { !$0.isNaN }
            #expect(activations.scales[block] == group.map(abs).max()! / 127, "block \(block)")
        }
        #expect(activations.codes[300] == 127)
        #expect(activations.codes[599] == 0)
        #expect(activations.codes[600..<608].allSatisfy { $0 == 0 })
    }

    static func randomMatrix(
        _ scheme: QuantizationScheme, rows: Int, columns: Int, using generator: inout SeededGenerator
    ) throws
        -> QuantizedMatrix
    {
        let bytes = RandomGGMLBlocks.bytes(try #require(scheme.ggmlType), rows: rows, columns: columns, using: &generator)
        return try QuantizedMatrix(
            scheme: scheme, rows: rows, columns: columns, codes: Storage(count: bytes.count) { $0.copyBytes(from: bytes) })
    }

    @Test func unpackedTypesAreReadNotProduced() throws {
        #expect(QuantizationScheme(ggmlType: .q4_K) == .q4_K)
        #expect(QuantizationScheme.q6_K.bitsPerWeight(columns: 4096) == 6.5625)
        #expect(QuantizationScheme.q4_K.bitsPerWeight(columns: 4096) == 4.5)
        #expect(QuantizationScheme.q2_K.bitsPerWeight(columns: 4096) == 2.625)
        #expect(QuantizationScheme.q3_K.bitsPerWeight(columns: 4096) == 3.4375)
        #expect(QuantizationScheme.iq4_nl.bitsPerWeight(columns: 4096) == 4.5)
        #expect(QuantizationScheme(ggmlType: .iq4_nl) == .iq4_nl)
        #expect(QuantizationScheme(ggmlType: .iq4_xs) == nil)
        #expect(throws: QuantizationError.readOnlyScheme("q3_K")) { try QuantizationScheme(parsing: "q3_K") }
        #expect(throws: QuantizationError.readOnlyScheme("IQ4_NL")) { try QuantizationScheme(parsing: "IQ4_NL") }
        #expect(throws: QuantizationError.readOnlyScheme("q4_K")) {
            try [Float](repeating: 1, count: 256).withUnsafeBufferPointer {
                try Quantizer.quantize($0, rows: 1, columns: 256, scheme: .q4_K)
            }
        }
        #expect(throws: QuantizationError.readOnlyScheme("q4_K")) { try QuantizationScheme(parsing: "q4_K") }
        #expect(throws: QuantizationError.readOnlyScheme("q5_0")) {
            try [Float](repeating: 1, count: 32).withUnsafeBufferPointer { try Quantizer.quantize($0, rows: 1, columns: 32, scheme: .q5_0) }
        }
        #expect(throws: QuantizationError.columnsNotMultipleOfBlock(tensor: "m", columns: 288, scheme: "q5_K")) {
            try QuantizedMatrix(scheme: .q5_K, rows: 1, columns: 288, codes: Storage(count: 0) { _ in }, name: "m")
        }
        var generator = SeededGenerator(seed: 1)
        #expect(DecodePanels(try Self.randomMatrix(.q4_K, rows: 2, columns: 256, using: &generator)) == nil)
    }
}
