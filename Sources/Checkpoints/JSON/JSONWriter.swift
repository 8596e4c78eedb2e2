/// Writes JSON text. `compact` matches serde_json's `to_string` byte for byte (no spaces, only `"`,
/// `\` and control characters escaped, non-ASCII written as UTF-8), which is how safetensors
/// headers are written. `pythonIndented` matches Python's `json.dumps(value, indent=N)` (ASCII
/// output with `\uXXXX` escapes, `", "`-free separators `","` and `": "`), which is how Hugging Face
/// writes index files.
public enum JSONStyle: Sendable, Equatable {
    case compact
    case pythonIndented(Int)
    /// `json.dumps(value, indent=N, ensure_ascii=False)`: as `pythonIndented`, non-ASCII written as UTF-8.
    case pythonIndentedUnicode(Int)
}

extension JSONValue {
    public func serialized(_ style: JSONStyle = .compact) -> String {
        var output: [UInt8] = []
        JSONWriter(style: style).write(self, into: &output, level: 0)
        return String(decoding: output, as: UTF8.self)
    }
}

public struct JSONWriter: Sendable {
    public let style: JSONStyle

    public init(style: JSONStyle) { self.style = style }

    public func write(_ value: JSONValue, into output: inout [UInt8], level: Int) {
        switch value {
        case .null: output.append(contentsOf: "null".utf8)
        case let .bool(flag): output.append(contentsOf: (flag ? "true" : "false").utf8)
        case let .number(number): output.append(contentsOf: number.lexeme.utf8)
        case let .string(text): appendString(text, into: &output)
        case let .array(elements):
            writeContainer(open: "[", close: "]", count: elements.count, into: &output, level: level) { index, output in
                write(elements[index], into: &output, level: level + 1)
            }
        case let .object(object):
            writeContainer(open: "{", close: "}", count: object.count, into: &output, level: level) { index, output in
                let member = object.members[index]
                appendString(member.key, into: &output)
                output.append(contentsOf: keySeparator.utf8)
                write(member.value, into: &output, level: level + 1)
            }
        }
    }

    private var keySeparator: String {
        if case .compact = style { return ":" }
        return ": "
    }

    private func writeContainer(
        open: Character, close: Character, count: Int, into output: inout [UInt8], level: Int,
        element: (Int, inout [UInt8]) -> Void
    ) {
        output.append(contentsOf: String(open).utf8)
        guard count > 0 else {
            output.append(contentsOf: String(close).utf8)
            return
        }
        for index in 0..<count {
            if index > 0 { output.append(UInt8(ascii: ",")) }
            newline(level: level + 1, into: &output)
            element(index, &output)
        }
        newline(level: level, into: &output)
        output.append(contentsOf: String(close).utf8)
    }

    private func newline(level: Int, into output: inout [UInt8]) {
        let width: Int
        switch style {
        case .compact: return
        case let .pythonIndented(indent), let .pythonIndentedUnicode(indent): width = indent
        }
        output.append(0x0A)
        output.append(contentsOf: repeatElement(UInt8(ascii: " "), count: width * level))
    }

    public func appendString(_ text: String, into output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        switch style {
        case .compact, .pythonIndentedUnicode:
            // Python with ensure_ascii=False escapes exactly what serde does.
            for byte in text.utf8 { appendSerdeEscaped(byte, into: &output) }
        case .pythonIndented:
            for unit in text.utf16 { appendPythonEscaped(unit, into: &output) }
        }
        output.append(UInt8(ascii: "\""))
    }

    private func appendSerdeEscaped(_ byte: UInt8, into output: inout [UInt8]) {
        if let escape = Self.shortEscape(UInt16(byte)) {
            output.append(contentsOf: escape.utf8)
        } else if byte < 0x20 {
            appendUnicodeEscape(UInt16(byte), into: &output)
        } else {
            output.append(byte)
        }
    }

    private func appendPythonEscaped(_ unit: UInt16, into output: inout [UInt8]) {
        if let escape = Self.shortEscape(unit) {
            output.append(contentsOf: escape.utf8)
        } else if (0x20..<0x7F).contains(unit) {
            output.append(UInt8(unit))
        } else {
            appendUnicodeEscape(unit, into: &output)
        }
    }

    /// The two-character escapes serde_json and Python's json module share.
    private static func shortEscape(_ unit: UInt16) -> String? {
        switch unit {
        case 0x22: return #"\""#
        case 0x5C: return #"\\"#
        case 0x08: return #"\b"#
        case 0x0C: return #"\f"#
        case 0x0A: return #"\n"#
        case 0x0D: return #"\r"#
        case 0x09: return #"\t"#
        default: return nil
        }
    }

    /// `\u00XX` in lowercase hex, as both serde_json and Python write it.
    private func appendUnicodeEscape(_ unit: UInt16, into output: inout [UInt8]) {
        let hex = Array("0123456789abcdef".utf8)
        output.append(contentsOf: #"\u"#.utf8)
        for shift in stride(from: 12, through: 0, by: -4) { output.append(hex[Int((unit >> UInt16(shift)) & 0xF)]) }
    }
}
