/// A minimal protocol-buffers wire-format reader: enough to walk a SentencePiece `ModelProto`.
/// Every read is bounds-checked; malformed input throws `Failure`.
struct ProtobufReader {
    enum Failure: Error, Equatable {
        case truncated(offset: Int)
        case badVarint(offset: Int)
        case unsupportedWireType(Int, offset: Int)
    }

    enum Value {
        case varint(UInt64)
        case fixed64(UInt64)
        case fixed32(UInt32)
        case bytes(ArraySlice<UInt8>)
    }

    private let bytes: ArraySlice<UInt8>
    private var offset: Int

    init(_ bytes: ArraySlice<UInt8>) {
        self.bytes = bytes
        offset = bytes.startIndex
    }

    var isAtEnd: Bool { offset >= bytes.endIndex }

    private mutating func varint() throws -> UInt64 {
        let start = offset
        var result: UInt64 = 0
        for shift in stride(from: 0, to: 70, by: 7) {
            guard offset < bytes.endIndex else { throw Failure.truncated(offset: offset) }
            let byte = bytes[offset]
            offset += 1
            guard shift < 64 else { throw Failure.badVarint(offset: start) }
            result |= UInt64(byte & 0x7F) << UInt64(shift)
            if byte < 0x80 { return result }
        }
        throw Failure.badVarint(offset: start)
    }

    private mutating func take(_ count: Int) throws -> ArraySlice<UInt8> {
        guard count >= 0, count <= bytes.endIndex - offset else { throw Failure.truncated(offset: offset) }
        defer { offset += count }
        return bytes[offset..<offset + count]
    }

    /// The next field number and value, or nil at the end.
    mutating func next() throws -> (field: Int, value: Value)? {
        guard !isAtEnd else { return nil }
        let keyOffset = offset
        let key = try varint()
        let field = Int(truncatingIfNeeded: key >> 3)
        switch key & 7 {
        case 0: return (field, .varint(try varint()))
        case 1: return (field, .fixed64(try take(8).reversed().reduce(0) { $0 << 8 | UInt64($1) }))
        case 2:
            let length = try varint()
            guard length <= UInt64(Int.max) else { throw Failure.truncated(offset: offset) }
            return (field, .bytes(try take(Int(length))))
        case 5: return (field, .fixed32(try take(4).reversed().reduce(0) { $0 << 8 | UInt32($1) }))
        default: throw Failure.unsupportedWireType(Int(key & 7), offset: keyOffset)
        }
    }
}
