import Foundation
import Tensors
import TestSupport
import Testing

@testable import Checkpoints

/// Our writer reproduces the reference writer's files byte for byte.
struct SafetensorsWriterTests {
    static let validFiles = SafetensorsFixtureTests.validFiles

    /// Same tensors and metadata as the oracle gave `save_file` → the same bytes. The reference
    /// writes metadata in its HashMap's (random) order, so we pass the order found in its file.
    @Test(arguments: validFiles)
    func writesTheReferenceBytes(file: String) throws {
        let entry = try SafetensorsFixtureTests.entry("valid", file)
        let referencePath = SafetensorsFixtures.url(file).path
        let reference = try SafetensorsFile(path: referencePath)
        let expected = SafetensorsFixtures.tensors(of: entry)
        let byName = Dictionary(uniqueKeysWithValues: expected.map { ($0.name, $0) })
        let directory = try SharedFiles.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = directory.appendingPathComponent("out.safetensors").path
        var produced: [String] = []
        try SafetensorsWriter.write(to: output, tensors: expected.map(\.info), metadata: reference.header.metadata, overwrite: false) {
            info in
            produced.append(info.name)
            return try #require(byName[info.name]).tensor
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: output)) == Data(contentsOf: URL(fileURLWithPath: referencePath)))
        #expect(produced == reference.tensorNames, "tensors are produced in file order")
    }

    @Test func sortsByDescendingReferenceDTypeThenNameBytes() {
        let infos = [
            TensorInfo(name: "b", dtype: .f16, shape: [1]), TensorInfo(name: "a", dtype: .i32, shape: [1]),
            TensorInfo(name: "é", dtype: .u8, shape: [1]), TensorInfo(name: "e\u{301}", dtype: .u8, shape: [1]),
            TensorInfo(name: "z", dtype: .u64, shape: [1]), TensorInfo(name: "c", dtype: .bool, shape: [1]),
        ]
        #expect(SafetensorsWriter.writeOrder(infos).map(\.name) == ["z", "a", "b", "e\u{301}", "é", "c"])
        #expect(DType.allCases.map(SafetensorsWriter.referenceRank) == Array(0..<DType.allCases.count))
    }

    /// `bindings/python/tests/test_simple.py`: the header of one 2x2 I32 tensor is padded with 4 spaces to 64 bytes.
    @Test func padsTheHeaderToEightBytes() throws {
        let (header, _) = try SafetensorsWriter.header(
            for: [TensorInfo(name: "test", dtype: .i32, shape: [2, 2])], metadata: nil, path: "x")
        #expect(String(decoding: header, as: UTF8.self) == #"{"test":{"dtype":"I32","shape":[2,2],"data_offsets":[0,16]}}    "#)
    }

    @Test func refusesReservedDuplicateAndMisalignedTensors() {
        #expect(throws: SafetensorsError.reservedTensorName(path: "x")) {
            try SafetensorsWriter.header(for: [TensorInfo(name: "__metadata__", dtype: .u8, shape: [1])], metadata: nil, path: "x")
        }
        #expect(throws: SafetensorsError.duplicateTensorName(path: "x", name: "a")) {
            try SafetensorsWriter.header(
                for: [TensorInfo(name: "a", dtype: .u8, shape: [1]), TensorInfo(name: "a", dtype: .i8, shape: [1])], metadata: nil,
                path: "x")
        }
        #expect(throws: SafetensorsError.self) {
            try SafetensorsWriter.header(for: [TensorInfo(name: "a", dtype: .f4, shape: [3])], metadata: nil, path: "x")
        }
        #expect(throws: SafetensorsError.headerWouldBeTooLarge(path: "x", headerLength: 100_000_032)) {
            try SafetensorsWriter.header(for: [], metadata: [("k", String(repeating: "a", count: 100_000_000))], path: "x")
        }
    }

    @Test func refusesAProducedTensorOfTheWrongShapeAndLeavesNoFile() throws {
        let directory = try SharedFiles.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let output = directory.appendingPathComponent("out.safetensors").path
        #expect(throws: SafetensorsError.self) {
            try SafetensorsWriter.write(
                to: output, tensors: [TensorInfo(name: "a", dtype: .f32, shape: [2])], metadata: nil, overwrite: false
            ) { _ in
                Tensor([Float(1), 2, 3], shape: [3])
            }
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty)
    }

    @Test func copiesASourceAndReadsItBack() throws {
        let directory = try SharedFiles.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let source = try SafetensorsFile(path: SafetensorsFixtures.url("valid/mixed_alignment.safetensors").path)
        let output = directory.appendingPathComponent("copy.safetensors").path
        try SafetensorsWriter.write(to: output, copying: source, overwrite: false)
        #expect(try Data(contentsOf: URL(fileURLWithPath: output)) == Data(contentsOf: URL(fileURLWithPath: source.location)))
    }
}
