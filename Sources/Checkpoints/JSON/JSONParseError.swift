/// Why a JSON text was rejected. `offset` is the byte offset in the text where the problem starts.
public enum JSONParseError: Error, Equatable, Sendable, CustomStringConvertible {
    case invalidUTF8(offset: Int)
    case unexpectedEnd
    case unexpectedCharacter(offset: Int, expected: String)
    case controlCharacterInString(offset: Int)
    case invalidEscape(offset: Int)
    case loneSurrogate(offset: Int)
    case invalidNumber(offset: Int)
    case numberOutOfRange(offset: Int, lexeme: String)
    case duplicateKey(String, offset: Int)
    case nestingTooDeep(offset: Int, limit: Int)
    case trailingCharacters(offset: Int)

    public var description: String {
        switch self {
        case let .invalidUTF8(offset): return "invalid UTF-8 at byte \(offset)"
        case .unexpectedEnd: return "unexpected end of JSON text"
        case let .unexpectedCharacter(offset, expected): return "expected \(expected) at byte \(offset)"
        case let .controlCharacterInString(offset): return "unescaped control character in a string at byte \(offset)"
        case let .invalidEscape(offset): return "invalid escape sequence at byte \(offset)"
        case let .loneSurrogate(offset): return "unpaired UTF-16 surrogate in a \\u escape at byte \(offset)"
        case let .invalidNumber(offset): return "malformed number at byte \(offset)"
        case let .numberOutOfRange(offset, lexeme): return "number \(lexeme) at byte \(offset) is out of range"
        case let .duplicateKey(key, offset): return "duplicate key \"\(key)\" at byte \(offset)"
        case let .nestingTooDeep(offset, limit): return "nesting deeper than \(limit) levels at byte \(offset)"
        case let .trailingCharacters(offset): return "unexpected characters after the JSON value at byte \(offset)"
        }
    }
}
