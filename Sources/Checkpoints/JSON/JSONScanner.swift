/// A cursor over JSON text that reads or skips one token at a time, with serde_json's lexical rules
/// (see `JSONParser`). Typed decoders walk a document with it and keep only the values they need,
/// so hostile text costs memory in proportion to what is kept, never a whole generic tree;
/// `JSONParser` builds its tree from the same tokens.
struct JSONScanner {
    let bytes: UnsafeRawBufferPointer
    var position = 0

    init(bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    var atEnd: Bool { position >= bytes.count }

    func peek() -> UInt8? { position < bytes.count ? bytes[position] : nil }

    /// What the value starting at the cursor is, for messages ("an array", ...).
    var kindAhead: String {
        switch peek() {
        case UInt8(ascii: "{"): return "an object"
        case UInt8(ascii: "["): return "an array"
        case UInt8(ascii: "\""): return "a string"
        case UInt8(ascii: "t"), UInt8(ascii: "f"): return "a boolean"
        case UInt8(ascii: "n"): return "null"
        default: return "a number"
        }
    }

    mutating func skipWhitespace() {
        while let byte = peek(), byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D { position += 1 }
    }

    mutating func expect(_ literal: StaticString) throws(JSONParseError) {
        let start = position
        let utf8 = UnsafeRawBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount)
        for expected in utf8 {
            guard let byte = peek() else { throw .unexpectedEnd }
            guard byte == expected else { throw .unexpectedCharacter(offset: start, expected: "a JSON value") }
            position += 1
        }
    }

    /// Consumes `{` or `[` (the cursor is on it) and the whitespace after it; true when the container
    /// closes at once. `depth` counts the container itself.
    mutating func enter(depth: Int, maximumDepth: Int) throws(JSONParseError) -> Bool {
        if depth > maximumDepth { throw .nestingTooDeep(offset: position, limit: maximumDepth) }
        let close = bytes[position] == UInt8(ascii: "{") ? UInt8(ascii: "}") : UInt8(ascii: "]")
        position += 1
        skipWhitespace()
        guard peek() == close else { return false }
        position += 1
        return true
    }

    /// After a member or element: consumes `,` (true: another follows) or the closing bracket (false).
    mutating func next(inObject: Bool) throws(JSONParseError) -> Bool {
        skipWhitespace()
        guard let separator = peek() else { throw .unexpectedEnd }
        position += 1
        if separator == (inObject ? UInt8(ascii: "}") : UInt8(ascii: "]")) { return false }
        guard separator == UInt8(ascii: ",") else {
            throw .unexpectedCharacter(offset: position - 1, expected: inObject ? "',' or '}'" : "',' or ']'")
        }
        skipWhitespace()
        return true
    }

    /// Reads an object key and its colon; the cursor is then on the member's value.
    mutating func readKey() throws(JSONParseError) -> (key: String, offset: Int) {
        guard let byte = peek() else { throw .unexpectedEnd }
        guard byte == UInt8(ascii: "\"") else { throw .unexpectedCharacter(offset: position, expected: "a string key") }
        let offset = position
        let key = try readString()
        try skipColon()
        return (key, offset)
    }

    /// Skips an object key the caller does not need, and its colon.
    mutating func skipKey() throws(JSONParseError) {
        guard let byte = peek() else { throw .unexpectedEnd }
        guard byte == UInt8(ascii: "\"") else { throw .unexpectedCharacter(offset: position, expected: "a string key") }
        _ = try scanString(keeping: false)
        try skipColon()
    }

    private mutating func skipColon() throws(JSONParseError) {
        skipWhitespace()
        guard let colon = peek() else { throw .unexpectedEnd }
        guard colon == UInt8(ascii: ":") else { throw .unexpectedCharacter(offset: position, expected: "':'") }
        position += 1
        skipWhitespace()
    }

