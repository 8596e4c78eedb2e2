import Foundation
import Tensors
import TestSupport
import Testing

@testable import Checkpoints

/// A few tensors held in memory, as a checkpoint.
final class ArraySource: TensorSource, @unchecked Sendable {
    let tensors: [(String, Tensor)]
    init(_ tensors: [(String, Tensor)]) { self.tensors = tensors }
    var location: String { "memory" }
    var tensorInfos: [TensorInfo] { tensors.map { TensorInfo(name: $0.0, dtype: $0.1.dtype, shape: $0.1.shape) } }
    var metadata: [String: String] { [:] }
    func tensor(named name: String) throws -> Tensor {
        guard let found = tensors.first(where: { $0.0 == name }) else { throw ConversionError.missingTensor(input: location, tensor: name) }
        return found.1
    }

    /// Random values of every kind the container must carry: floats of each width, integers, a
    /// scalar, an empty tensor, and one larger than a compression chunk.
    static func sample(seed: UInt64 = 11) throws -> ArraySource {
        var random = SeededGenerator(seed: seed)
        func floats(_ count: Int) -> [Float] { (0..<count).map { _ in Float.random(in: -2...2, using: &random) } }
        return ArraySource([
            ("weight.f32", try Tensor(floats: floats(3000), shape: [30, 100], dtype: .f32)),
            ("weight.bf16", try Tensor(floats: floats(4096), shape: [64, 64], dtype: .bf16)),
            ("weight.f16", try Tensor(floats: floats(777), shape: [777], dtype: .f16)),
            ("big.bf16", try Tensor(floats: floats(600_000), shape: [600, 1000], dtype: .bf16)),
            ("count", Tensor([Int64(42)], shape: [])),
            ("ids", Tensor((0..<50).map { Int32($0 * 7) }, shape: [5, 10])),
            ("bytes", Tensor((0..<33).map { UInt8($0) }, shape: [33])),
            ("empty", try Tensor(floats: [], shape: [0, 4], dtype: .f32)),
        ])
    }
}

