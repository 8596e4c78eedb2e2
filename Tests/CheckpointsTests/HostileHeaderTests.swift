import Foundation
import Tensors
import TestSupport
import Testing

@testable import Checkpoints

/// Hostile safetensors headers and zstd indexes, read without a generic JSON tree: each is refused
/// with the typed error named here (or, where the reference accepts it, read the same way).
@Suite struct HostileHeaderTests {
    static let path = "test.safetensors"

    static func header(_ text: String, data: [UInt8] = []) throws(SafetensorsError) -> SafetensorsHeader {
        try header(bytes: Array(text.utf8), data: data)
    }

    static func header(bytes text: [UInt8], data: [UInt8] = []) throws(SafetensorsError) -> SafetensorsHeader {
        try SafetensorsReaderTests.header(SafetensorsReaderTests.file(length: UInt64(text.count), header: "", data: text + data))
    }

    static func entry(_ name: String, _ shape: String, _ offsets: String, dtype: String = "U8") -> String {
        #""\#(name)":{"dtype":"\#(dtype)","shape":\#(shape),"data_offsets":\#(offsets)}"#
    }

    @Test func duplicateTensorNamesAreRefused() {
        let text = "{" + Self.entry("a", "[1]", "[0,1]") + "," + Self.entry("a", "[1]", "[1,2]") + "}"
        #expect(throws: SafetensorsError.duplicateKey(path: Self.path, key: "a")) { try Self.header(text, data: [1, 2]) }
    }

    @Test func aRepeatedFieldOrMetadataIsRefused() {
        let field = #"{"a":{"dtype":"U8","shape":[1],"shape":[1],"data_offsets":[0,1]}}"#
        #expect(throws: SafetensorsError.duplicateKey(path: Self.path, key: "shape")) { try Self.header(field, data: [1]) }
        let metadata = #"{"__metadata__":{"k":"v","k":"w"}}"#
        #expect(throws: SafetensorsError.duplicateKey(path: Self.path, key: "k")) { try Self.header(metadata) }
        let twice = #"{"__metadata__":null,"__metadata__":{}}"#
        #expect(throws: SafetensorsError.duplicateKey(path: Self.path, key: "__metadata__")) { try Self.header(twice) }
    }

