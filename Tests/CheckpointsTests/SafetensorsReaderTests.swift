import Foundation
import Tensors
import TestSupport
import Testing

@testable import Checkpoints

/// Byte strings from the reference's own unit tests (huggingface/safetensors `safetensors/src/tensor.rs`),
/// each with the error variant the reference reports for it.
struct SafetensorsReaderTests {
    static let i32Header = #"{"test":{"dtype":"I32","shape":[2,2],"data_offsets":[0,16]}}"#

    static func file(length: UInt64, header: String, data: [UInt8] = []) -> [UInt8] {
        withUnsafeBytes(of: length.littleEndian, Array.init) + Array(header.utf8) + data
    }

    static func header(_ bytes: [UInt8]) throws(SafetensorsError) -> SafetensorsHeader {
        let result = bytes.withUnsafeBytes { raw in
            Result { () throws(SafetensorsError) -> SafetensorsHeader in try SafetensorsHeader(file: raw, path: "test.safetensors") }
        }
        return try result.get()
    }

    static func referenceCase(_ bytes: [UInt8]) -> String? {
        do {
            _ = try header(bytes)
            return nil
        } catch {
            return error.referenceCase
        }
    }

    @Test func readsTheReferenceDeserializationVector() throws {
        let header = try Self.header(Self.file(length: 60, header: Self.i32Header, data: Array(repeating: 0, count: 16)))
        #expect(header.entries.map(\.info) == [TensorInfo(name: "test", dtype: .i32, shape: [2, 2])])
        #expect(header.entries[0].dataRange == 0..<16)
        #expect(header.dataStart == 68)
        #expect(header.metadata == nil)
    }

    @Test func acceptsScalarsZeroSizedTensorsAndWhitespace() throws {
        let scalar = try Self.header(
            Self.file(length: 56, header: #"{"test":{"dtype":"I32","shape":[],"data_offsets":[0,4]}}"#, data: [0, 0, 0, 0]))
        #expect(scalar.entries[0].info.shape == [])
        let empty = try Self.header(Self.file(length: 60, header: #"{"test":{"dtype":"I32","shape":[2,0],"data_offsets":[0, 0]}}"#))
        #expect(empty.entries[0].info.shape == [2, 0])
        #expect(try Self.header(Self.file(length: 6, header: "{}\r \t\n")).entries.isEmpty)
        #expect(try Self.header(Self.file(length: 6, header: "\t\n{}\r ")).entries.isEmpty)
    }

    @Test func rejectsWhatTheReferenceRejects() {
        let zeros16 = [UInt8](repeating: 0, count: 16)
        #expect(Self.referenceCase([]) == "HeaderTooSmall")
        #expect(Self.referenceCase(Self.file(length: 0xFFFF_FF00_0000_003C, header: Self.i32Header, data: zeros16)) == "HeaderTooLarge")
        #expect(Self.referenceCase(Self.file(length: 60, header: "")) == "InvalidHeaderLength")
        #expect(Self.referenceCase(Self.file(length: 1, header: "", data: [0xFF])) == "InvalidHeader")
        #expect(Self.referenceCase(Self.file(length: 1, header: "{")) == "InvalidHeaderDeserialization")
        #expect(
            Self.referenceCase(
                Self.file(length: 60, header: Self.i32Header, data: zeros16 + Array("extra_bogus_data_for_polyglot_file".utf8)))
                == "MetadataIncompleteBuffer")
        #expect(
            Self.referenceCase(Self.file(length: 60, header: Self.i32Header, data: Array(zeros16.dropLast(2))))
                == "MetadataIncompleteBuffer")
        #expect(
            Self.referenceCase(Self.file(length: 60, header: #"{"test":{"dtype":"I32","shape":[2,2],"data_offsets":[0, 4]}}"#))
                == "TensorInvalidInfo")
        #expect(
            Self.referenceCase(
                Self.file(
                    length: 79, header: #"{"test":{"dtype":"I32","shape":[2,18446744073709551614],"data_offsets":[0,16]}}"#, data: zeros16))
                == "ValidationOverflow")
        #expect(
            Self.referenceCase(
                Self.file(
                    length: 78, header: #"{"test":{"dtype":"I32","shape":[2,9223372036854775807],"data_offsets":[0,16]}}"#, data: zeros16))
                == "ValidationOverflow")
        let attack =
            "{" + (0..<10).map { #""weight_\#($0)":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]}"# }.joined(separator: ",") + "}"
        #expect(Self.referenceCase(Self.file(length: UInt64(attack.utf8.count), header: attack, data: zeros16)) == "InvalidOffset")
        let misaligned = #"{"w":{"dtype":"F4","shape":[3],"data_offsets":[0,2]}}"#
        #expect(
            Self.referenceCase(Self.file(length: UInt64(misaligned.utf8.count), header: misaligned, data: [0, 0])) == "MisalignedSlice")
    }

    @Test func rejectsDuplicateKeysExplicitly() {
        let duplicated = #"{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]},"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}"#
        #expect(throws: SafetensorsError.duplicateKey(path: "test.safetensors", key: "a")) {
            try Self.header(Self.file(length: UInt64(duplicated.utf8.count), header: duplicated, data: [7]))
        }
    }

    /// The MEGALODON golden checkpoint (written by the reference writer) opens; values whose
    /// meaning the fixture's README states are read exactly.
    @Test func opensTheMegalodonGoldenCheckpoint() throws {
        let path = SharedFiles.shared("fixtures/megalodon/A_swiglu.safetensors").path
        let file = try SafetensorsFile(path: path)
        #expect(file.tensorInfos.count == 114)
        #expect(file.metadata.isEmpty)
        let freqs = try file.tensor(named: "weights.rope.freqs")
        #expect(freqs.storage.isMapped)
        let expected = (0..<8).map { Float(pow(10000.0, -Double($0) / 8)) }
        for (value, reference) in zip(try freqs.floats(), expected) { #expect(abs(value - reference) <= reference * 1e-6) }
        // README: golden.act.embed equals weights.embed.weight[golden.tokens] exactly.
        let tokens: [Int64] = try file.tensor(named: "golden.tokens").scalars()
        let embed: [Float] = try file.tensor(named: "weights.embed.weight").scalars()
        let activations = try file.tensor(named: "golden.act.embed")
        #expect(activations.shape == [2, 48, 64])
        let gathered = tokens.flatMap { embed[Int($0) * 64..<(Int($0) + 1) * 64] }
        #expect(try activations.floats() == gathered)
        #expect(throws: SafetensorsError.tensorNotFound(path: path, name: "missing")) { try file.tensor(named: "missing") }
    }

    @Test func reportsAMissingFile() {
        #expect(throws: SafetensorsError.self) { try SafetensorsFile(path: "/nonexistent/model.safetensors") }
    }
}