    /// Checks one value's syntax and moves past it without keeping anything. Duplicate keys are not
    /// looked for: nothing reads a skipped value, so it cannot be ambiguous (serde ignores them too).
    mutating func skipValue(depth: Int, maximumDepth: Int) throws(JSONParseError) {
        guard let byte = peek() else { throw .unexpectedEnd }
        switch byte {
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            let isObject = byte == UInt8(ascii: "{")
            if try enter(depth: depth + 1, maximumDepth: maximumDepth) { return }
            repeat {
                if isObject { try skipKey() }
                try skipValue(depth: depth + 1, maximumDepth: maximumDepth)
            } while try next(inObject: isObject)
        case UInt8(ascii: "\""): _ = try scanString(keeping: false)
        case UInt8(ascii: "t"): try expect("true")
        case UInt8(ascii: "f"): try expect("false")
        case UInt8(ascii: "n"): try expect("null")
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): _ = try readNumber()
        default: throw .unexpectedCharacter(offset: position, expected: "a JSON value")
        }
    }

    /// Checks that the whole text is one JSON value with optional whitespace around it.
    mutating func validateDocument(maximumDepth: Int) throws(JSONParseError) {
        skipWhitespace()
        try skipValue(depth: 0, maximumDepth: maximumDepth)
        skipWhitespace()
        if position != bytes.count { throw .trailingCharacters(offset: position) }
    }

    /// Reads a string starting at its opening quote. The text is already known to be valid UTF-8.
    mutating func readString() throws(JSONParseError) -> String {
        try scanString(keeping: true) ?? ""
    }

    /// Reads or skips a string; a string without escapes is copied once, straight from the text.
    mutating func scanString(keeping: Bool) throws(JSONParseError) -> String? {
        position += 1
        let start = position
        var utf8: [UInt8]? = nil
        while true {
            guard let byte = peek() else { throw .unexpectedEnd }
            switch byte {
            case UInt8(ascii: "\""):
                defer { position += 1 }
                guard keeping else { return nil }
                if let utf8 { return String(decoding: utf8, as: UTF8.self) }
                return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
            case UInt8(ascii: "\\"):
                if utf8 == nil { utf8 = keeping ? Array(bytes[start..<position]) : [] }
                try readEscape(into: &utf8!, keeping: keeping)
            case 0x00..<0x20:
                throw .controlCharacterInString(offset: position)
            default:
                if keeping, utf8 != nil { utf8!.append(byte) }
                position += 1
            }
        }
    }

    private mutating func readEscape(into utf8: inout [UInt8], keeping: Bool) throws(JSONParseError) {
        let start = position
        position += 1
        guard let code = peek() else { throw .unexpectedEnd }
        position += 1
        let decoded: UInt8
        switch code {
        case UInt8(ascii: "\""): decoded = 0x22
        case UInt8(ascii: "\\"): decoded = 0x5C
        case UInt8(ascii: "/"): decoded = 0x2F
        case UInt8(ascii: "b"): decoded = 0x08
        case UInt8(ascii: "f"): decoded = 0x0C
        case UInt8(ascii: "n"): decoded = 0x0A
        case UInt8(ascii: "r"): decoded = 0x0D
        case UInt8(ascii: "t"): decoded = 0x09
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
            guard let unicode = Unicode.Scalar(scalar), let encoded = UTF8.encode(unicode) else { throw .loneSurrogate(offset: start) }
            if keeping { utf8.append(contentsOf: encoded) }
            return
        default:
            throw .invalidEscape(offset: start)
        }
        if keeping { utf8.append(decoded) }
    }

    private mutating func readHex4(escapeStart: Int) throws(JSONParseError) -> UInt16 {
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

    private mutating func readDigits() -> Int {
        let start = position
        while let byte = peek(), byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") { position += 1 }
        return position - start
    }

    /// A number's text and, when it is a plain integer in 0...2^64-1 (the only numbers serde reads
    /// as `u64`/`usize`), its value.
    struct Number {
        var lexeme: Range<Int>
        var unsigned: UInt64?
    }

    /// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? ; refuses what serde_json cannot hold (a
    /// non-integer or out-of-range integer that overflows a Double).
    mutating func readNumber() throws(JSONParseError) -> Number {
        let start = position
        let negative = peek() == UInt8(ascii: "-")
        if negative { position += 1 }
        guard let first = peek() else { throw .unexpectedEnd }
        guard first >= UInt8(ascii: "0") && first <= UInt8(ascii: "9") else { throw .invalidNumber(offset: start) }
        if first == UInt8(ascii: "0") {
            position += 1
            if let next = peek(), next >= UInt8(ascii: "0") && next <= UInt8(ascii: "9") { throw .invalidNumber(offset: start) }
        } else {
            _ = readDigits()
        }
        let integerEnd = position
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
        var magnitude: UInt64? = nil
        if isInteger {
            magnitude = 0
            for index in (negative ? start + 1 : start)..<integerEnd {
                let (times10, overflow) = magnitude!.multipliedReportingOverflow(by: 10)
                let (sum, carry) = times10.addingReportingOverflow(UInt64(bytes[index] - UInt8(ascii: "0")))
                if overflow || carry { magnitude = nil; break }
                magnitude = sum
            }
        }
        let fitsInteger = magnitude.map { !negative || $0 <= UInt64(Int64.max) + 1 } ?? false
        if !fitsInteger {
            let lexeme = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
            if !(Double(lexeme)?.isFinite ?? false) { throw .numberOutOfRange(offset: start, lexeme: lexeme) }
        }
        return Number(lexeme: start..<position, unsigned: negative ? nil : magnitude)
    }

    func text(_ range: Range<Int>) -> String {
        String(decoding: UnsafeRawBufferPointer(rebasing: bytes[range]), as: UTF8.self)
    }
}
