import Foundation
import TestSupport
import Testing

@testable import Checkpoints

/// Our dequantization against gguf-py's (`gguf.quants.dequantize`, gguf 0.19.0): bit-identical
/// float32 for every supported type. Fixtures from scripts/oracles/gguf_fixtures.py.
struct GGUFDequantizationTests {
    static let fixture = SharedFiles.tests("CheckpointsTests/Fixtures/gguf/dequant.gguf")
    static let expectedValues = SharedFiles.tests("CheckpointsTests/Fixtures/gguf/dequant-expected.f32")

    @Test func everyTypeMatchesGGUFPyBitForBit() throws {
        let file = try GGUFFile(path: Self.fixture.path)
        let data = try Data(contentsOf: Self.expectedValues)
        let expected: [UInt32] = data.withUnsafeBytes { raw in
            (0..<raw.count / 4).map { UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self)) }
        }
        let types = file.ggufTensors.map(\.type)
        #expect(Set(types) == GGMLDequantization.supportedTypes)
        var offset = 0
        for info in file.ggufTensors {
            let tensor = try file.tensor(named: info.name)
            #expect(tensor.shape == info.ggmlShape.reversed())
            let ours = try tensor.floats().map(\.bitPattern)
            let reference = Array(expected[offset..<offset + ours.count])
            let mismatches = zip(ours, reference).filter { $0 != $1 }.count
            #expect(mismatches == 0, "\(info.type): \(mismatches) of \(ours.count) values differ")
            offset += ours.count
        }
        #expect(offset == expected.count)
        #expect(file.tensorInfos.first?.shape == [3, 2, 64])
    }

    /// A listing shows quantized tensors as stored (block type and block bytes), not as the F32 they read as.
    @Test func summaryListsStoredTypesAndBytes() throws {
        let file = try GGUFFile(path: Self.fixture.path)
        let stored = CheckpointSummary.storedTensors(of: file)
        #expect(stored.map(\.type) == file.ggufTensors.map(\.type.name))
        #expect(stored.map(\.byteCount) == file.ggufTensors.map { $0.elementCount / $0.type.blockSize * $0.type.blockByteCount })
        #expect(stored.contains { $0.type == "Q4_1" })
        #expect(CheckpointSummary(file).byteCount == stored.reduce(0) { $0 + $1.byteCount })
    }

    @Test func rawBlocksRoundTripThroughTheKernel() throws {
        let file = try GGUFFile(path: Self.fixture.path)
        let raw = try file.rawTensor(named: "t.q6_k")
        let values = try GGMLDequantization.dequantize(raw.storage.bytes, type: raw.type, count: raw.shape.reduce(1, *))
        #expect(values.map(\.bitPattern) == (try file.tensor(named: "t.q6_k").floats().map(\.bitPattern)))
        #expect(throws: GGMLDequantization.Failure.self) {
            try GGMLDequantization.dequantize(raw.storage.bytes, type: raw.type, count: 10)
        }
        #expect(throws: GGMLDequantization.Failure.unsupported(.iq2_xxs)) {
            try GGMLDequantization.dequantize(UnsafeRawBufferPointer(start: nil, count: 0), type: .iq2_xxs, count: 0)
        }
    }
}
