import Foundation
import Tensors
import TestSupport
import Testing

@testable import Checkpoints

/// Small hostile files that used to make a parser do exponential work, trap, or allocate far more
/// than their size: each is now refused with its typed error (issue 12).
@Suite struct ParserBudgetTests {
    // MARK: Pickle

    /// `t0 = ()`, then `t(k+1) = (tk, tk)` through the memo: 8 bytes per level, 2^levels nodes.
    static func sharedTuples(levels: Int) -> [UInt8] {
        let pop = UInt8(ascii: "0")
        var body: [UInt8] = [UInt8(ascii: ")"), UInt8(ascii: "q"), 0, pop]
        for level in 0..<levels {
            body += [UInt8(ascii: "h"), UInt8(level), UInt8(ascii: "h"), UInt8(level), 0x86, UInt8(ascii: "q"), UInt8(level + 1), pop]
        }
        return body + [UInt8(ascii: "h"), UInt8(levels)]
    }

    /// `{"x": t}` or `{t: None}` for the shared tuple tree `t` of `levels` levels.
    static func dictHolding(levels: Int, asKey: Bool) -> [UInt8] {
        let name: [UInt8] = [0x8C, 1, UInt8(ascii: "x")]
        let tree = sharedTuples(levels: levels)
        let body =
            asKey
            ? [UInt8(ascii: "}")] + tree + [UInt8(ascii: "N"), UInt8(ascii: "s")]
            : [UInt8(ascii: "}")] + name + tree + [UInt8(ascii: "s")]
        return PyTorchMaliciousInputTests.pickle(body)
    }

    /// The documented budget: 16 nodes per stream byte plus 2^20.
    static func budget(ofStream bytes: [UInt8]) -> Int { 16 * bytes.count + 1_048_576 }