@Suite("zstd container")
struct ZstdContainerTests {
    @Test("XXH64 equals the reference xxHash on every vector (one shot and fed in pieces)")
    func xxh64Vectors() throws {
        let root = try JSONFile.readObject(at: ConvertFixtures.fixture("convert/xxh64_vectors.json"))
        let vectors = try #require(root["binary"]?.arrayValue)
        #expect(vectors.count > 150)
        for vector in vectors {
            let object = try #require(vector.objectValue)
            let length = try #require(object["length"]?.numberValue?.intValue)
            let seed = try #require(object["seed"]?.numberValue?.uint64Value)
            let expected = try #require(object["xxh64"]?.stringValue)
            var x = UInt64(length), payload: [UInt8] = []
            for _ in 0..<length {
                x = (x &* 1_103_515_245 &+ 12345) % (1 << 31)
                payload.append(UInt8((x >> 16) & 0xFF))
            }
            #expect(BytePlanes.hex(XXH64.hash(payload, seed: seed)) == expected, "length \(length) seed \(seed)")
            var incremental = XXH64(seed: seed)
            var start = 0
            while start < payload.count {
                let end = min(payload.count, start + 1 + (start % 13))
                payload[start..<end].withUnsafeBytes { incremental.update($0) }
                start = end
            }
            #expect(BytePlanes.hex(incremental.digest()) == expected, "pieces, length \(length)")
        }
        for vector in try #require(root["text"]?.arrayValue) {
            let object = try #require(vector.objectValue)
            #expect(BytePlanes.hex(XXH64.hash(Array(try #require(object["text"]?.stringValue).utf8))) == object["xxh64"]?.stringValue)
        }
    }

    @Test(
        "every tensor comes back bit for bit, with and without byte planes, at several levels",
        arguments: [(1, true), (3, false), (19, true)])
    func roundTrip(level: Int, planes: Bool) throws {
        let source = try ArraySource.sample()
        let path = try SharedFiles.temporaryDirectory().appendingPathComponent("sample.mzst").path
        try ZstdContainerWriter(level: level, bytePlanes: planes).write(source, metadata: ["note": "x"], to: path, overwrite: false)
        let container = try ZstdContainerFile(path: path)
        #expect(container.metadata == ["note": "x"])
        #expect(container.tensorInfos == source.tensorInfos)
        try ConvertFixtures.expectIdentical(container, source)
        let bf16 = try #require(container.entries.first { $0.info.name == "weight.bf16" })
        #expect(bf16.bytePlanes == (planes ? 2 : 1))
    }

    @Test("one tensor is read without touching the others' frames")
    func seekable() throws {
        let path = try SharedFiles.temporaryDirectory().appendingPathComponent("sample.mzst").path
        try ZstdContainerWriter().write(try ArraySource.sample(), to: path, overwrite: false)
        let container = try ZstdContainerFile(path: path)
        let big = try #require(container.entries.first { $0.info.name == "big.bf16" })
        // Wreck the big tensor's frame; the others still read, the big one is reported.
        var data = try Data(contentsOf: URL(fileURLWithPath: path))
        for offset in stride(from: big.offset + 20, to: big.offset + big.compressedSize - 8, by: 97) { data[offset] ^= 0x5A }
        try data.write(to: URL(fileURLWithPath: path))
        let damaged = try ZstdContainerFile(path: path)
        #expect(try damaged.tensor(named: "weight.f16").floats() == (try ArraySource.sample().tensor(named: "weight.f16").floats()))
        #expect(throws: ZstdContainerError.self) { try damaged.tensor(named: "big.bf16") }
    }

    @Test("truncated files and a damaged index are refused with typed errors")
    func damagedFiles() throws {
        let path = try SharedFiles.temporaryDirectory().appendingPathComponent("sample.mzst").path
        try ZstdContainerWriter().write(try ArraySource.sample(), to: path, overwrite: false)
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let broken = URL(fileURLWithPath: path + ".broken")
        for cut in [10, 100, data.count / 2, data.count - 1] {
            try data.prefix(cut).write(to: broken)
            #expect(throws: ZstdContainerError.self) { try ZstdContainerFile(path: broken.path) }
        }
        var index = data
        index[data.count - 40] ^= 1
        try index.write(to: broken)
        #expect(throws: ZstdContainerError.indexChecksumMismatch(path: broken.path)) { try ZstdContainerFile(path: broken.path) }
    }

    @Test("fuzz: mutated containers never crash and never yield wrong values")
    func fuzz() throws {
        let source = ArraySource(Array(try ArraySource.sample().tensors.filter { $0.0 != "big.bf16" }))
        let folder = try SharedFiles.temporaryDirectory()
        let path = folder.appendingPathComponent("small.mzst").path
        try ZstdContainerWriter().write(source, to: path, overwrite: false)
        let original = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        var random = SeededGenerator(seed: 2026)
        var (refused, intact) = (0, 0)
        let mutated = folder.appendingPathComponent("mutated.mzst")
        for _ in 0..<600 {
            var bytes = original
            switch Int.random(in: 0..<4, using: &random) {
            case 0: bytes = Array(bytes.prefix(Int.random(in: 0..<bytes.count, using: &random)))
            case 1:
                for _ in 0..<Int.random(in: 1...4, using: &random) {
                    bytes[Int.random(in: 0..<bytes.count, using: &random)] ^= UInt8.random(in: 1...255, using: &random)
                }
            case 2:
                let at = Int.random(in: 0..<bytes.count, using: &random)
                bytes.insert(
                    contentsOf: (0..<Int.random(in: 1...16, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }, at: at)
            default:
                // Damage the index but keep its checksum valid, to reach the entry validation.
                let footer = bytes.count - ZstdContainer.footerSize
                let indexOffset = Int(bytes[footer..<(footer + 8)].withUnsafeBytes { $0.loadUnaligned(as: UInt64.self).littleEndian })
                var index = Array(bytes[indexOffset..<footer])
                index[Int.random(in: 0..<index.count, using: &random)] = Array("0123456789\",[]{}:-".utf8).randomElement(using: &random)!
                let checksum = XXH64.hash(index)
                bytes.replaceSubrange(indexOffset..<footer, with: index)
                let newFooter = bytes.count - ZstdContainer.footerSize
                withUnsafeBytes(of: checksum.littleEndian) { bytes.replaceSubrange((newFooter + 16)..<(newFooter + 24), with: $0) }
            }
            try Data(bytes).write(to: mutated)
            do {
                let container = try ZstdContainerFile(path: mutated.path)
                // A re-checksummed index may rename a tensor; values are compared by position.
                for (info, (_, want)) in zip(container.tensorInfos, source.tensors) {
                    let got = try container.tensor(named: info.name)
                    #expect(
                        got.dtype == want.dtype && got.shape == want.shape && got.bytes.elementsEqual(want.bytes),
                        "mutation gave wrong values for \(info.name)")
                }
                intact += 1
            } catch is ZstdContainerError {
                refused += 1
            } catch {
                Issue.record("untyped error \(error)")
            }
        }
        print("zstd container fuzz: \(refused) refused, \(intact) read back intact (mutation did not change what is read)")
        #expect(refused > 500)
    }
}
