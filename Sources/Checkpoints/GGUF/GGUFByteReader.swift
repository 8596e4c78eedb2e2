/// A bounds-checked little-endian cursor over a GGUF file's bytes. Every read either succeeds
/// inside the buffer or throws `GGUFError.truncated` naming what was being read.
struct GGUFByteReader {
    /// Arrays of arrays are legal GGUF; this bound only keeps hostile files from exhausting the stack.
    static let maximumArrayNesting = 8

    let bytes: UnsafeRawBufferPointer
    let path: String
    private(set) var offset = 0

    init(bytes: UnsafeRawBufferPointer, path: String) {
        self.bytes = bytes
        self.path = path
    }

    var remaining: Int { bytes.count - offset }

    private mutating func take(_ count: Int, for what: String) throws -> Int {
        guard count >= 0, count <= remaining else {
            throw GGUFError.truncated(path: path, what: what, offset: offset, needed: count - remaining)
        }
        let start = offset
        offset += count
        return start
    }

    mutating func read<Integer: FixedWidthInteger>(_: Integer.Type, for what: String) throws -> Integer {
        let start = try take(MemoryLayout<Integer>.size, for: what)
        return Integer(littleEndian: bytes.loadUnaligned(fromByteOffset: start, as: Integer.self))
    }

    /// A GGUF string: u64 byte length then the bytes (no terminator). `strict` rejects invalid UTF-8
    /// (keys, tensor names); values are decoded with replacement like ggml keeps them as raw bytes.
    mutating func readString(for what: String, strict: Bool) throws -> String {
        let lengthOffset = offset
        let length = try read(UInt64.self, for: "\(what) length")
        guard length <= UInt64(remaining) else {
            throw GGUFError.truncated(path: path, what: what, offset: offset, needed: Int(clamping: length) - remaining)
        }
        let start = try take(Int(length), for: what)
        let raw = UnsafeRawBufferPointer(rebasing: bytes[start..<start + Int(length)])
        if strict {
            guard let text = String(validating: raw, as: UTF8.self) else {
                throw GGUFError.invalidString(path: path, what: what, offset: lengthOffset)
            }
            return text
        }
        return String(decoding: raw, as: UTF8.self)
    }

    /// One metadata value of `type`, for key `key` (used in messages).
    mutating func readValue(of type: GGUFValueType, key: String, depth: Int = 0) throws -> GGUFValue {
        switch type {
        case .uint8: return .uint8(try read(UInt8.self, for: key))
        case .int8: return .int8(try read(Int8.self, for: key))
        case .uint16: return .uint16(try read(UInt16.self, for: key))
        case .int16: return .int16(try read(Int16.self, for: key))
        case .uint32: return .uint32(try read(UInt32.self, for: key))
        case .int32: return .int32(try read(Int32.self, for: key))
        case .uint64: return .uint64(try read(UInt64.self, for: key))
        case .int64: return .int64(try read(Int64.self, for: key))
        case .float32: return .float32(Float(bitPattern: try read(UInt32.self, for: key)))
        case .float64: return .float64(Double(bitPattern: try read(UInt64.self, for: key)))
        case .bool: return .bool(try read(UInt8.self, for: key) != 0)
        case .string: return .string(try readString(for: key, strict: false))
        case .array: return try readArray(key: key, depth: depth)
        }
    }

    private mutating func readArray(key: String, depth: Int) throws -> GGUFValue {
        guard depth < GGUFByteReader.maximumArrayNesting else { throw GGUFError.nestingTooDeep(path: path, key: key) }
        let rawType = try read(UInt32.self, for: "\(key) array type")
        guard let elementType = GGUFValueType(rawValue: rawType) else {
            throw GGUFError.unknownValueType(path: path, key: key, type: rawType)
        }
        let count = try read(UInt64.self, for: "\(key) array length")
        // Smallest encoding of one element: its fixed size, a string's length, an array's header.
        let minimumElementBytes = elementType.fixedByteCount ?? (elementType == .string ? 8 : 12)
        guard count <= UInt64(remaining / minimumElementBytes) else {
            throw GGUFError.absurdCount(path: path, what: "\(key) array", count: Int64(clamping: count))
        }
        var items: [GGUFValue] = []
        items.reserveCapacity(Int(count))
        for _ in 0..<Int(count) {
            items.append(try readValue(of: elementType, key: key, depth: depth + 1))
        }
        return .array(elementType, items)
    }

    /// The current offset rounded up to a multiple of `alignment` (a power of two).
    func alignedOffset(_ alignment: Int) -> Int {
        let (padded, overflow) = offset.addingReportingOverflow(alignment - 1)
        return overflow ? Int.max : padded & ~(alignment - 1)
    }
}