    @Test func memoSharedTuplesAsADictKeyAreRefusedByNodeCount() throws {
        // 60 levels: 2^61 nodes from about 300 bytes, far below the depth limit of 200.
        let stream = Self.dictHolding(levels: 60, asKey: true)
        #expect(stream.count < 500)
        #expect(throws: PickleError.nodeBudgetExceeded(limit: Self.budget(ofStream: stream))) { try PyTorchMaliciousInputTests.run(stream) }
        // The same shape with an explicit small budget stops at exactly that budget.
        #expect(throws: PickleError.nodeBudgetExceeded(limit: 1000)) {
            try PyTorchMaliciousInputTests.run(stream, limits: Unpickler.Limits(maxNodes: 1000))
        }
    }

    @Test func memoSharedTuplesAsAValueAreRefusedByTheFlattener() throws {
        let stream = Self.dictHolding(levels: 60, asKey: false)
        #expect(throws: PickleError.nodeBudgetExceeded(limit: Self.budget(ofStream: stream))) { try PyTorchMaliciousInputTests.run(stream) }
    }

    @Test func aFewSharedLevelsStillFlatten() throws {
        // 8 levels: 2^8 = 256 leaves, each an empty tuple (no scalar), well inside the budget.
        let stream = Self.dictHolding(levels: 8, asKey: false)
        try PyTorchMaliciousInputTests.run(stream)
    }

    @Test func aMemoisedListCannotGrowDeeperOnceNested() throws {
        // l = [] (memo 0); t = (l,); then APPEND [] to l: l is inside t, whose depth was computed
        // from l's, so l getting deeper would leave t's recorded depth wrong.
        let body: [UInt8] = [UInt8(ascii: "]"), UInt8(ascii: "q"), 0, 0x85, UInt8(ascii: "h"), 0, UInt8(ascii: "]"), UInt8(ascii: "a")]
        #expect(throws: PickleError.nestedContainerDeepened(depth: 2)) {
            try PyTorchMaliciousInputTests.run(PyTorchMaliciousInputTests.pickle(body))
        }
        // The same for a dict: d = {} (memo 0); t = (d,); d["k"] = [].
        let dict: [UInt8] = [
            UInt8(ascii: "}"), UInt8(ascii: "q"), 0, 0x85, UInt8(ascii: "h"), 0, 0x8C, 1, UInt8(ascii: "k"), UInt8(ascii: "]"),
            UInt8(ascii: "s"),
        ]
        #expect(throws: PickleError.nestedContainerDeepened(depth: 2)) {
            try PyTorchMaliciousInputTests.run(PyTorchMaliciousInputTests.pickle(dict))
        }
    }

    @Test func aMemoisedListChainCannotPassTheDepthLimit() throws {
        // Before: l0 = [] memoised, then repeatedly l(k+1) = [] appended into lk after lk was put in a
        // tuple: each list's depth stayed 2 while the chain grew 300 deep. Now the first such append stops it.
        var body: [UInt8] = [UInt8(ascii: "]"), UInt8(ascii: "q"), 0, 0x85, UInt8(ascii: "0")]
        for level in 0..<250 {
            body += [
                UInt8(ascii: "h"), UInt8(level % 250), UInt8(ascii: "]"), UInt8(ascii: "q"), UInt8((level + 1) % 250),
                0x85, UInt8(ascii: "0"), UInt8(ascii: "h"), UInt8((level + 1) % 250), UInt8(ascii: "a"), UInt8(ascii: "0"),
            ]
        }
        #expect(throws: PickleError.nestedContainerDeepened(depth: 2)) {
            try PyTorchMaliciousInputTests.run(PyTorchMaliciousInputTests.pickle(body + [UInt8(ascii: "N")]))
        }
    }

    // MARK: zstd container

    @Test func anIndexClaimingMoreThanItsFrameCanHoldIsRefusedBeforeAllocating() throws {
        let folder = try SharedFiles.temporaryDirectory()
        let path = folder.appendingPathComponent("one.mzst").path
        try ZstdContainerWriter().write(
            ArraySource([("bytes", Tensor((0..<33).map { UInt8($0) }, shape: [33]))]), to: path, overwrite: false)
        let original = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let entry = try #require(try ZstdContainerFile(path: path).entries.first)
        // The same frame, now said to hold 1 TiB.
        var forged = entry
        forged.info = TensorInfo(name: "bytes", dtype: .u8, shape: [1 << 40])
        let index = Array(ZstdContainerWriter.indexJSON([forged], metadata: [:]).utf8)
        let footer = original.count - ZstdContainer.footerSize
        let indexOffset = Int(original[footer..<(footer + 8)].withUnsafeBytes { $0.loadUnaligned(as: UInt64.self).littleEndian })
        var file = Array(original[..<indexOffset]) + index
        for field in [UInt64(indexOffset), UInt64(index.count), XXH64.hash(index)] {
            withUnsafeBytes(of: field.littleEndian) { file += $0 }
        }
        file += ZstdContainer.footerMagic
        let hostile = folder.appendingPathComponent("claims-a-tebibyte.mzst").path
        try Data(file).write(to: URL(fileURLWithPath: hostile))
        #expect(
            throws: ZstdContainerError.sizeBeyondFrameExpansion(
                path: hostile, tensor: "bytes", size: 1 << 40, compressedSize: entry.compressedSize)
        ) {
            try ZstdContainerFile(path: hostile)
        }
    }

    @Test func aHighlyCompressedFrameOfZerosStillReads() throws {
        // 4 MiB of zeros compresses to a few hundred bytes, far inside 32768×.
        let folder = try SharedFiles.temporaryDirectory()
        let path = folder.appendingPathComponent("zeros.mzst").path
        let zeros = Tensor([UInt8](repeating: 0, count: 4 << 20), shape: [4 << 20])
        try ZstdContainerWriter().write(ArraySource([("zeros", zeros)]), to: path, overwrite: false)
        let container = try ZstdContainerFile(path: path)
        let entry = try #require(container.entries.first)
        #expect(entry.compressedSize * ZstdContainer.maximumExpansion >= entry.info.byteCount)
        let tensor = try container.tensor(named: "zeros")
        let allZero = withExtendedLifetime(tensor) { tensor.bytes.count == 4 << 20 && tensor.bytes.allSatisfy { $0 == 0 } }
        #expect(allZero)
    }

    // MARK: GGUF

    @Test func metadataArraysAreStoredInline() {
        // One boxed value per element made a 1-byte element cost ~50 bytes; inline it is one slot.
        #expect(MemoryLayout<GGUFValue>.stride <= 24)
    }

    @Test func metadataThatWouldInflatePastItsBudgetIsRefused() throws {
        // 4 Mi one-byte elements: 4 MiB of file, 96 MiB as values, over 16 × 4 MiB + 16 MiB.
        var builder = GGUFTestBuilder()
        builder.metadata = [
            ("general.architecture", .string("llama")),
            ("bytes", .array(.uint8, [GGUFValue](repeating: .uint8(7), count: 4 << 20))),
        ]
        let bytes = builder.bytes()
        let limit = 16 * bytes.count + (1 << 24)
        GGUFReaderTests.expectRefusal(bytes) { $0 == .metadataTooLarge(path: $0.path, key: "bytes", limit: limit) }
    }

    @Test func aVocabularySizedMetadataFitsTheBudget() throws {
        // 50k tokens with scores and types, the shape of a real vocabulary, opens.
        var builder = GGUFTestBuilder()
        let count = 50_000
        builder.metadata = [
            ("tokenizer.ggml.tokens", .array(.string, (0..<count).map { .string("tok\($0)") })),
            ("tokenizer.ggml.scores", .array(.float32, (0..<count).map { .float32(Float($0)) })),
            ("tokenizer.ggml.token_type", .array(.int32, [GGUFValue](repeating: .int32(1), count: count))),
        ]
        let file = try openGGUF(builder.bytes())
        #expect(try file.strings("tokenizer.ggml.tokens").count == count)
    }
}

