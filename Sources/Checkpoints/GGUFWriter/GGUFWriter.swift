import Foundation
import Tensors

/// Writes GGUF v3 files that llama.cpp and gguf-py load: key/values, tensor infos with ggml-order
/// dimensions (innermost first) and offsets padded to the alignment, then the tensor data,
/// streamed one tensor at a time after a header computed from the shapes alone.
public struct GGUFWriter {
    public static let alignment = 32
    public static let version: UInt32 = 3

    /// Key/values in the order written.
    public var metadata: [(key: String, value: GGUFValue)]
    /// Called after each tensor with the bytes written so far.
    public var progress: (Int) -> Void = { _ in }
    /// Tensors whose bytes are already ggml blocks of the given type: the source gives them as U8
    /// [rows, row bytes] and the file records the value shape [rows, columns] and the block type.
    public var blockTypes: [String: GGMLType] = [:]

    public init(metadata: [(key: String, value: GGUFValue)]) { self.metadata = metadata }

    /// The ggml type storing `dtype` (F32, F16, BF16 and the plain integer types): the inverse of
    /// `GGMLType.plainDType`.
    public static func ggmlType(for dtype: DType) -> GGMLType? {
        GGMLType.allCases.first { $0.plainDType == dtype }
    }

    public func write(_ source: TensorSource, to path: String, overwrite: Bool) throws {
        try AtomicOutput.writeFile(at: path, overwrite: overwrite) { file in try write(source, into: file) }
    }

    public func write(_ source: TensorSource, into file: OutputFile) throws {
        var keys = Set<String>()
        for (key, _) in metadata where !keys.insert(key).inserted { throw GGUFWriteError.duplicateKey(path: file.path, key: key) }
        let infos = source.tensorInfos
        var header = GGUFEncoder()
        header.bytes += Array("GGUF".utf8)
        header.u32(Self.version)
        header.u64(UInt64(infos.count))
        header.u64(UInt64(metadata.count))
        for (key, value) in metadata {
            header.string(key)
            header.value(value)
        }
        var offset = 0
        for info in infos {
            guard info.name.utf8.count <= GGUFFile.maximumTensorNameBytes else {
                throw GGUFWriteError.nameTooLong(path: file.path, tensor: info.name)
            }
            guard info.shape.count <= GGUFFile.maximumDimensions else {
                throw GGUFWriteError.tooManyDimensions(path: file.path, tensor: info.name, shape: info.shape)
            }
            let (type, shape) = try Self.stored(info, blockType: blockTypes[info.name], path: file.path)
            header.string(info.name)
            let dimensions = shape.isEmpty ? [1] : Array(shape.reversed())
            header.u32(UInt32(dimensions.count))
            for dimension in dimensions { header.u64(UInt64(dimension)) }
            header.u32(type.rawValue)
            header.u64(UInt64(offset))
            offset += Self.padded(info.byteCount)
        }
        header.bytes += [UInt8](repeating: 0, count: Self.padded(header.bytes.count) - header.bytes.count)
        try file.write(header.bytes)
        var done = 0
        for info in infos {
            let tensor = try source.tensor(named: info.name)
            guard tensor.dtype == info.dtype, tensor.shape == info.shape else {
                throw GGUFWriteError.producedTensorMismatch(path: file.path, tensor: info.name)
            }
            try file.write(tensor.bytes)
            try file.write([UInt8](repeating: 0, count: Self.padded(tensor.byteCount) - tensor.byteCount))
            MappedPages.release(tensor)
            done += info.byteCount
            progress(done)
        }
    }

    /// The ggml type and value shape a tensor is recorded with.
    static func stored(_ info: TensorInfo, blockType: GGMLType?, path: String) throws -> (GGMLType, [Int]) {
        guard let blockType else {
            guard let type = ggmlType(for: info.dtype) else {
                throw GGUFWriteError.unsupportedDType(path: path, tensor: info.name, dtype: info.dtype)
            }
            return (type, info.shape)
        }
        guard info.dtype == .u8, let rowBytes = info.shape.last, info.shape.count >= 2, rowBytes % blockType.blockByteCount == 0 else {
            throw GGUFWriteError.notWholeBlocks(path: path, tensor: info.name, type: blockType.name, shape: info.shape)
        }
        return (blockType, info.shape.dropLast() + [rowBytes / blockType.blockByteCount * blockType.blockSize])
    }

    static func padded(_ count: Int) -> Int { (count + alignment - 1) / alignment * alignment }
}

/// Little-endian GGUF serialisation of header parts.
struct GGUFEncoder {
    var bytes: [UInt8] = []

    mutating func u32(_ value: UInt32) { withUnsafeBytes(of: value.littleEndian) { bytes += $0 } }
    mutating func u64(_ value: UInt64) { withUnsafeBytes(of: value.littleEndian) { bytes += $0 } }

    mutating func string(_ text: String) {
        u64(UInt64(text.utf8.count))
        bytes += Array(text.utf8)
    }

    mutating func value(_ value: GGUFValue) {
        u32(value.type.rawValue)
        payload(value)
    }

    mutating func payload(_ value: GGUFValue) {
        switch value {
        case let .uint8(v): bytes.append(v)
        case let .int8(v): bytes.append(UInt8(bitPattern: v))
        case let .uint16(v): withUnsafeBytes(of: v.littleEndian) { bytes += $0 }
        case let .int16(v): withUnsafeBytes(of: v.littleEndian) { bytes += $0 }
        case let .uint32(v): u32(v)
        case let .int32(v): withUnsafeBytes(of: v.littleEndian) { bytes += $0 }
        case let .uint64(v): u64(v)
        case let .int64(v): withUnsafeBytes(of: v.littleEndian) { bytes += $0 }
        case let .float32(v): u32(v.bitPattern)
        case let .float64(v): u64(v.bitPattern)
        case let .bool(v): bytes.append(v ? 1 : 0)
        case let .string(text): string(text)
        case let .array(type, items):
            u32(type.rawValue)
            u64(UInt64(items.count))
            for item in items { payload(item) }
        }
    }
}

public enum GGUFWriteError: Error, Equatable, Sendable, CustomStringConvertible {
    case duplicateKey(path: String, key: String)
    case nameTooLong(path: String, tensor: String)
    case tooManyDimensions(path: String, tensor: String, shape: [Int])
    case unsupportedDType(path: String, tensor: String, dtype: DType)
    case producedTensorMismatch(path: String, tensor: String)
    case notWholeBlocks(path: String, tensor: String, type: String, shape: [Int])

    public var description: String {
        switch self {
        case let .duplicateKey(path, key): return "\(path): metadata key \(key) given twice"
        case let .nameTooLong(path, tensor): return "\(path): tensor name \"\(tensor)\" is longer than GGUF's 63 bytes"
        case let .tooManyDimensions(path, tensor, shape):
            return "\(path): tensor \"\(tensor)\" has shape \(shape); GGUF allows at most 4 dimensions"
        case let .unsupportedDType(path, tensor, dtype):
            return "\(path): tensor \"\(tensor)\" is \(dtype), which this GGUF writer does not store"
        case let .notWholeBlocks(path, tensor, type, shape):
            return "\(path): tensor \"\(tensor)\" (U8 \(shape)) is not whole rows of \(type) blocks"
        case let .producedTensorMismatch(path, tensor): return "\(path): tensor \"\(tensor)\" does not have the promised dtype and shape"
        }
    }
}