    @Test func overlappingOffsetsAreRefused() {
        let text = "{" + Self.entry("a", "[2]", "[0,2]") + "," + Self.entry("b", "[2]", "[1,3]") + "}"
        #expect(throws: SafetensorsError.invalidOffset(path: Self.path, tensor: "b", begin: 1, end: 3, expectedBegin: 2)) {
            try Self.header(text, data: [0, 0, 0])
        }
    }

    @Test func offsetsPastTheFileAreRefused() {
        let text = "{" + Self.entry("a", "[4]", "[0,4]") + "}"
        let declared = UInt64(8 + text.utf8.count + 4)
        #expect(throws: SafetensorsError.metadataIncompleteBuffer(path: Self.path, declaredSize: declared, fileSize: Int(declared) - 2)) {
            try Self.header(text, data: [0, 0])
        }
        let huge = "{" + Self.entry("a", "[0]", "[18446744073709551615,18446744073709551615]") + "}"
        #expect(throws: SafetensorsError.invalidOffset(path: Self.path, tensor: "a", begin: .max, end: .max, expectedBegin: 0)) {
            try Self.header(huge)
        }
    }

    @Test func aShapeWhoseSizeDisagreesWithItsOffsetsIsRefused() {
        let text = "{" + Self.entry("a", "[3]", "[0,2]", dtype: "F32") + "}"
        #expect(throws: SafetensorsError.tensorInvalidInfo(path: Self.path, tensor: "a", expectedBytes: 12, declaredBytes: 2)) {
            try Self.header(text, data: [0, 0])
        }
    }

    @Test func sizesThatOverflowAreRefused() {
        let text = "{" + Self.entry("a", "[4294967296,4294967296]", "[0,0]") + "}"
        #expect(throws: SafetensorsError.validationOverflow(path: Self.path, tensor: "a", shape: [1 << 32, 1 << 32])) {
            try Self.header(text)
        }
        let beyond = "{" + Self.entry("a", "[18446744073709551616]", "[0,0]") + "}"
        #expect(
            throws: SafetensorsError.invalidHeaderStructure(
                path: Self.path, tensor: "a", problem: "shape entries must be integers from 0 to 2^64-1, found 18446744073709551616")
        ) {
            try Self.header(beyond)
        }
        let negative = "{" + Self.entry("a", "[-1]", "[0,0]") + "}"
        #expect(
            throws: SafetensorsError.invalidHeaderStructure(
                path: Self.path, tensor: "a", problem: "shape entries must be integers from 0 to 2^64-1, found -1")
        ) {
            try Self.header(negative)
        }
    }

    @Test func invalidUTF8IsRefusedWithItsOffset() {
        let text = Array(#"{"a\#u{00E9}"#.utf8) + [0xC3, 0x28] + Array(#"":{}}"#.utf8)
        #expect(throws: SafetensorsError.headerNotUTF8(path: Self.path, byteOffset: 5)) { try Self.header(bytes: text) }
    }

    @Test func wrongTypesAreRefused() {
        #expect(
            throws: SafetensorsError.invalidHeaderStructure(path: Self.path, tensor: nil, problem: "expected a JSON object, found an array")
        ) {
            try Self.header("[]")
        }
        #expect(throws: SafetensorsError.invalidMetadata(path: Self.path, key: "n", problem: "values must be strings, found a number")) {
            try Self.header(#"{"__metadata__":{"n":1}}"#)
        }
        #expect(
            throws: SafetensorsError.invalidHeaderStructure(path: Self.path, tensor: "a", problem: "dtype must be a string, found a number")
        ) {
            try Self.header(#"{"a":{"dtype":3,"shape":[],"data_offsets":[0,1]}}"#)
        }
        #expect(throws: SafetensorsError.invalidHeaderStructure(path: Self.path, tensor: "a", problem: "missing field \"data_offsets\"")) {
            try Self.header(#"{"a":{"dtype":"U8","shape":[]}}"#)
        }
        #expect(throws: SafetensorsError.unknownDType(path: Self.path, tensor: "a", dtype: "F33")) {
            try Self.header(#"{"a":{"dtype":"F33","shape":[],"data_offsets":[0,1]}}"#)
        }
        #expect(
            throws: SafetensorsError.invalidHeaderStructure(
                path: Self.path, tensor: "a", problem: "data_offsets must hold exactly 2 integers, found 5")
        ) {
            try Self.header(#"{"a":{"dtype":"U8","shape":[],"data_offsets":[0,1,2,3,4]}}"#)
        }
    }

    /// The header that used to take 17.5 bytes of memory per byte: one key holding a long array.
    @Test func aLongArrayWhereAnEntryBelongsIsRefusedWithoutBuildingIt() {
        let text = #"{"k":["# + Array(repeating: "0", count: 200_000).joined(separator: ",") + "]}"
        #expect(
            throws: SafetensorsError.invalidHeaderStructure(
                path: Self.path, tensor: "k", problem: "expected an object with dtype, shape and data_offsets, found an array")
        ) {
            try Self.header(text)
        }
    }

    @Test func aShapeOfMoreThan64DimensionsIsRefused() {
        let rank65 = "[" + Array(repeating: "0", count: 65).joined(separator: ",") + "]"
        #expect(throws: SafetensorsError.shapeRankTooLarge(path: Self.path, tensor: "a", limit: 64)) {
            try Self.header("{" + Self.entry("a", rank65, "[0,0]") + "}")
        }
        let rank64 = "[" + Array(repeating: "1", count: 64).joined(separator: ",") + "]"
        #expect((try? Self.header("{" + Self.entry("a", rank64, "[0,1]") + "}", data: [0]))?.entries.first?.info.shape.count == 64)
    }

    @Test func nestingPast127LevelsInAnIgnoredFieldIsRefused() {
        let deep = String(repeating: "[", count: 126) + String(repeating: "]", count: 126)
        let text = #"{"a":{"dtype":"U8","shape":[],"data_offsets":[0,1],"extra":"# + deep + "}}"
        #expect(throws: SafetensorsError.invalidHeaderJSON(path: Self.path, .nestingTooDeep(offset: 59 + 125, limit: 127))) {
            try Self.header(text, data: [0])
        }
        let fits = String(repeating: "[", count: 125) + String(repeating: "]", count: 125)
        #expect(
            (try? Self.header(#"{"a":{"dtype":"U8","shape":[],"data_offsets":[0,1],"extra":"# + fits + "}}", data: [0]))?.entries.count == 1
        )
    }

    /// What serde accepts: unknown fields skipped (even with repeated keys inside them), the array
    /// form of an entry, the tagged form of a dtype, escapes in names, null metadata.
    @Test func whatTheReferenceAcceptsIsRead() throws {
        let text =
            #"{"__metadata__":null,"b\u00e9":["U8",[1],[1,2]],"a":{"junk":{"x":1,"x":[2]},"dtype":{"I8":null},"shape":[1],"data_offsets":[0,1]}}"#
        let header = try Self.header(text, data: [5, 6])
        #expect(
            header.entries.map(\.info) == [TensorInfo(name: "a", dtype: .i8, shape: [1]), TensorInfo(name: "bé", dtype: .u8, shape: [1])])
        #expect(header.entries.map(\.dataRange) == [0..<1, 1..<2])
        #expect(header.metadata == nil)
        let metadata = try Self.header(#"{"__metadata__":{"format":"pt","z":"\n"}}"#)
        #expect(metadata.metadata?.map(\.key) == ["format", "z"])
        #expect(metadata.metadata?.map(\.value) == ["pt", "\n"])
    }
}