/// A pre-1.6 (legacy) torch.save stream written by hand: `{"w": tensor}` over one float storage, the
/// tensor `_rebuild_tensor_v2(storage, 0, (size,), (stride,), False, OrderedDict())`.
enum LegacyTorchStream {
    static func string(_ text: String) -> [UInt8] {
        let raw = Array(text.utf8)
        return [UInt8(ascii: "X")] + withUnsafeBytes(of: UInt32(raw.count).littleEndian, Array.init) + raw
    }

    static func global(_ module: String, _ name: String) -> [UInt8] { Array("c\(module)\n\(name)\n".utf8) }

    static func int32(_ value: Int32) -> [UInt8] { [UInt8(ascii: "J")] + withUnsafeBytes(of: value.littleEndian, Array.init) }

    static func pickle(_ body: [UInt8]) -> [UInt8] { [0x80, 0x02] + body + [UInt8(ascii: ".")] }

    static func file(size: Int32, stride: Int32, value: Float) -> [UInt8] {
        let magic = pickle([0x8A, 10, 0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19])
        let version = pickle([UInt8(ascii: "M"), 0xE9, 0x03])
        let sysInfo = pickle([UInt8(ascii: "}")])
        let mark = UInt8(ascii: "(")
        let storage: [UInt8] =
            [mark] + string("storage") + global("torch", "FloatStorage") + string("0") + string("cpu")
            + [UInt8(ascii: "K"), 1, UInt8(ascii: "N"), UInt8(ascii: "t"), UInt8(ascii: "Q")]
        let tensor: [UInt8] =
            global("torch._utils", "_rebuild_tensor_v2") + [mark] + storage + [UInt8(ascii: "K"), 0]
            + int32(size) + [0x85] + int32(stride) + [0x85, 0x89] + global("collections", "OrderedDict") + [
                UInt8(ascii: ")"), UInt8(ascii: "R"),
            ]
            + [UInt8(ascii: "t"), UInt8(ascii: "R")]
        let object = pickle([UInt8(ascii: "}")] + string("w") + tensor + [UInt8(ascii: "s")])
        let keys = pickle([UInt8(ascii: "]")] + string("0") + [UInt8(ascii: "a")])
        let data = withUnsafeBytes(of: Int64(1).littleEndian, Array.init) + withUnsafeBytes(of: value.bitPattern.littleEndian, Array.init)
        return magic + version + sysInfo + object + keys + data
    }
}

extension ParserBudgetTests {
    static func write(_ bytes: [UInt8], named name: String) throws -> String {
        let path = try SharedFiles.temporaryDirectory().appendingPathComponent(name).path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func aSmallExpandedViewReadsAsRepeatedValues() throws {
        // Sixteen copies of one float through stride 0, as torch.save stores `x.expand(16)`.
        let path = try Self.write(LegacyTorchStream.file(size: 16, stride: 0, value: 2.5), named: "expand16.pt")
        let tensor = try PyTorchCheckpoint(path: path).tensor(named: "w")
        #expect(tensor.shape == [16])
        #expect(try tensor.floats() == [Float](repeating: 2.5, count: 16))
    }

    @Test func anExpandedViewFarBeyondItsStorageIsRefused() throws {
        // One float repeated 2^30 times would materialise 4 GiB from a file of a few hundred bytes.
        let path = try Self.write(LegacyTorchStream.file(size: 1 << 30, stride: 0, value: 1), named: "expand-huge.pt")
        #expect(throws: PyTorchError.expandedViewTooLarge(path: path, tensor: "w", bytes: 4 << 30, storageBytes: 4)) {
            try PyTorchCheckpoint(path: path)
        }
    }
}
