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

private struct Reader {
    let bytes: UnsafeRawBufferPointer
    let maximumDepth: Int
    var position = 0

    init(bytes: UnsafeRawBufferPointer, maximumDepth: Int) {
        self.bytes = bytes
        self.maximumDepth = maximumDepth
    }

    var atEnd: Bool { position >= bytes.count }

    func peek() -> UInt8? { position < bytes.count ? bytes[position] : nil }

    mutating func skipWhitespace() {
        while let byte = peek(), byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D { position += 1 }
    }

    mutating func expect(_ literal: StaticString, value: JSONValue) throws(JSONParseError) -> JSONValue {
        let start = position
        let utf8 = UnsafeRawBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount)
        for expected in utf8 {
            guard let byte = peek() else { throw .unexpectedEnd }
            guard byte == expected else { throw .unexpectedCharacter(offset: start, expected: "a JSON value") }
            position += 1
        }
        return value
    }

    mutating func readValue(depth: Int) throws(JSONParseError) -> JSONValue {
        guard let byte = peek() else { throw .unexpectedEnd }
        switch byte {
        case UInt8(ascii: "{"): return try readObject(depth: depth + 1)
        case UInt8(ascii: "["): return try readArray(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try readString())
        case UInt8(ascii: "t"): return try expect("true", value: .bool(true))
        case UInt8(ascii: "f"): return try expect("false", value: .bool(false))
        case UInt8(ascii: "n"): return try expect("null", value: .null)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try readNumber())
        default: throw .unexpectedCharacter(offset: position, expected: "a JSON value")
        }
    }

    mutating func enter(depth: Int) throws(JSONParseError) {
        if depth > maximumDepth { throw .nestingTooDeep(offset: position, limit: maximumDepth) }
        position += 1
        skipWhitespace()
    }

    mutating func readObject(depth: Int) throws(JSONParseError) -> JSONValue {
        try enter(depth: depth)
        var object = JSONObject()
        if peek() == UInt8(ascii: "}") {
            position += 1
            return .object(object)
        }
        while true {
            guard let byte = peek() else { throw .unexpectedEnd }
            guard byte == UInt8(ascii: "\"") else { throw .unexpectedCharacter(offset: position, expected: "a string key") }
            let keyOffset = position
            let key = try readString()
            skipWhitespace()
            guard let colon = peek() else { throw .unexpectedEnd }
            guard colon == UInt8(ascii: ":") else { throw .unexpectedCharacter(offset: position, expected: "':'") }
            position += 1
            skipWhitespace()
            let value = try readValue(depth: depth)
            guard object.append(key: key, value: value) else { throw .duplicateKey(key, offset: keyOffset) }
            skipWhitespace()
            guard let separator = peek() else { throw .unexpectedEnd }
            position += 1
            if separator == UInt8(ascii: "}") { return .object(object) }
            guard separator == UInt8(ascii: ",") else { throw .unexpectedCharacter(offset: position - 1, expected: "',' or '}'") }
            skipWhitespace()
        }
    }

    mutating func readArray(depth: Int) throws(JSONParseError) -> JSONValue {
        try enter(depth: depth)
        var elements: [JSONValue] = []
        if peek() == UInt8(ascii: "]") {
            position += 1
            return .array(elements)
        }
        while true {
            elements.append(try readValue(depth: depth))
            skipWhitespace()
            guard let separator = peek() else { throw .unexpectedEnd }
            position += 1
            if separator == UInt8(ascii: "]") { return .array(elements) }
            guard separator == UInt8(ascii: ",") else { throw .unexpectedCharacter(offset: position - 1, expected: "',' or ']'") }
            skipWhitespace()
        }
    }

    /// Reads a string starting at its opening quote. The text is already known to be valid UTF-8.
    mutating func readString() throws(JSONParseError) -> String {
        position += 1
        var utf8: [UInt8] = []
        while true {
            guard let byte = peek() else { throw .unexpectedEnd }
            switch byte {
            case UInt8(ascii: "\""):
                position += 1
                return String(decoding: utf8, as: UTF8.self)
            case UInt8(ascii: "\\"):
                try readEscape(into: &utf8)
            case 0x00..<0x20:
                throw .controlCharacterInString(offset: position)
            default:
                utf8.append(byte)
                position += 1
            }
        }
    }

    mutating func readEscape(into utf8: inout [UInt8]) throws(JSONParseError) {
        let start = position
        position += 1
        guard let code = peek() else { throw .unexpectedEnd }
        position += 1
        switch code {
        case UInt8(ascii: "\""): utf8.append(0x22)
        case UInt8(ascii: "\\"): utf8.append(0x5C)
        case UInt8(ascii: "/"): utf8.append(0x2F)
        case UInt8(ascii: "b"): utf8.append(0x08)
        case UInt8(ascii: "f"): utf8.append(0x0C)
        case UInt8(ascii: "n"): utf8.append(0x0A)
        case UInt8(ascii: "r"): utf8.append(0x0D)
        case UInt8(ascii: "t"): utf8.append(0x09)
        case UInt8(ascii: "u"):
            var scalar = UInt32(try readHex4(escapeStart: start))
            if (0xDC00...0xDFFF).contains(scalar) { throw .loneSurrogate(offset: start) }
            if (0xD800...0xDBFF).contains(scalar) {
                guard position + 1 < bytes.count, bytes[position] == UInt8(ascii: "\\"), bytes[position + 1] == UInt8(ascii: "u") else {
                    throw .loneSurrogate(offset: start)
                }
                let lowStart = position
                position += 2
                let low = UInt32(try readHex4(escapeStart: lowStart))
                guard (0xDC00...0xDFFF).contains(low) else { throw .loneSurrogate(offset: start) }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            }
            guard let unicode = Unicode.Scalar(scalar) else { throw .loneSurrogate(offset: start) }
            utf8.append(contentsOf: UTF8.encode(unicode)!)
        default:
            throw .invalidEscape(offset: start)
        }
    }

    mutating func readHex4(escapeStart: Int) throws(JSONParseError) -> UInt16 {
        var value: UInt16 = 0
        for _ in 0..<4 {
            guard let byte = peek() else { throw .unexpectedEnd }
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw .invalidEscape(offset: escapeStart)
            }
            value = value << 4 | UInt16(digit)
            position += 1
        }
        return value
    }

    mutating func readDigits() -> Int {
        let start = position
        while let byte = peek(), byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") { position += 1 }
        return position - start
    }

    /// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
    mutating func readNumber() throws(JSONParseError) -> JSONNumber {
        let start = position
        if peek() == UInt8(ascii: "-") { position += 1 }
        guard let first = peek() else { throw .unexpectedEnd }
        guard first >= UInt8(ascii: "0") && first <= UInt8(ascii: "9") else { throw .invalidNumber(offset: start) }
        if first == UInt8(ascii: "0") {
            position += 1
            if let next = peek(), next >= UInt8(ascii: "0") && next <= UInt8(ascii: "9") { throw .invalidNumber(offset: start) }
        } else {
            _ = readDigits()
        }
        var isInteger = true
        if peek() == UInt8(ascii: ".") {
            position += 1
            isInteger = false
            guard readDigits() > 0 else { throw atEnd ? .unexpectedEnd : .invalidNumber(offset: start) }
        }
        if let e = peek(), e == UInt8(ascii: "e") || e == UInt8(ascii: "E") {
            position += 1
            isInteger = false
            if let sign = peek(), sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") { position += 1 }
            guard readDigits() > 0 else { throw atEnd ? .unexpectedEnd : .invalidNumber(offset: start) }
        }
        let lexeme = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
        let number = JSONNumber(lexeme: lexeme)
        // serde_json reads anything that is not a 64-bit integer as a Double and refuses infinities.
        let fitsInteger = isInteger && (number.uint64Value != nil || number.int64Value != nil)
        if !fitsInteger, !(Double(lexeme)?.isFinite ?? false) {
            throw .numberOutOfRange(offset: start, lexeme: lexeme)
        }
        return number
    }
}
