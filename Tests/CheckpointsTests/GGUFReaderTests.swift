import Foundation
import Tensors
import TestSupport
import Testing

@testable import Checkpoints

/// Hand-built files: every value type, both versions, alignment, and each refusal.
struct GGUFReaderTests {
    static let everyType: [(String, GGUFValue)] = [
        ("t.u8", .uint8(200)), ("t.i8", .int8(-100)), ("t.u16", .uint16(60000)), ("t.i16", .int16(-30000)),
        ("t.u32", .uint32(4_000_000_000)), ("t.i32", .int32(-2_000_000_000)), ("t.f32", .float32(1.5)),
        ("t.bool", .bool(true)), ("t.str", .string("héllo ▁ wörld")), ("t.u64", .uint64(18_000_000_000_000_000_000)),
        ("t.i64", .int64(-9_000_000_000_000_000_000)), ("t.f64", .float64(-2.25)),
        ("t.arr.i32", .array(.int32, [.int32(1), .int32(-2), .int32(3)])),
        ("t.arr.str", .array(.string, [.string("a"), .string(""), .string("ccc")])),
        ("t.arr.empty", .array(.float32, [])),
        ("t.arr.nested", .array(.array, [.array(.uint8, [.uint8(1), .uint8(2)]), .array(.uint8, [])])),
    ]

    static func f32Tensor(_ name: String, _ ggmlShape: [Int64], seed: Float = 0) -> GGUFTestBuilder.TensorEntry {
        let count = Int(ggmlShape.reduce(1, *))
        let values = (0..<count).map { Float($0) + seed }
        return .init(name: name, type: .f32, ggmlShape: ggmlShape, data: values.withUnsafeBytes { Array($0) })
    }

    static func valid(version: UInt32 = 3) -> GGUFTestBuilder {
        var builder = GGUFTestBuilder(version: version)
        builder.metadata = [("general.architecture", .string("llama"))] + everyType
        builder.tensors = [f32Tensor("a.weight", [3, 2]), f32Tensor("b", [5], seed: 100)]
        return builder
    }

    @Test(arguments: [UInt32(2), 3])
    func readsEveryValueTypeInBothVersions(version: UInt32) throws {
        let file = try openGGUF(Self.valid(version: version).bytes())
        #expect(file.version == version)
        #expect(file.metadataKeys == ["general.architecture"] + Self.everyType.map(\.0))
        for (key, value) in Self.everyType { #expect(file.metadata(key) == value, "\(key)") }
        #expect(try file.int("t.u32") == 4_000_000_000)
        #expect(throws: GGUFError.self) { try file.int("t.u64") }  // beyond Int.max
        #expect(try file.double("t.f32") == 1.5)
        #expect(try file.strings("t.arr.str") == ["a", "", "ccc"])
        #expect(try file.bool("t.bool"))
        #expect(file.metadata["t.arr.i32"] == "[1, -2, 3]")
        #expect(throws: GGUFError.self) { try file.string("t.u8") }
        #expect(throws: GGUFError.self) { try file.int("missing.key") }
    }

    @Test func tensorsUseRowMajorShapesAndZeroCopy() throws {
        let file = try openGGUF(Self.valid().bytes())
        #expect(
            file.tensorInfos == [TensorInfo(name: "a.weight", dtype: .f32, shape: [2, 3]), TensorInfo(name: "b", dtype: .f32, shape: [5])])
        #expect(file.ggufTensors[0].ggmlShape == [3, 2])
        #expect(file.ggufTensors[1].offset == 32)
        let a = try file.tensor(named: "a.weight")
        #expect(a.shape == [2, 3] && a.storage.isMapped)
        #expect(try a.floats() == [0, 1, 2, 3, 4, 5])
        #expect(try file.tensor(named: "b").floats() == [100, 101, 102, 103, 104])
        #expect(throws: GGUFError.unknownTensor(path: file.location, name: "c")) { try file.tensor(named: "c") }
    }

    @Test func honoursDeclaredAlignment() throws {
        var builder = Self.valid()
        builder.alignment = 64
        builder.metadata.append(("general.alignment", .uint32(64)))
        let file = try openGGUF(builder.bytes())
        #expect(file.alignment == 64)
        #expect(file.dataOffset % 64 == 0)
        #expect(file.ggufTensors[1].offset == 64)
        #expect(try file.tensor(named: "b").floats() == [100, 101, 102, 103, 104])
    }

    @Test func quantizedTensorsDequantizeAndExposeRawBlocks() throws {
        var block = [UInt8](repeating: 0, count: 34)
        block[0] = 0x00; block[1] = 0x40  // f16 2.0
        for j in 0..<32 { block[2 + j] = UInt8(bitPattern: Int8(j - 16)) }
        var builder = GGUFTestBuilder()
        builder.tensors = [.init(name: "q", type: .q8_0, ggmlShape: [32, 1], data: block)]
        let file = try openGGUF(builder.bytes())
        #expect(file.tensorInfos[0].dtype == .f32)
        #expect(try file.tensor(named: "q").floats() == (0..<32).map { Float(($0 - 16) * 2) })
        let raw = try file.rawTensor(named: "q")
        #expect(raw.type == .q8_0 && raw.shape == [1, 32] && Array(raw.storage.bytes) == block)
    }