extension HostileHeaderTests {
    /// A container holding one 33-byte tensor whose index is replaced by `index(entryFields)`, where
    /// `entryFields` is the writer's own JSON for the entry without its braces.
    static func container(index: (String) -> String) throws -> String {
        let folder = try SharedFiles.temporaryDirectory()
        let path = folder.appendingPathComponent("one.mzst").path
        try ZstdContainerWriter().write(
            ArraySource([("bytes", Tensor((0..<33).map { UInt8($0) }, shape: [33]))]), to: path, overwrite: false)
        let original = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        let entry = try #require(try ZstdContainerFile(path: path).entries.first)
        let written = ZstdContainerWriter.indexJSON([entry], metadata: [:])
        let fields = try #require(written.range(of: #"{"name""#).map { String(written[$0.lowerBound...].dropFirst().prefix { $0 != "}" }) })
        let text = Array(index(fields).utf8)
        let footer = original.count - ZstdContainer.footerSize
        let indexOffset = Int(original[footer..<(footer + 8)].withUnsafeBytes { $0.loadUnaligned(as: UInt64.self).littleEndian })
        var file = Array(original[..<indexOffset]) + text
        for field in [UInt64(indexOffset), UInt64(text.count), XXH64.hash(text)] { withUnsafeBytes(of: field.littleEndian) { file += $0 } }
        file += ZstdContainer.footerMagic
        let hostile = folder.appendingPathComponent("hostile.mzst").path
        try Data(file).write(to: URL(fileURLWithPath: hostile))
        return hostile
    }

    @Test func anIndexInAnyKeyOrderWithUnknownKeysReads() throws {
        let padding = "[" + Array(repeating: "0", count: 100_000).joined(separator: ",") + "]"
        let path = try Self.container { #"{"tensors":[{"later":\#(padding),\#($0)}],"pad":\#(padding),"format":"megalodon-zstd"}"# }
        let container = try ZstdContainerFile(path: path)
        #expect(try container.tensor(named: "bytes").scalars() as [UInt8] == (0..<33).map { UInt8($0) })
    }

    @Test func aRepeatedIndexKeyIsRefused() throws {
        var text = ""
        let path = try Self.container {
            text = #"{"format":"megalodon-zstd","tensors":[],"tensors":[{\#($0)}]}"#; return text
        }
        let offset = text.utf8.count - text.drop { $0 != "]" }.utf8.count + 2
        #expect(
            throws: ZstdContainerError.invalidIndex(path: path, problem: JSONParseError.duplicateKey("tensors", offset: offset).description)
        ) {
            try ZstdContainerFile(path: path)
        }
        let field = try Self.container {
            text = #"{"format":"megalodon-zstd","tensors":[{"size":33,\#($0)}]}"#; return text
        }
        let second = text.ranges(of: #""size""#)[1].lowerBound
        #expect(
            throws: ZstdContainerError.invalidIndex(
                path: field,
                problem: JSONParseError.duplicateKey("size", offset: text.utf8.distance(from: text.startIndex, to: second)).description)
        ) {
            try ZstdContainerFile(path: field)
        }
    }

    @Test func aShapeOfMoreThan16DimensionsIsRefused() throws {
        let shape = "[" + Array(repeating: "1", count: 17).joined(separator: ",") + "]"
        let path = try Self.container {
            #"{"format":"megalodon-zstd","tensors":[{"shape":\#(shape),\#($0.replacingOccurrences(of: #""shape":[33],"#, with: ""))}]}"#
        }
        #expect(
            throws: ZstdContainerError.invalidEntry(path: path, tensor: "bytes", problem: "shape has more than 16 dimensions, too large")
        ) {
            try ZstdContainerFile(path: path)
        }
    }

    @Test func aDuplicateTensorNameAndNonUTF8AreRefused() throws {
        let twice = try Self.container { #"{"format":"megalodon-zstd","tensors":[{\#($0)},{\#($0)}]}"# }
        #expect(throws: ZstdContainerError.overlappingFrames(path: twice, tensor: "bytes")) { try ZstdContainerFile(path: twice) }
        let latin1 = try Self.container { #"{"format":"megalodon-zstd","tensors":[{\#($0)}],"x":"\#u{00E9}"}"# }
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: latin1)))
        // Turn the 2-byte é into 0xE9 0x20 (Latin-1 é and a space): not UTF-8. The checksum must follow.
        let footer = bytes.count - ZstdContainer.footerSize
        let indexOffset = Int(bytes[footer..<(footer + 8)].withUnsafeBytes { $0.loadUnaligned(as: UInt64.self).littleEndian })
        let position = try #require(bytes[indexOffset..<footer].firstIndex(of: 0xC3))
        bytes[position] = 0xE9
        bytes[position + 1] = 0x20
        let checksum = XXH64.hash(Array(bytes[indexOffset..<footer]))
        withUnsafeBytes(of: checksum.littleEndian) { bytes.replaceSubrange((footer + 16)..<(footer + 24), with: $0) }
        try Data(bytes).write(to: URL(fileURLWithPath: latin1))
        #expect(throws: ZstdContainerError.invalidIndex(path: latin1, problem: "invalid UTF-8 at byte \(position - indexOffset)")) {
            try ZstdContainerFile(path: latin1)
        }
    }
}
