import CQuantKernels
import Foundation
import Tensors
import TestSupport
import Testing

@testable import Quantization

/// The decode tile (one weight row at a time or four) is chosen by timing on the CPU, so it must never
/// change a result: every row is summed in the same order either way. Checked bit for bit for the f32
/// kernel and the panel kernels of every class, on each variant that has them (a variant this CPU
/// cannot run fails with the reason), with row counts that leave remainders after tiles of four.
struct DecodeTilingTests {
    static let variants: [KernelVariant] = [.avx2, .avxVNNI, .avx512VNNI]

    @Test(arguments: variants)
    func floatRowsAreTheSameOneOrFourAtATime(_ variant: KernelVariant) throws {
        try KernelVariantCoverage.prerequisite(variant).check()
        var generator = SeededGenerator(seed: 41)
        for columns in [576, 1536] {
            let rows = 13
            let w = generator.normals(rows * columns, scale: 0.1), x = generator.normals(columns)
            let tileClass = DecodeTiling.TileClass(floatColumns: columns)
            let results = [1, 4].map { tile in
                DecodeTiling.withTile(tile, tileClass, variant: variant) {
                    var y = [Float](repeating: .nan, count: rows)
                    w.withUnsafeBufferPointer { w in
                        x.withUnsafeBufferPointer { x in
                            y.withUnsafeMutableBufferPointer {
                                FloatMatrixVector.apply(
                                    w.baseAddress!, rows: rows, columns: columns, x: x.baseAddress!, into: $0.baseAddress!,
                                    variant: variant)
                            }
                        }
                    }
                    return y
                }
            }
            #expect(results[0].allSatisfy { $0.isFinite }, "\(variant) f32 \(columns) columns")
            #expect(results[0].map(\.bitPattern) == results[1].map(\.bitPattern), "\(variant) f32 \(columns) columns: tiles differ")
        }
    }

    /// Schemes and widths that reach each panel class: 8-bit rows of 476 and 1,632 bytes, 4-bit rows of
    /// 324 and 864 (Q4_0) and grouped 4-bit with offsets; rows of 11,008 columns take the L2 prefetch.
    static let panelCases: [(scheme: String, columns: Int, tileClass: DecodeTiling.TileClass)] = [
        ("q8_0", 448, .eightBitShort), ("q8_0", 1536, .eightBitLong), ("int8-g32-sym-f16", 576, .eightBitLong),
        ("q4_0", 576, .fourBitShort), ("q4_0", 1536, .fourBitLong), ("q4_1", 576, .fourBitShort),
        ("int4-g64-asym-f16", 1536, .fourBitLong), ("q8_0", 11008, .eightBitLong), ("int4-g64-asym-f16", 11008, .fourBitLong),
    ]