    // MARK: refusals

    static func expectRefusal(_ bytes: [UInt8], _ matches: (GGUFError) -> Bool, sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            _ = try openGGUF(bytes)
            Issue.record("file was accepted", sourceLocation: sourceLocation)
        } catch let error as GGUFError {
            #expect(matches(error), "\(error)", sourceLocation: sourceLocation)
        } catch {
            Issue.record("untyped error \(error)", sourceLocation: sourceLocation)
        }
    }

    @Test func everyTypeHasItsGGMLName() {
        #expect(GGMLType.allCases.map(\.description).contains("Q4_K"))
        #expect(Set(GGMLType.allCases.map(\.name)).count == GGMLType.allCases.count)
    }

    @Test func refusesBadHeaders() {
        var bytes = Self.valid().bytes()
        bytes[0] = UInt8(ascii: "X")
        Self.expectRefusal(bytes) {
            if case .badMagic = $0 { return true }; return false
        }
        for version: UInt32 in [1, 4, 0x0300_0000] {
            var builder = Self.valid()
            builder.version = version
            Self.expectRefusal(builder.bytes()) {
                switch $0 {
                case .unsupportedVersion: return version != 0x0300_0000
                case .bigEndian: return version == 0x0300_0000
                default: return false
                }
            }
        }
        for count: Int64 in [-1, 1 << 40] {
            var builder = Self.valid()
            builder.tensorCountOverride = count
            Self.expectRefusal(builder.bytes()) {
                if case .absurdCount(_, "tensor", _) = $0 { return true }; return false
            }
            builder = Self.valid()
            builder.keyCountOverride = count
            Self.expectRefusal(builder.bytes()) {
                if case .absurdCount(_, "metadata", _) = $0 { return true }; return false
            }
        }
    }

    @Test func refusesBadMetadata() {
        var builder = Self.valid()
        builder.metadata.append(("t.u8", .uint8(1)))
        Self.expectRefusal(builder.bytes()) { $0 == .duplicateKey(path: $0.path, key: "t.u8") }

        for alignment: GGUFValue in [.uint32(0), .uint32(48), .int32(32), .uint64(32)] {
            builder = Self.valid()
            builder.metadata.append(("general.alignment", alignment))
            Self.expectRefusal(builder.bytes()) {
                if case .badAlignment = $0 { return true }; return false
            }
        }

        // Unknown value type 13, written by hand after a valid header.
        builder = GGUFTestBuilder()
        builder.metadata = [("k", .uint32(0x0000_000D))]
        var bytes = builder.bytes()
        let typeOffset = 4 + 4 + 8 + 8 + 8 + 1
        bytes[typeOffset] = 13
        Self.expectRefusal(bytes) {
            if case .unknownValueType(_, "k", 13) = $0 { return true }; return false
        }

        // A key whose length runs past the end of the file.
        builder = GGUFTestBuilder()
        builder.metadata = [("k", .uint8(1))]
        bytes = builder.bytes()
        bytes.replaceSubrange(24..<32, with: [0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0])
        Self.expectRefusal(bytes) {
            if case .truncated = $0 { return true }; return false
        }

        // An array claiming more elements than the file could hold.
        builder = GGUFTestBuilder()
        builder.metadata = [("k", .array(.uint32, [.uint32(1)]))]
        bytes = builder.bytes()
        let countOffset = 24 + 8 + 1 + 4 + 4
        bytes.replaceSubrange(countOffset..<countOffset + 8, with: [0, 0, 0, 0, 0, 0, 1, 0])
        Self.expectRefusal(bytes) {
            if case .absurdCount = $0 { return true }; return false
        }

        // Invalid UTF-8 in a key.
        builder = GGUFTestBuilder()
        builder.metadata = [("k", .uint8(1))]
        bytes = builder.bytes()
        bytes[32] = 0xFF
        Self.expectRefusal(bytes) {
            if case .invalidString = $0 { return true }; return false
        }

        // Arrays nested beyond the limit.
        var deep = GGUFValue.array(.uint8, [])
        for _ in 0..<GGUFByteReader.maximumArrayNesting { deep = .array(.array, [deep]) }
        builder = GGUFTestBuilder()
        builder.metadata = [("deep", deep)]
        Self.expectRefusal(builder.bytes()) { $0 == .nestingTooDeep(path: $0.path, key: "deep") }
    }

    @Test func refusesBadTensorInfos() {
        func refuse(_ edit: (inout GGUFTestBuilder.TensorEntry) -> Void, _ matches: @escaping (GGUFError) -> Bool) {
            var builder = Self.valid()
            edit(&builder.tensors[1])
            Self.expectRefusal(builder.bytes(), matches)
        }
        refuse({ $0.name = String(repeating: "n", count: 64) }) {
            if case .tensorNameTooLong(_, _, 64) = $0 { return true }; return false
        }
        refuse({ $0.name = "a.weight" }) {
            if case .duplicateTensor(_, "a.weight") = $0 { return true }; return false
        }
        refuse({ $0.ggmlShape = [1, 1, 1, 1, 5] }) {
            if case .badDimensionCount(_, "b", 5) = $0 { return true }; return false
        }
        refuse({ $0.ggmlShape = [-5] }) {
            if case .badShape = $0 { return true }; return false
        }
        refuse({ $0.ggmlShape = [1 << 40, 1 << 40] }) {
            if case .badShape = $0 { return true }; return false
        }
        refuse({ $0.rawTypeOverride = 4 }) {
            if case .unknownTensorType(_, "b", 4) = $0 { return true }; return false
        }
        refuse({ $0.rawTypeOverride = 99 }) {
            if case .unknownTensorType(_, "b", 99) = $0 { return true }; return false
        }
        refuse({
            $0.type = .q8_0; $0.ggmlShape = [5]
        }) {
            if case .shapeNotBlockAligned(_, "b", .q8_0, 5) = $0 { return true }; return false
        }
        refuse({ $0.offsetOverride = 0 }) {
            if case .unexpectedOffset(_, "b", 0, 32) = $0 { return true }; return false
        }
        refuse({ $0.offsetOverride = 33 }) {
            if case .unexpectedOffset(_, "b", 33, 32) = $0 { return true }; return false
        }
        refuse({ $0.ggmlShape = [5000] }) {
            if case .dataOutOfBounds(_, "b", _, _) = $0 { return true }; return false
        }
    }

    /// Each cut names what is missing. Hand layout of `valid()`: a 24-byte header (magic, version,
    /// tensor count 2, metadata count 17); the reader refuses counts whose smallest encodings (24
    /// bytes per tensor info, 13 per key/value) exceed what is left; then key/values and tensor infos,
    /// whose cuts are truncations (or an array longer than what is left); then the data: a.weight, 3×2
    /// f32 = 24 bytes, and b, 5 f32 = 20 bytes after padding to 32.
    @Test func refusesEveryTruncation() throws {
        let bytes = Self.valid().bytes()
        let dataOffset = try openGGUF(bytes).dataOffset
        #expect(dataOffset % 32 == 0 && dataOffset > 24 + 221)
        let (aEnd, bEnd) = (dataOffset + 24, dataOffset + 32 + 20)
        for length in 0..<bEnd {
            let left = length - 24
            Self.expectRefusal(Array(bytes[0..<length])) { error in
                switch error {
                case .truncated: return length < dataOffset && (length < 24 || left >= 17 * 13)
                case let .absurdCount(_, what, count):
                    if what == "tensor" { return length >= 24 && left < 2 * 24 && count == 2 }
                    if what == "metadata" { return left >= 2 * 24 && left < 17 * 13 && count == 17 }
                    return what.hasSuffix(" array") && left >= 17 * 13 && length < dataOffset
                case let .dataOutOfBounds(_, tensor, end, fileSize):
                    return fileSize == length && (length < aEnd ? tensor == "a.weight" && end == aEnd : tensor == "b" && end == bEnd)
                default: return false
                }
            }
        }
        // Trailing padding after the last tensor is optional.
        #expect(throws: Never.self) { try openGGUF(Array(bytes[0..<bEnd])) }
    }

    /// Random byte edits of a valid file must give a file that opens or a GGUFError, never a crash
    /// or another error. Seeded, and bounded by time rather than count.
    @Test func mutationFuzzGivesOnlyTypedErrors() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("gguf-fuzz-\(UUID().uuidString).gguf")
        defer { try? FileManager.default.removeItem(at: url) }
        var accepted = 0
        let rounds = try MutationFuzzCampaign(defaultSeconds: 5, defaultSeed: 0x6775_6766).run(corpus: [Self.valid().bytes()]) { bytes in
            try Data(bytes).write(to: url)
            do {
                let file = try GGUFFile(path: url.path)
                for name in file.tensorNames { _ = try? file.tensor(named: name) }
                _ = file.metadata
                accepted += 1
            } catch let error as GGUFError {
                #expect(!error.description.isEmpty)
            } catch {
                Issue.record("untyped error \(error)")
            }
        }
        #expect(rounds > 100)
        #expect(accepted < rounds)
    }
}

extension GGUFError {
    /// The file path each case carries.
    var path: String {
        let mirror = Mirror(reflecting: self)
        for child in mirror.children {
            if let tuple = Mirror(reflecting: child.value).children.first(where: { $0.label == "path" }) {
                return tuple.value as? String ?? ""
            }
            if let path = child.value as? String { return path }
        }
        return ""
    }
}
