/// The type tag of a GGUF metadata value (`gguf_type` in gguf.h).
public enum GGUFValueType: UInt32, Sendable, CaseIterable {
    case uint8 = 0, int8 = 1, uint16 = 2, int16 = 3, uint32 = 4, int32 = 5, float32 = 6, bool = 7
    case string = 8, array = 9, uint64 = 10, int64 = 11, float64 = 12

    /// Size of one value on disk, or nil for strings and arrays (variable length).
    var fixedByteCount: Int? {
        switch self {
        case .uint8, .int8, .bool: return 1
        case .uint16, .int16: return 2
        case .uint32, .int32, .float32: return 4
        case .uint64, .int64, .float64: return 8
        case .string, .array: return nil
        }
    }
}

/// One GGUF metadata value. Arrays keep their element type so that an empty array still says what
/// it would hold; nested arrays (allowed by the spec, refused by ggml's own reader) are accepted.
///
/// Only the array case is boxed: array elements sit inline (`MemoryLayout<GGUFValue>.stride`, 24
/// bytes) instead of one heap box each, which made a 4-byte score cost ~50 bytes of memory.
public enum GGUFValue: Sendable, Equatable {
    case uint8(UInt8), int8(Int8), uint16(UInt16), int16(Int16), uint32(UInt32), int32(Int32)
    case uint64(UInt64), int64(Int64), float32(Float), float64(Double), bool(Bool), string(String)
    indirect case array(GGUFValueType, [GGUFValue])

    public var type: GGUFValueType {
        switch self {
        case .uint8: return .uint8
        case .int8: return .int8
        case .uint16: return .uint16
        case .int16: return .int16
        case .uint32: return .uint32
        case .int32: return .int32
        case .uint64: return .uint64
        case .int64: return .int64
        case .float32: return .float32
        case .float64: return .float64
        case .bool: return .bool
        case .string: return .string
        case .array: return .array
        }
    }

    /// The value as a signed integer if it is an integer type that fits (counts are written as
    /// u32 by llama.cpp and as u64 by the spec; callers should not care).
    public var intValue: Int? {
        switch self {
        case let .uint8(v): return Int(v)
        case let .int8(v): return Int(v)
        case let .uint16(v): return Int(v)
        case let .int16(v): return Int(v)
        case let .uint32(v): return Int(v)
        case let .int32(v): return Int(v)
        case let .uint64(v): return Int(exactly: v)
        case let .int64(v): return Int(v)
        default: return nil
        }
    }

    /// The value as a Double if it is a float or integer type.
    public var doubleValue: Double? {
        switch self {
        case let .float32(v): return Double(v)
        case let .float64(v): return v
        default: return intValue.map(Double.init)
        }
    }

    public var stringValue: String? {
        if case let .string(s) = self { return s }
        return nil
    }

    public var boolValue: Bool? {
        if case let .bool(b) = self { return b }
        return nil
    }

    public var arrayValue: [GGUFValue]? {
        if case let .array(_, items) = self { return items }
        return nil
    }

    /// A readable rendering: scalars as-is, strings verbatim, arrays as `[a, b, ...]` with at most
    /// `arrayLimit` items shown followed by the total count (vocabularies hold 100k+ strings).
    public func rendered(arrayLimit: Int = 8) -> String {
        switch self {
        case let .uint8(v): return String(v)
        case let .int8(v): return String(v)
        case let .uint16(v): return String(v)
        case let .int16(v): return String(v)
        case let .uint32(v): return String(v)
        case let .int32(v): return String(v)
        case let .uint64(v): return String(v)
        case let .int64(v): return String(v)
        case let .float32(v): return String(v)
        case let .float64(v): return String(v)
        case let .bool(v): return String(v)
        case let .string(s): return s
        case let .array(_, items):
            let shown = items.prefix(arrayLimit).map { item -> String in
                if case let .string(s) = item { return "\"\(s)\"" }
                return item.rendered(arrayLimit: arrayLimit)
            }
            let more = items.count > arrayLimit ? ", ... (\(items.count) items)" : ""
            return "[" + shown.joined(separator: ", ") + more + "]"
        }
    }
}