    @Test(arguments: variants.flatMap { variant in panelCases.indices.map { "\(variant)/\($0)" } })
    func panelRowsAreTheSameOneOrFourAtATime(_ label: String) throws {
        let parts = label.split(separator: "/").map(String.init)
        let variant = try #require(KernelVariant.allCases.first { $0.description == parts[0] })
        try KernelVariantCoverage.prerequisite(variant).check()
        let testCase = Self.panelCases[try #require(Int(parts[1]))]
        let rows = 11
        var generator = SeededGenerator(seed: 43)
        let weights = generator.normals(rows * testCase.columns, scale: 0.1)
        let matrix = try weights.withUnsafeBufferPointer {
            try Quantizer.quantize($0, rows: rows, columns: testCase.columns, scheme: try QuantizationScheme(parsing: testCase.scheme))
        }
        let panels = try #require(DecodePanels(matrix, variant: variant), "\(label): no panels")
        var descriptor = QuantizedLinear.kernelMatrix(matrix, matrix.layout)
        #expect(qk_panel_tile_class_of(&descriptor) == testCase.tileClass.rawValue, "\(label): tile class")
        let activations = QuantizedActivations(generator.normals(testCase.columns), rows: 1, columns: testCase.columns)
        let results = [1, 4].map { tile in
            DecodeTiling.withTile(tile, testCase.tileClass, variant: variant) {
                var y = [Float](repeating: .nan, count: rows)
                y.withUnsafeMutableBufferPointer {
                    QuantizedLinear.apply(matrix, to: activations, into: $0, variant: variant, panels: panels)
                }
                return y
            }
        }
        #expect(results[0].allSatisfy { $0.isFinite }, "\(label)")
        #expect(results[0].map(\.bitPattern) == results[1].map(\.bitPattern), "\(label): tiles differ")
    }

    @Test func floatRowsUnder4KBAreShort() {
        #expect(DecodeTiling.TileClass(floatColumns: 1023) == .f32Short)
        #expect(DecodeTiling.TileClass(floatColumns: 1024) == .f32Long)
    }

    /// Settling times both tiles once and keeps one (unless the environment fixes the tiles), and the
    /// kernels then read that choice.
    @Test func settlingChoosesOneOfTheTwoTilesByTiming() throws {
        let variant = KernelVariant.preferred
        guard variant != .portable else { return }
        for tileClass in [DecodeTiling.TileClass.f32Short, .fourBitLong] {
            DecodeTiling.settle(tileClass, variant: variant)
            let choice = try #require(DecodeTiling.choice(tileClass, variant: variant), "\(tileClass) not settled")
            #expect([1, 4].contains(choice.rows))
            #expect(qk_decode_tile_settled(variant.rawValue, tileClass.rawValue) == 1)
            if ProcessInfo.processInfo.environment["MEGALODON_DECODE_TILES"] == nil {
                #expect(choice.oneRowRounds.count == 5 && choice.fourRowRounds.count == 5)
                #expect((choice.oneRowRounds + choice.fourRowRounds).allSatisfy { $0 > 0 })
                #expect(
                    choice.rows == DecodeTiling.preferredRows(oneRow: choice.oneRowRounds, fourRows: choice.fourRowRounds),
                    "\(tileClass): kept the tile with the slower best pass \(choice)")
            }
            #expect(DecodeTiling.summary(variant: variant).contains(tileClass.description))
        }
    }

    /// The tile with the faster best pass is kept, however many rounds the other won: slow passes
    /// are a neighbour's doing, never the kernel's.
    @Test func theTileWithTheFasterBestPassIsKept() {
        #expect(DecodeTiling.preferredRows(oneRow: [1.0, 1.0, 1.0, 2.0, 2.0], fourRows: [1.1, 1.1, 1.1, 0.9, 0.9]) == 4)
        #expect(DecodeTiling.preferredRows(oneRow: [4.2, 5.9, 5.8, 6.0, 5.7], fourRows: [5.2, 5.3, 5.2, 5.4, 5.2]) == 1)
        #expect(DecodeTiling.preferredRows(oneRow: [2.0, 2.1, 2.0, 2.2, 2.1], fourRows: [2.3, 2.4, 2.3, 2.2, 2.5]) == 1)
        #expect(DecodeTiling.preferredRows(oneRow: [], fourRows: []) == 4)
    }

    /// The timed passes stream from memory: sysfs cache sizes parse, and the working set is twice the
    /// largest cache, kept between 64 and 256 MB.
    @Test func timedPassesAreSizedFromTheLastLevelCache() throws {
        #expect(DecodeTiling.cacheBytes("32768K\n") == 32 << 20)
        #expect(DecodeTiling.cacheBytes("1M") == 1 << 20)
        #expect(DecodeTiling.cacheBytes("512") == 512)
        for bad in ["", "K", "-4K", "12Q", "99999999999999999999G", "1.5M"] { #expect(DecodeTiling.cacheBytes(bad) == nil, "\(bad)") }
        let folder = try SharedFiles.temporaryDirectory("cache-sizes")
        for (index, size) in ["48K", "1024K", "32768K"].enumerated() {
            let entry = folder.appendingPathComponent("index\(index)")
            try FileManager.default.createDirectory(at: entry, withIntermediateDirectories: true)
            try Data(size.utf8).write(to: entry.appendingPathComponent("size"))
        }
        #expect(DecodeTiling.lastLevelCacheBytes(root: folder.path) == 32 << 20)
        #expect(DecodeTiling.lastLevelCacheBytes(root: folder.appendingPathComponent("missing").path) == nil)
        #expect((64 << 20...256 << 20).contains(DecodeTiling.workingSetBytes))
    }
}
