import Checkpoints
import Foundation

/// Writes small GGUF files for tests, with knobs to produce each malformation the reader must
/// refuse. Test-only: the library itself never writes GGUF.
struct GGUFTestBuilder {
    struct TensorEntry {
        var name: String
        var type: GGMLType
        /// ggml order (innermost first).
        var ggmlShape: [Int64]
        var data: [UInt8]
        /// Writes this raw type id instead of `type.rawValue`.
        var rawTypeOverride: UInt32? = nil
        /// Writes this offset instead of the computed one.
        var offsetOverride: UInt64? = nil
    }

    var version: UInt32 = 3
    var metadata: [(String, GGUFValue)] = []
    var tensors: [TensorEntry] = []
    /// Layout alignment; add `general.alignment` to `metadata` yourself to declare a non-default one.
    var alignment = 32
    /// Overrides the tensor/metadata counts written in the header.
    var tensorCountOverride: Int64? = nil
    var keyCountOverride: Int64? = nil

    func bytes() -> [UInt8] {
        var out: [UInt8] = Array("GGUF".utf8)
        append(version, to: &out)
        append(tensorCountOverride ?? Int64(tensors.count), to: &out)
        append(keyCountOverride ?? Int64(metadata.count), to: &out)
        for (key, value) in metadata {
            appendString(key, to: &out)
            append(value.type.rawValue, to: &out)
            appendValue(value, to: &out)
        }
        var offset = 0
        for tensor in tensors {
            appendString(tensor.name, to: &out)
            append(UInt32(tensor.ggmlShape.count), to: &out)
            for dim in tensor.ggmlShape { append(dim, to: &out) }
            append(tensor.rawTypeOverride ?? tensor.type.rawValue, to: &out)
            append(tensor.offsetOverride ?? UInt64(offset), to: &out)
            offset += padded(tensor.data.count)
        }
        out += [UInt8](repeating: 0, count: padded(out.count) - out.count)
        for tensor in tensors {
            out += tensor.data
            out += [UInt8](repeating: 0, count: padded(tensor.data.count) - tensor.data.count)
        }
        return out
    }

    func write(to url: URL) throws {
        try Data(bytes()).write(to: url)
    }

    private func padded(_ count: Int) -> Int { (count + alignment - 1) / alignment * alignment }

    private func append<T: FixedWidthInteger>(_ value: T, to out: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { out += $0 }
    }

    private func appendString(_ text: String, to out: inout [UInt8]) {
        append(UInt64(text.utf8.count), to: &out)
        out += Array(text.utf8)
    }

    private func appendValue(_ value: GGUFValue, to out: inout [UInt8]) {
        switch value {
        case let .uint8(v): append(v, to: &out)
        case let .int8(v): append(v, to: &out)
        case let .uint16(v): append(v, to: &out)
        case let .int16(v): append(v, to: &out)
        case let .uint32(v): append(v, to: &out)
        case let .int32(v): append(v, to: &out)
        case let .uint64(v): append(v, to: &out)
        case let .int64(v): append(v, to: &out)
        case let .float32(v): append(v.bitPattern, to: &out)
        case let .float64(v): append(v.bitPattern, to: &out)
        case let .bool(v): append(UInt8(v ? 1 : 0), to: &out)
        case let .string(s): appendString(s, to: &out)
        case let .array(type, items):
            append(type.rawValue, to: &out)
            append(UInt64(items.count), to: &out)
            for item in items { appendValue(item, to: &out) }
        }
    }
}

/// Writes `bytes` to a fresh temporary file, opens it, and removes the file.
func openGGUF(_ bytes: [UInt8]) throws -> GGUFFile {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("gguf-test-\(UUID().uuidString).gguf")
    try Data(bytes).write(to: url)
    defer { try? FileManager.default.removeItem(at: url) }
    return try GGUFFile(path: url.path)
}
