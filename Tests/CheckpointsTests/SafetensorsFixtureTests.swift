import Foundation
import Tensors
import TestSupport
import Testing

@testable import Checkpoints

/// Files written by the reference (safetensors==0.8.0) read bit-exactly, and every crafted file gets
/// the reference's verdict.
struct SafetensorsFixtureTests {
    static let validFiles = SafetensorsFixtures.cases("valid").compactMap { $0["file"]?.stringValue }
    static let craftedFiles = SafetensorsFixtures.cases("crafted").compactMap { $0["file"]?.stringValue }

    static func entry(_ section: String, _ file: String) throws -> JSONObject {
        try #require(SafetensorsFixtures.cases(section).first { $0["file"]?.stringValue == file })
    }

    @Test func manifestIsPresent() {
        #expect(Self.validFiles.count >= 10)
        #expect(Self.craftedFiles.count >= 60)
    }

    @Test(arguments: validFiles)
    func readsReferenceFileExactly(file: String) throws {
        let entry = try Self.entry("valid", file)
        let source = try SafetensorsFile(path: SafetensorsFixtures.url(file).path)
        let expected = SafetensorsFixtures.tensors(of: entry)
        #expect(Set(source.tensorNames) == Set(expected.map(\.name)))
        #expect(source.tensorInfos.count == expected.count)
        #expect(source.metadata == (SafetensorsFixtures.metadata(of: entry) ?? [:]))
        for tensor in expected {
            #expect(source.info(named: tensor.name) == tensor.info)
            let read = try source.tensor(named: tensor.name)
            #expect(read.storage.isMapped)
            #expect(Array(read.bytes) == tensor.bytes, "bytes of \(tensor.name)")
            if let values = tensor.values { try checkValues(read, values, name: tensor.name) }
        }
    }

    /// Values decode to what numpy holds (floats through `floats()`, integers exactly).
    func checkValues(_ tensor: Tensor, _ values: [JSONValue], name: String) throws {
        switch tensor.dtype {
        case .f32, .f16, .bf16:
            let floats = try tensor.floats()
            #expect(floats.count == values.count)
            for (value, reference) in zip(floats, values.compactMap(SafetensorsFixtures.double)) {
                #expect(value == Float(reference) || (value.isNaN && reference.isNaN), "\(name)")
            }
        case .f64:
            let doubles: [Double] = tensor.scalars()
            for (value, reference) in zip(doubles, values.compactMap(SafetensorsFixtures.double)) {
                #expect(value == reference || (value.isNaN && reference.isNaN), "\(name)")
            }
        case .u64:
            #expect(tensor.scalars(as: UInt64.self) == values.compactMap { $0.numberValue?.uint64Value })
        case .bool:
            #expect(tensor.bytes.map(Int64.init) == values.compactMap { $0.numberValue?.int64Value })
        default:
            #expect(try integers(tensor) == values.compactMap { $0.numberValue?.int64Value }, "\(name)")
        }
    }

    func integers(_ tensor: Tensor) throws -> [Int64] {
        switch tensor.dtype {
        case .i64: return tensor.scalars(as: Int64.self)
        case .i32: return tensor.scalars(as: Int32.self).map(Int64.init)
        case .i16: return tensor.scalars(as: Int16.self).map(Int64.init)
        case .i8: return tensor.scalars(as: Int8.self).map(Int64.init)
        case .u32: return tensor.scalars(as: UInt32.self).map(Int64.init)
        case .u16: return tensor.scalars(as: UInt16.self).map(Int64.init)
        case .u8: return tensor.scalars(as: UInt8.self).map(Int64.init)
        default: throw Tensor.Failure.notConvertible(tensor.dtype)
        }
    }

    @Test(arguments: craftedFiles)
    func matchesTheReferenceVerdict(file: String) throws {
        let entry = try Self.entry("crafted", file)
        let reference = try #require(entry["reference"]?.stringValue)
        let path = SafetensorsFixtures.url(file).path
        let outcome = Result { () throws(SafetensorsError) -> SafetensorsFile in try SafetensorsFile(path: path) }
        if let swiftCase = entry["swift"]?.stringValue {
            // A documented deliberate difference (formats/safetensors.md): a specific case of ours.
            guard case let .failure(error) = outcome else { Issue.record("\(file): accepted, expected \(swiftCase)"); return }
            #expect(Mirror(reflecting: error).children.first?.label == swiftCase, "\(file): \(error)")
            return
        }
        switch outcome {
        case let .success(source):
            #expect(reference == "accepted", "\(file): accepted, the reference says \(reference)")
            let names = entry["tensors"]?.arrayValue?.compactMap(\.stringValue) ?? []
            #expect(source.tensorNames == names, "\(file)")
            let shapes = entry["shapes"]?.arrayValue?.map { $0.arrayValue?.compactMap { $0.numberValue?.intValue } ?? [] } ?? []
            #expect(source.tensorInfos.map(\.shape) == shapes, "\(file)")
            for name in names { _ = try source.tensor(named: name) }
        case let .failure(error):
            #expect(error.referenceCase == reference, "\(file): \(error)")
            #expect(error.description.contains(path))
        }
    }
}
