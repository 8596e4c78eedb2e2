/// A strict, bounded JSON reader (RFC 8259) that mirrors serde_json's acceptance rules: one value
/// with optional whitespace (space, tab, LF, CR) around it, no trailing commas or comments, strings
/// without raw control characters or unpaired surrogates, numbers that do not overflow a Double,
/// at most 127 levels of nesting (serde_json's recursion limit). Unlike serde_json it also rejects
/// duplicate object keys, so every consumer sees one unambiguous value per key.
public enum JSONParser {
    /// serde_json refuses to nest deeper than this, so headers it reads fit within the same bound.
    public static let defaultMaximumDepth = 127

    public static func parse(_ text: String, maximumDepth: Int = defaultMaximumDepth) throws(JSONParseError) -> JSONValue {
        try parse(Array(text.utf8), maximumDepth: maximumDepth)
    }

    public static func parse(_ bytes: [UInt8], maximumDepth: Int = defaultMaximumDepth) throws(JSONParseError) -> JSONValue {
        let result = bytes.withUnsafeBytes { raw in
            Result { () throws(JSONParseError) -> JSONValue in try parse(raw, maximumDepth: maximumDepth) }
        }
        return try result.get()
    }

    /// Validates UTF-8 first (so encoding problems are reported as such), then parses.
    public static func parse(_ bytes: UnsafeRawBufferPointer, maximumDepth: Int = defaultMaximumDepth) throws(JSONParseError) -> JSONValue {
        if let offset = firstInvalidUTF8Offset(bytes) { throw .invalidUTF8(offset: offset) }
        var reader = Reader(bytes: bytes, maximumDepth: maximumDepth)
        reader.skipWhitespace()
        let value = try reader.readValue(depth: 0)
        reader.skipWhitespace()
        if reader.position != bytes.count { throw .trailingCharacters(offset: reader.position) }
        return value
    }

    /// The offset of the first byte that starts an ill-formed UTF-8 sequence, or nil if the bytes
    /// are well-formed (no overlong forms, surrogates or code points above U+10FFFF).
    public static func firstInvalidUTF8Offset(_ bytes: UnsafeRawBufferPointer) -> Int? {
        var index = 0
        let count = bytes.count
        while index < count {
            let lead = bytes[index]
            if lead < 0x80 { index += 1; continue }
            let length: Int
            var lower: UInt8 = 0x80, upper: UInt8 = 0xBF
            switch lead {
            case 0xC2...0xDF: length = 2
            case 0xE0: length = 3; lower = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED: length = 3; upper = 0x9F
            case 0xF0: length = 4; lower = 0x90
            case 0xF1...0xF3: length = 4
            case 0xF4: length = 4; upper = 0x8F
            default: return index
            }
            guard index + length <= count else { return index }
            let second = bytes[index + 1]
            guard second >= lower && second <= upper else { return index }
            for continuation in stride(from: index + 2, to: index + length, by: 1) {
                guard bytes[continuation] & 0xC0 == 0x80 else { return index }
            }
            index += length
        }
        return nil
    }
}

/// Builds the generic tree from `JSONScanner`'s tokens.
private struct Reader {
    var scanner: JSONScanner
    let maximumDepth: Int

    init(bytes: UnsafeRawBufferPointer, maximumDepth: Int) {
        scanner = JSONScanner(bytes: bytes)
        self.maximumDepth = maximumDepth
    }

    var position: Int { scanner.position }

    mutating func skipWhitespace() { scanner.skipWhitespace() }

    mutating func readValue(depth: Int) throws(JSONParseError) -> JSONValue {
        guard let byte = scanner.peek() else { throw .unexpectedEnd }
        switch byte {
        case UInt8(ascii: "{"): return try readObject(depth: depth + 1)
        case UInt8(ascii: "["): return try readArray(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try scanner.readString())
        case UInt8(ascii: "t"): try scanner.expect("true"); return .bool(true)
        case UInt8(ascii: "f"): try scanner.expect("false"); return .bool(false)
        case UInt8(ascii: "n"): try scanner.expect("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            return .number(JSONNumber(lexeme: scanner.text(try scanner.readNumber().lexeme)))
        default: throw .unexpectedCharacter(offset: scanner.position, expected: "a JSON value")
        }
    }

    mutating func readObject(depth: Int) throws(JSONParseError) -> JSONValue {
        var object = JSONObject()
        if try scanner.enter(depth: depth, maximumDepth: maximumDepth) { return .object(object) }
        repeat {
            let (key, keyOffset) = try scanner.readKey()
            let value = try readValue(depth: depth)
            guard object.append(key: key, value: value) else { throw .duplicateKey(key, offset: keyOffset) }
        } while try scanner.next(inObject: true)
        return .object(object)
    }

    mutating func readArray(depth: Int) throws(JSONParseError) -> JSONValue {
        var elements: [JSONValue] = []
        if try scanner.enter(depth: depth, maximumDepth: maximumDepth) { return .array(elements) }
        repeat {
            elements.append(try readValue(depth: depth))
        } while try scanner.next(inObject: false)
        return .array(elements)
    }
}
