/// A bounds-checked little-endian cursor over a GGUF file's bytes. Every read either succeeds
/// inside the buffer or throws `GGUFError.truncated` naming what was being read.
struct GGUFByteReader {
    /// Arrays of arrays are legal GGUF; this bound only keeps hostile files from exhausting the stack.
    static let maximumArrayNesting = 8

    let bytes: UnsafeRawBufferPointer
    let path: String
    private(set) var offset = 0
    /// Estimated bytes of memory the metadata values read so far occupy, and the most they may.
    private(set) var valueMemory = 0
    let valueMemoryLimit: Int

    /// Metadata may take at most 16 bytes of memory per file byte plus 16 MiB: real files (tokens,
    /// scores, merges, a tokenizer's charsmap) stay far below, while a file of 1-byte array
    /// elements (24 bytes each in memory) is refused instead of inflating 24 times.
    static func valueMemoryLimit(fileSize: Int) -> Int {
        let (scaled, overflow) = fileSize.multipliedReportingOverflow(by: 16)
        return overflow ? Int.max : scaled.addingReportingOverflow(1 << 24).overflow ? Int.max : scaled + (1 << 24)
    }

    init(bytes: UnsafeRawBufferPointer, path: String, valueMemoryLimit: Int? = nil) {
        self.bytes = bytes
        self.path = path
        self.valueMemoryLimit = valueMemoryLimit ?? Self.valueMemoryLimit(fileSize: bytes.count)
    }

    /// Counts `bytes` of memory against the limit for the value of `key`.
    private mutating func charge(_ bytes: Int, key: String) throws {
        valueMemory += bytes
        guard valueMemory <= valueMemoryLimit else { throw GGUFError.metadataTooLarge(path: path, key: key, limit: valueMemoryLimit) }
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
    mutating func readValue(of type: GGUFValueType, key: String) throws -> GGUFValue {
        try charge(MemoryLayout<GGUFValue>.stride, key: key)
        return try readPayload(of: type, key: key, depth: 0)
    }

    /// A value whose own slot (a key's entry or an array element) has already been charged.
    private mutating func readPayload(of type: GGUFValueType, key: String, depth: Int) throws -> GGUFValue {
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
        case .string:
            let text = try readString(for: key, strict: false)
            // Up to 15 UTF-8 bytes live inside the String; longer ones take a heap buffer.
            if text.utf8.count > 15 { try charge(32 + text.utf8.count, key: key) }
            return .string(text)
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
        // The array case's box and header, and every element slot, before the slots are reserved.
        try charge(48 + Int(count) * MemoryLayout<GGUFValue>.stride, key: key)
        var items: [GGUFValue] = []
        items.reserveCapacity(Int(count))
        for _ in 0..<Int(count) {
            items.append(try readPayload(of: elementType, key: key, depth: depth + 1))
        }
        return .array(elementType, items)
    }

    /// The current offset rounded up to a multiple of `alignment` (a power of two).
    func alignedOffset(_ alignment: Int) -> Int {
        let (padded, overflow) = offset.addingReportingOverflow(alignment - 1)
        return overflow ? Int.max : padded & ~(alignment - 1)
    }
}
